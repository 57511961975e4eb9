package entrypay

import (
	"context"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ReportDelivery is where a merchant wants its reports uploaded over SFTP when a clearing
// day closes, as Antom's merchants fetch theirs from its SFTP server. entrypay logs in as
// User with the operator's SSH key and trusts the server only if it shows HostKey: the key
// is pinned when the delivery is set, never learnt on first use.
type ReportDelivery struct {
	MerchantID string `json:"merchantId"`
	// Address is host:port of the merchant's SFTP server.
	Address string `json:"address"`
	User    string `json:"user"`
	// Dir is the directory on the server; a day's files go to Dir/YYYYMMDD/.
	Dir string `json:"dir"`
	// HostKey is the server's public key in authorized_keys form ("ssh-ed25519 AAAA…").
	HostKey   string    `json:"hostKey"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ReportUpload records that a merchant's reports of a clearing day reached its server.
type ReportUpload struct {
	MerchantID   string    `json:"merchantId"`
	ClearingDate string    `json:"clearingDate"`
	Files        int       `json:"files"`
	UploadedAt   time.Time `json:"uploadedAt"`
}

// check validates d's form; the host key's syntax is checked by the SFTP adapter, which
// knows the SSH formats.
func (d *ReportDelivery) check() error {
	switch {
	case !hostPort(d.Address):
		return Errorf(EInvalid, "address %q must be host:port, e.g. sftp.example.com:22", clip(d.Address))
	case d.User == "" || strings.ContainsAny(d.User, " \t\r\n@"):
		return Errorf(EInvalid, "user %q must be a non-empty login name", clip(d.User))
	case d.Dir == "" || strings.ContainsAny(d.Dir, "\x00\r\n") || path.Clean(d.Dir) != d.Dir || slices.Contains(strings.Split(d.Dir, "/"), ".."):
		return Errorf(EInvalid, "dir %q must be a clean path without .. (e.g. /upload/reports)", clip(d.Dir))
	case strings.TrimSpace(d.HostKey) == "":
		return Errorf(EInvalid, "hostKey is required: entrypay uploads only to a server whose key it knows")
	}
	return nil
}

// hostPort reports whether s is host:port with a port from 1 to 65535 ([v6]:port for IPv6).
func hostPort(s string) bool {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return false
	}
	host, port := s[:i], s[i+1:]
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "+") {
		return false
	}
	if strings.HasPrefix(host, "[") {
		return strings.HasSuffix(host, "]") && len(host) > 2
	}
	return !strings.ContainsAny(host, ":/ @\t\r\n")
}

// SetReportDelivery sets (or, with d.Address empty, removes) where a merchant's reports
// are uploaded.
func (g *Gateway) SetReportDelivery(ctx context.Context, d ReportDelivery) (*ReportDelivery, error) {
	remove := d.Address == ""
	if !remove {
		if err := d.check(); err != nil {
			return nil, err
		}
	}
	d.HostKey = strings.TrimSpace(d.HostKey)
	d.UpdatedAt = g.now()
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		if _, err := tx.Merchant(ctx, d.MerchantID); err != nil {
			return notFound(err, EInvalid, "merchant %q does not exist", clip(d.MerchantID))
		}
		if remove {
			return tx.DeleteReportDelivery(ctx, d.MerchantID)
		}
		return tx.PutReportDelivery(ctx, &d)
	})
	if err != nil || remove {
		return nil, err
	}
	return &d, nil
}

// ReportDeliveryOf returns where a merchant's reports are uploaded; ENotFound when nowhere.
func (g *Gateway) ReportDeliveryOf(ctx context.Context, merchantID string) (*ReportDelivery, error) {
	var d *ReportDelivery
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		d, err = tx.ReportDelivery(ctx, merchantID)
		return notFound(err, ENotFound, "merchant %q has no report delivery", clip(merchantID))
	})
	return d, err
}

// ReportUploadOf returns the record of a merchant's upload of a day; ENotFound when its
// reports have not been uploaded.
func (g *Gateway) ReportUploadOf(ctx context.Context, merchantID, date string) (*ReportUpload, error) {
	var u *ReportUpload
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		u, err = tx.ReportUpload(ctx, merchantID, date)
		return notFound(err, ENotFound, "the reports of %s for %s have not been uploaded", clip(merchantID), clip(date))
	})
	return u, err
}

// RecordReportUpload remembers that a merchant's reports of a day were uploaded, so the
// scheduled delivery does not send them again.
func (g *Gateway) RecordReportUpload(ctx context.Context, merchantID, date string, files int) error {
	u := &ReportUpload{MerchantID: merchantID, ClearingDate: date, Files: files, UploadedAt: g.now()}
	return g.cfg.DB.InTx(ctx, func(tx Tx) error { return tx.PutReportUpload(ctx, u) })
}
