package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/entrycode"
)

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
			o := entrycode.JSONOf(c, *publicURL)
			return printResult(stdout, *asJSON, o, fmt.Sprintf("code %s issued for store %s\n%s\n", c.Value, c.StoreID, o.URL))
		case "list":
			codes, err := gw.EntryCodes(ctx, entrypay.EntryCodeQuery{MerchantID: merchant, StoreID: store})
			if err != nil {
				return err
			}
			list := make([]entrycode.JSON, 0, len(codes))
			var b strings.Builder
			for _, c := range codes {
				o := entrycode.JSONOf(c, *publicURL)
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
			return printResult(stdout, *asJSON, entrycode.JSONOf(c, *publicURL), fmt.Sprintf("code %s is %s\n", c.Value, c.Status))
		case "replace":
			c, err := gw.ReplaceEntryCode(ctx, value)
			if err != nil {
				return err
			}
			o := entrycode.JSONOf(c, *publicURL)
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
		data, _, err := entrycode.Image(cp, *publicURL, format, payload, *paper, size)
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
