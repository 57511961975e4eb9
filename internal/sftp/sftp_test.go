package sftp_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/sftp"
	"github.com/entrypay/entrypay/internal/sftp/sftptest"
)

// key makes an SSH key pair and returns the uploader signing with it and its public key.
func key(t *testing.T) (*sftp.Uploader, string) {
	t.Helper()
	priv, pub, err := sftp.GenerateKey("entrypay-test")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(file, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := sftp.LoadSigner(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))); !strings.HasPrefix(string(pub), got) {
		t.Fatalf("generated public key %q is not the private key's %q", pub, got)
	}
	return &sftp.Uploader{Signer: signer}, string(pub)
}

func TestUpload(t *testing.T) {
	up, pub := key(t)
	root := t.TempDir()
	srv := sftptest.Start(t, "noodles", pub, root)
	d := &entrypay.ReportDelivery{Address: srv.Addr, User: "noodles", Dir: "in/reports", HostKey: srv.HostKey}
	files := []sftp.File{{Name: "transactionItems_20261126_000.csv", Data: []byte("a,b\n<END>\n")}, {Name: "settlementSummary_USD_B1_000.csv", Data: []byte("x\n<END>\n")}}
	if err := up.Upload(context.Background(), d, "2026-11-26", files); err != nil {
		t.Fatal(err)
	}
	// Uploading again replaces the files whole.
	files[0].Data = []byte("a,b\n1,2\n<END>\n")
	if err := up.Upload(context.Background(), d, "2026-11-26", files); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "in", "reports", "20261126")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 {
		t.Fatalf("files on the server: %v, want the two reports and no leftovers", names)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil || string(got) != string(f.Data) {
			t.Errorf("%s on the server = %q, %v; want %q", f.Name, got, err, f.Data)
		}
	}
	if srv.Logins() != 2 {
		t.Errorf("logins = %d, want 2", srv.Logins())
	}
}

func TestUploadRefused(t *testing.T) {
	up, pub := key(t)
	stranger, _ := key(t)
	root := t.TempDir()
	srv := sftptest.Start(t, "noodles", pub, root)
	other := sftptest.Start(t, "noodles", pub, t.TempDir())
	good := entrypay.ReportDelivery{Address: srv.Addr, User: "noodles", Dir: "in", HostKey: srv.HostKey}
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, then says nothing
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	tests := []struct {
		name string
		up   *sftp.Uploader
		edit func(d *entrypay.ReportDelivery)
		want string
	}{
		{"another server's host key", up, func(d *entrypay.ReportDelivery) { d.HostKey = other.HostKey }, "host key mismatch"},
		{"a host key that is not one", up, func(d *entrypay.ReportDelivery) { d.HostKey = "ssh-ed25519 bm90IGEga2V5" }, "is not an SSH public key"},
		{"a key the server does not know", stranger, func(*entrypay.ReportDelivery) {}, "unable to authenticate"},
		{"another user", up, func(d *entrypay.ReportDelivery) { d.User = "ramen" }, "unable to authenticate"},
		{"no key", &sftp.Uploader{}, func(*entrypay.ReportDelivery) {}, "no SSH key configured"},
		{"nobody listening", up, func(d *entrypay.ReportDelivery) { d.Address = closedAddr }, "connect to"},
		{"a server that never answers", &sftp.Uploader{Signer: up.Signer, Timeout: 300 * time.Millisecond}, func(d *entrypay.ReportDelivery) { d.Address = silent.Addr().String() }, "log in to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := good
			tt.edit(&d)
			err := tt.up.Upload(context.Background(), &d, "2026-11-26", []sftp.File{{Name: "r.csv", Data: []byte("x")}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Upload = %v, want an error saying %q", err, tt.want)
			}
		})
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("refused uploads left %d entries on the server", len(entries))
	}
}

func TestParseHostKey(t *testing.T) {
	_, pub := key(t)
	fields := strings.Fields(pub)
	for _, in := range []string{pub, fields[0] + " " + fields[1], "sftp.example.com " + fields[0] + " " + fields[1], "[sftp.example.com]:2222 " + pub} {
		k, err := sftp.ParseHostKey(in)
		if err != nil {
			t.Errorf("ParseHostKey(%q): %v", in, err)
			continue
		}
		if k.Type() != ssh.KeyAlgoED25519 {
			t.Errorf("ParseHostKey(%q) type %s", in, k.Type())
		}
	}
	for _, in := range []string{"", "ssh-ed25519", "hello world", "ssh-rsa !!!!"} {
		if _, err := sftp.ParseHostKey(in); err == nil {
			t.Errorf("ParseHostKey(%q) accepted", in)
		}
	}
}
