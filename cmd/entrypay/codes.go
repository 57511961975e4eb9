package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/emvqr"
	"github.com/entrypay/entrypay/internal/qrimage"
	"github.com/entrypay/entrypay/internal/wallets"
)

// codeJSON is how commands and the admin API show an entry code.
type codeJSON struct {
	CodeValue  string      `json:"codeValue"`
	URL        string      `json:"url"`
	MerchantID string      `json:"merchantId"`
	StoreID    string      `json:"storeId"`
	Label      string      `json:"label,omitempty"`
	Amount     *amountJSON `json:"amount,omitempty"`
	Status     string      `json:"status"`
	ReplacedBy string      `json:"replacedBy,omitempty"`
	QRVersion  int         `json:"qrVersion,omitempty"`
	CreatedAt  string      `json:"createdAt"`
}

type amountJSON struct {
	Currency string `json:"currency"`
	Value    string `json:"value"`
}

func codeOut(c *entrypay.EntryCode, publicURL string) codeJSON {
	out := codeJSON{
		CodeValue: c.Value, URL: entrypay.CodeURL(publicURL, c.Value), MerchantID: c.MerchantID, StoreID: c.StoreID,
		Label: c.Label, Status: string(c.Status), ReplacedBy: c.ReplacedBy, CreatedAt: c.CreatedAt.Format(time.RFC3339),
	}
	if c.FixedAmount != (entrypay.Amount{}) {
		out.Amount = &amountJSON{Currency: c.FixedAmount.Currency, Value: c.FixedAmount.ValueString()}
	}
	if q, err := qrimage.New(out.URL); err == nil {
		out.QRVersion = q.Version()
	}
	return out
}

func runCode(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: entrypay code create|list|disable|enable|replace|image [flags]")
	}
	sub, args := args[0], args[1:]
	fs := flagSet("code "+sub, stderr)
	dsn := dbFlag(fs, getenv)
	publicURL := fs.String("public-url", envOr(getenv, "ENTRYPAY_PUBLIC_URL", "http://127.0.0.1:8080"), "externally visible base URL (env ENTRYPAY_PUBLIC_URL)")
	asJSON := fs.Bool("json", false, "print JSON")
	var store, label, amount, value, merchant, format, out, payload string
	var size int
	switch sub {
	case "create":
		fs.StringVar(&store, "store", "", "store id (required)")
		fs.StringVar(&label, "label", "", "label, e.g. Table 4")
		fs.StringVar(&amount, "amount", "", "fixed amount in major units for a price-tag code, e.g. 45.00")
	case "list":
		fs.StringVar(&store, "store", "", "list a store's codes")
		fs.StringVar(&merchant, "merchant", "", "list a merchant's codes")
	case "disable", "enable", "replace":
		fs.StringVar(&value, "code", "", "the code value (required)")
	case "image":
		fs.StringVar(&value, "code", "", "the code value (required)")
		fs.StringVar(&format, "format", "png", "png, svg or poster (an A6 SVG poster; --paper A5 for A5)")
		fs.StringVar(&out, "out", "", "output file (required)")
		fs.IntVar(&size, "size", 600, "image size in pixels (png, svg)")
		fs.StringVar(&payload, "payload", "url", "what the QR carries: url, or emv (an EMVCo merchant-presented payload with the URL inside)")
	default:
		return fmt.Errorf("unknown code command %q (want create, list, disable, enable, replace or image)", sub)
	}
	paper := fs.String("paper", "A6", "poster paper size: A5 or A6")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		switch sub {
		case "create":
			if store == "" {
				return errors.New("--store is required")
			}
			in := entrypay.NewEntryCode{StoreID: store, Label: label}
			if amount != "" {
				stores, err := storeByID(ctx, gw, store)
				if err != nil {
					return err
				}
				if in.FixedAmount, err = entrypay.ParseMajor("--amount", amount, stores.Currency); err != nil {
					return err
				}
			}
			c, err := gw.CreateEntryCode(ctx, in)
			if err != nil {
				return err
			}
			o := codeOut(c, *publicURL)
			return printResult(stdout, *asJSON, o, fmt.Sprintf("code %s issued for store %s\n%s\n", c.Value, c.StoreID, o.URL))
		case "list":
			codes, err := gw.EntryCodes(ctx, entrypay.EntryCodeQuery{MerchantID: merchant, StoreID: store})
			if err != nil {
				return err
			}
			list := make([]codeJSON, 0, len(codes))
			var b strings.Builder
			for _, c := range codes {
				o := codeOut(c, *publicURL)
				list = append(list, o)
				fmt.Fprintf(&b, "%s  %-8s  %s  %s\n", c.Value, c.Status, c.StoreID, o.URL)
			}
			return printResult(stdout, *asJSON, list, b.String())
		case "disable", "enable":
			status := entrypay.CodeDisabled
			if sub == "enable" {
				status = entrypay.CodeActive
			}
			c, err := gw.SetEntryCodeStatus(ctx, value, status)
			if err != nil {
				return err
			}
			return printResult(stdout, *asJSON, codeOut(c, *publicURL), fmt.Sprintf("code %s is %s\n", c.Value, c.Status))
		case "replace":
			c, err := gw.ReplaceEntryCode(ctx, value)
			if err != nil {
				return err
			}
			o := codeOut(c, *publicURL)
			return printResult(stdout, *asJSON, o, fmt.Sprintf("code %s replaces %s\n%s\n", c.Value, strings.ToUpper(value), o.URL))
		}
		// image
		if value == "" || out == "" {
			return errors.New("--code and --out are required")
		}
		cp, err := gw.CodePage(ctx, value)
		if err != nil {
			return err
		}
		data, err := codeImage(cp, *publicURL, format, payload, *paper, size)
		if err != nil {
			return err
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return err
		}
		return printResult(stdout, *asJSON, map[string]any{"codeValue": cp.Code.Value, "file": out, "bytes": len(data)}, fmt.Sprintf("wrote %s (%d bytes)\n", out, len(data)))
	})
}

func storeByID(ctx context.Context, gw *entrypay.Gateway, id string) (*entrypay.Store, error) {
	var s *entrypay.Store
	err := gw.Config().DB.InTx(ctx, func(tx entrypay.Tx) error {
		var err error
		s, err = tx.StoreByID(ctx, id)
		if errors.Is(err, entrypay.ErrNotFound) {
			return fmt.Errorf("store %q does not exist", id)
		}
		return err
	})
	return s, err
}

// codeContent is what a code's QR carries: its URL, or an EMVCo payload around it.
func codeContent(cp *entrypay.CodePage, publicURL, payload string) (string, error) {
	u := entrypay.CodeURL(publicURL, cp.Code.Value)
	switch payload {
	case "url", "":
		return u, nil
	case "emv":
		city := cp.Store.Region
		return emvqr.StaticEntryCode(emvqr.Merchant{
			GUID: "COM.ENTRYPAY", URL: u, MCC: cp.Store.MCC, Currency: cp.Store.Currency,
			Country: cp.Store.Region, Name: asciiName(firstNonEmptyString(cp.Store.DisplayName, cp.Merchant.Name), 25),
			City: asciiName(city, 15),
		})
	}
	return "", fmt.Errorf("--payload %q: want url or emv", payload)
}

// codeImage renders a code as PNG, SVG or a printable poster.
func codeImage(cp *entrypay.CodePage, publicURL, format, payload, paper string, size int) ([]byte, error) {
	content, err := codeContent(cp, publicURL, payload)
	if err != nil {
		return nil, err
	}
	q, err := qrimage.New(content)
	if err != nil {
		return nil, err
	}
	switch format {
	case "png":
		return q.PNG(size)
	case "svg":
		return q.SVG(size), nil
	case "poster":
		names := make([]string, 0)
		for _, w := range wallets.Builtin().Wallets {
			names = append(names, w.Name)
		}
		return q.PosterSVG(qrimage.Poster{
			Paper: strings.ToUpper(paper), StoreName: cp.Store.Name, DisplayName: firstNonEmptyString(cp.Branding.DisplayName, cp.Store.DisplayName),
			Headline: "Scan to pay · 扫码付款 · 掃碼付款", Wallets: names, URL: entrypay.CodeURL(publicURL, cp.Code.Value), Accent: cp.Branding.Color,
		})
	}
	return nil, fmt.Errorf("--format %q: want png, svg or poster", format)
}

func firstNonEmptyString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// asciiName keeps the printable ASCII of a name, cut to n characters: EMV's root name and
// city fields take only that character set.
func asciiName(s string, n int) string {
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
