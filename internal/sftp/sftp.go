// Package sftp uploads merchants' reports to their SFTP servers, over golang.org/x/crypto/ssh
// and github.com/pkg/sftp. entrypay authenticates with the operator's SSH key and trusts a
// server only when it shows the host key pinned in the merchant's delivery settings.
package sftp

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"strings"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/entrypay/entrypay"
)

// File is one file to upload.
type File struct {
	Name string
	Data []byte
}

// Uploader uploads files as one SSH user.
type Uploader struct {
	// Signer is entrypay's SSH key, which merchants authorize on their servers.
	Signer ssh.Signer
	// Timeout bounds one whole upload (connect, log in, write); 0 means one minute.
	Timeout time.Duration
}

// ParseHostKey reads a server's public key in authorized_keys form ("ssh-ed25519 AAAA…
// comment") or as a known_hosts line ("host ssh-ed25519 AAAA…").
func ParseHostKey(s string) (ssh.PublicKey, error) {
	s = strings.TrimSpace(s)
	if key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s)); err == nil {
		return key, nil
	}
	if _, _, key, _, _, err := ssh.ParseKnownHosts([]byte(s)); err == nil {
		return key, nil
	}
	return nil, fmt.Errorf("host key %.40q is not an SSH public key (want e.g. \"ssh-ed25519 AAAA…\", as in ~/.ssh/known_hosts or ssh-keyscan's output)", s)
}

// LoadSigner reads entrypay's private key (OpenSSH or PEM form, unencrypted).
func LoadSigner(file string) (ssh.Signer, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	s, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("SSH key %s: %w", file, err)
	}
	return s, nil
}

// GenerateKey returns a new ed25519 private key in OpenSSH form and its public half in
// authorized_keys form, for the operator to give to merchants.
func GenerateKey(comment string) (private, authorized []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, nil, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
	if comment != "" {
		line += " " + comment
	}
	return pem.EncodeToMemory(block), []byte(line + "\n"), nil
}

// Upload writes files into d.Dir/<YYYYMMDD of date>/ on the merchant's server. Each file
// is written under a temporary name and renamed into place, so the merchant never reads
// half a report, and uploading again replaces the files whole.
func (u *Uploader) Upload(ctx context.Context, d *entrypay.ReportDelivery, date string, files []File) (err error) {
	if u.Signer == nil {
		return errors.New("sftp: no SSH key configured (serve --sftp-key)")
	}
	hostKey, err := ParseHostKey(d.HostKey)
	if err != nil {
		return err
	}
	timeout := u.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", d.Address)
	if err != nil {
		return fmt.Errorf("sftp: connect to %s: %w", d.Address, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // the ssh and sftp calls take no context
	defer stop()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	sshConn, chans, reqs, err := ssh.NewClientConn(conn, d.Address, &ssh.ClientConfig{
		User:            d.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(u.Signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		Timeout:         timeout,
	})
	if err != nil {
		conn.Close()
		return fmt.Errorf("sftp: log in to %s as %s: %w", d.Address, d.User, err)
	}
	client := ssh.NewClient(sshConn, chans, reqs)
	defer client.Close()
	fs, err := pkgsftp.NewClient(client)
	if err != nil {
		return fmt.Errorf("sftp: start SFTP on %s: %w", d.Address, err)
	}
	defer fs.Close()

	dir := path.Join(d.Dir, strings.ReplaceAll(date, "-", ""))
	if err := fs.MkdirAll(dir); err != nil {
		return fmt.Errorf("sftp: make %s on %s: %w", dir, d.Address, err)
	}
	for _, f := range files {
		if err := put(fs, path.Join(dir, f.Name), f.Data); err != nil {
			return fmt.Errorf("sftp: upload %s to %s: %w", f.Name, d.Address, err)
		}
	}
	return nil
}

// put writes data to name through a temporary file and a rename.
func put(fs *pkgsftp.Client, name string, data []byte) error {
	tmp := name + ".part"
	f, err := fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := fs.PosixRename(tmp, name); err == nil {
		return nil
	}
	// Servers without the posix-rename extension refuse to rename over a file.
	if err := fs.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return fs.Rename(tmp, name)
}
