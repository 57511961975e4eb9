package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/sftp"
	"github.com/entrypay/entrypay/internal/statements"
)

// reportSinks is where merchants' reports go when a clearing day closes: a directory the
// operator names, and the SFTP servers of the merchants that set one.
type reportSinks struct {
	dir      string
	uploader *sftp.Uploader // nil: no SSH key, no uploads
	log      *slog.Logger
}

// sftpKeyFlag adds --sftp-key, entrypay's SSH key for uploading reports.
func sftpKeyFlag(fs *flag.FlagSet, getenv env) *string {
	return fs.String("sftp-key", envOr(getenv, "ENTRYPAY_SFTP_KEY", ""), "entrypay's SSH private key for uploading reports to merchants' SFTP servers (env ENTRYPAY_SFTP_KEY; make one with 'entrypay keys sftp-generate')")
}

func newReportSinks(dir, sftpKey string, log *slog.Logger) (*reportSinks, error) {
	s := &reportSinks{dir: dir, log: log}
	if sftpKey != "" {
		signer, err := sftp.LoadSigner(sftpKey)
		if err != nil {
			return nil, err
		}
		s.uploader = &sftp.Uploader{Signer: signer}
	}
	return s, nil
}

// deliver writes and uploads each merchant's reports of date (the merchants with a batch
// among batches). A day already uploaded is not uploaded again unless force. One
// merchant's failure does not stop the others; the errors are joined.
func (s *reportSinks) deliver(ctx context.Context, gw *entrypay.Gateway, date string, batches []*entrypay.SettlementBatch, force bool) error {
	if s == nil || (s.dir == "" && s.uploader == nil) {
		return nil
	}
	var ids []string
	seen := map[string]bool{}
	for _, b := range batches {
		if b.ClearingDate == date && !seen[b.MerchantID] {
			seen[b.MerchantID] = true
			ids = append(ids, b.MerchantID)
		}
	}
	var errs []error
	for _, id := range ids {
		if err := s.deliverMerchant(ctx, gw, id, date, batches, force); err != nil {
			errs = append(errs, fmt.Errorf("reports of %s for %s: %w", id, date, err))
		}
	}
	return errors.Join(errs...)
}

func (s *reportSinks) deliverMerchant(ctx context.Context, gw *entrypay.Gateway, merchantID, date string, batches []*entrypay.SettlementBatch, force bool) error {
	m, err := gw.Merchant(ctx, merchantID)
	if err != nil {
		return err
	}
	files, err := merchantReports(ctx, gw, m, date, batches)
	if err != nil {
		return err
	}
	if s.dir != "" {
		for _, f := range files {
			if err := writeFile(filepath.Join(s.dir, m.ID), f); err != nil {
				return err
			}
		}
	}
	if s.uploader == nil {
		return nil
	}
	d, err := gw.ReportDeliveryOf(ctx, m.ID)
	if entrypay.ErrorCodeOf(err) == entrypay.ENotFound {
		return nil // the merchant fetches its reports over the API
	}
	if err != nil {
		return err
	}
	if !force {
		if _, err := gw.ReportUploadOf(ctx, m.ID, date); err == nil {
			return nil // uploaded before
		} else if entrypay.ErrorCodeOf(err) != entrypay.ENotFound {
			return err
		}
	}
	if err := s.uploader.Upload(ctx, d, date, sftpFiles(files)); err != nil {
		return err
	}
	if s.log != nil {
		s.log.Info("reports uploaded", "merchant", m.ID, "date", date, "files", len(files), "server", d.Address)
	}
	return gw.RecordReportUpload(ctx, m.ID, date, len(files))
}

func sftpFiles(files []statements.File) []sftp.File {
	out := make([]sftp.File, len(files))
	for i, f := range files {
		out[i] = sftp.File{Name: f.Name, Data: f.Data}
	}
	return out
}

// merchantSFTP shows, sets or removes where a merchant's reports are uploaded.
func merchantSFTP(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flagSet("merchant sftp", stderr)
	dsn := dbFlag(fs, getenv)
	var d entrypay.ReportDelivery
	fs.StringVar(&d.MerchantID, "merchant", "", "merchant id (required)")
	fs.StringVar(&d.Address, "address", "", "the merchant's SFTP server, host:port")
	fs.StringVar(&d.User, "user", "", "login name on that server")
	fs.StringVar(&d.Dir, "dir", "", "directory on the server; each day's files go to DIR/YYYYMMDD/")
	hostKey := fs.String("host-key", "", `the server's public key, "ssh-ed25519 AAAA…" (from the merchant, or ssh-keyscan)`)
	hostKeyFile := fs.String("host-key-file", "", "or a file holding it (a known_hosts or .pub line)")
	off := fs.Bool("off", false, "stop uploading this merchant's reports")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if d.MerchantID == "" {
		return errors.New("--merchant is required")
	}
	d.HostKey = *hostKey
	if *hostKeyFile != "" {
		data, err := os.ReadFile(*hostKeyFile)
		if err != nil {
			return err
		}
		d.HostKey = strings.TrimSpace(string(data))
	}
	show := !*off && d.Address == "" && d.User == "" && d.Dir == "" && d.HostKey == ""
	if !show && !*off {
		if _, err := sftp.ParseHostKey(d.HostKey); err != nil {
			return fmt.Errorf("--host-key: %w", err)
		}
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		switch {
		case show:
			got, err := gw.ReportDeliveryOf(ctx, d.MerchantID)
			if err != nil {
				return err
			}
			return printResult(stdout, *asJSON, got, fmt.Sprintf("%s: reports go to %s@%s:%s/YYYYMMDD/ (host key %s)\n", got.MerchantID, got.User, got.Address, got.Dir, got.HostKey))
		case *off:
			if _, err := gw.SetReportDelivery(ctx, entrypay.ReportDelivery{MerchantID: d.MerchantID}); err != nil {
				return err
			}
			return printResult(stdout, *asJSON, map[string]any{"merchantId": d.MerchantID, "sftp": false}, d.MerchantID+": reports are no longer uploaded\n")
		}
		saved, err := gw.SetReportDelivery(ctx, d)
		if err != nil {
			return err
		}
		return printResult(stdout, *asJSON, saved, fmt.Sprintf("%s: reports go to %s@%s:%s/YYYYMMDD/\n", saved.MerchantID, saved.User, saved.Address, saved.Dir))
	})
}

// keysSFTPGenerate makes entrypay's SSH key for report uploads and prints its public half,
// which merchants add to their servers' authorized_keys.
func keysSFTPGenerate(args []string, stdout, stderr io.Writer) error {
	fs := flagSet("keys sftp-generate", stderr)
	out := fs.String("out", "", "file to write the private key to (required; it must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	priv, pub, err := sftp.GenerateKey("entrypay")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(priv); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	_, err = stdout.Write(pub)
	return err
}
