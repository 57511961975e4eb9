// Package entrycode renders entry codes for print and screen: what the QR carries (the
// code's URL, or an EMVCo merchant-presented payload around it) and the PNG, SVG and
// poster images. The CLI and the admin API share it.
package entrycode

import (
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/emvqr"
	"github.com/entrypay/entrypay/internal/qrimage"
	"github.com/entrypay/entrypay/internal/wallets"
)

// GUID is the globally unique identifier of entrypay's merchant account information
// template in EMVCo payloads (a reverse domain name, as the specification allows).
const GUID = "COM.ENTRYPAY"

// Content is what a code's QR carries: payload "url" (the default) or "emv".
func Content(cp *entrypay.CodePage, publicURL, payload string) (string, error) {
	u := entrypay.CodeURL(publicURL, cp.Code.Value)
	switch payload {
	case "url", "":
		return u, nil
	case "emv":
		return emvqr.StaticEntryCode(emvqr.Merchant{
			GUID: GUID, URL: u, MCC: cp.Store.MCC, Currency: cp.Store.Currency, Country: cp.Store.Region,
			Name: ascii(firstNonEmpty(cp.Store.DisplayName, cp.Merchant.Name), 25), City: ascii(cp.Store.Region, 15),
		})
	}
	return "", entrypay.Errorf(entrypay.EInvalid, "payload %q: want url or emv", payload)
}

// Image renders a code: format "png" or "svg" of size pixels, or "poster", a printable
// SVG on paper "A5" or "A6".
func Image(cp *entrypay.CodePage, publicURL, format, payload, paper string, size int) ([]byte, string, error) {
	content, err := Content(cp, publicURL, payload)
	if err != nil {
		return nil, "", err
	}
	q, err := qrimage.New(content)
	if err != nil {
		return nil, "", err
	}
	switch format {
	case "png", "":
		data, err := q.PNG(size)
		if err != nil {
			return nil, "", entrypay.Errorf(entrypay.EInvalid, "%v", err)
		}
		return data, "image/png", nil
	case "svg":
		return q.SVG(size), "image/svg+xml", nil
	case "poster":
		var names []string
		for _, w := range wallets.Builtin().Wallets {
			names = append(names, w.Name)
		}
		paper = strings.ToUpper(paper)
		if paper == "" {
			paper = "A6"
		}
		data, err := q.PosterSVG(qrimage.Poster{
			Paper: paper, StoreName: cp.Store.Name, DisplayName: firstNonEmpty(cp.Branding.DisplayName, cp.Store.DisplayName),
			Headline: "Scan to pay · 扫码付款 · 掃碼付款", Wallets: names, URL: entrypay.CodeURL(publicURL, cp.Code.Value), Accent: cp.Branding.Color,
		})
		if err != nil {
			return nil, "", entrypay.Errorf(entrypay.EInvalid, "%v", err)
		}
		return data, "image/svg+xml", nil
	}
	return nil, "", entrypay.Errorf(entrypay.EInvalid, "format %q: want png, svg or poster", format)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ascii keeps the printable ASCII of a name, cut to n characters: EMV's root name and
// city fields take only that character set (other scripts go in template 64).
func ascii(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x20 && r < 0x7f && b.Len() < n {
			b.WriteRune(r)
		}
	}
	out := strings.TrimSpace(b.String())
	if out == "" {
		return "STORE"
	}
	return out
}

// JSON is how the CLI and the admin API show an entry code.
type JSON struct {
	CodeValue  string  `json:"codeValue"`
	URL        string  `json:"url"`
	MerchantID string  `json:"merchantId"`
	StoreID    string  `json:"storeId"`
	Label      string  `json:"label,omitempty"`
	Amount     *Amount `json:"amount,omitempty"`
	Status     string  `json:"status"`
	ReplacedBy string  `json:"replacedBy,omitempty"`
	// QRVersion is the QR symbol version the URL needs at error correction level Q.
	QRVersion int    `json:"qrVersion,omitempty"`
	CreatedAt string `json:"createdAt"`
}

// Amount is a fixed amount, in the API's form.
type Amount struct {
	Currency string `json:"currency"`
	Value    string `json:"value"`
}

// JSONOf describes c.
func JSONOf(c *entrypay.EntryCode, publicURL string) JSON {
	out := JSON{
		CodeValue: c.Value, URL: entrypay.CodeURL(publicURL, c.Value), MerchantID: c.MerchantID, StoreID: c.StoreID,
		Label: c.Label, Status: string(c.Status), ReplacedBy: c.ReplacedBy, CreatedAt: c.CreatedAt.Format(time.RFC3339),
	}
	if c.FixedAmount != (entrypay.Amount{}) {
		out.Amount = &Amount{Currency: c.FixedAmount.Currency, Value: c.FixedAmount.ValueString()}
	}
	if q, err := qrimage.New(out.URL); err == nil {
		out.QRVersion = q.Version()
	}
	return out
}
