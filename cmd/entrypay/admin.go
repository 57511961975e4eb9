package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/fx"
)

// withGateway opens the database named by dsn and hands a Gateway on it to fn.
func withGateway(ctx context.Context, dsn string, fn func(gw *entrypay.Gateway) error) error {
	db, err := openDatabase(ctx, dsn, len(entrypay.DefaultNotifySchedule))
	if err != nil {
		return err
	}
	defer db.close()
	return fn(entrypay.NewGateway(entrypay.Config{DB: db.store, FX: &fx.Engine{}}))
}

// printResult prints v as JSON with --json, or as the text lines otherwise.
func printResult(w io.Writer, asJSON bool, v any, text string) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	_, err := fmt.Fprint(w, text)
	return err
}

// readPublicKey reads a merchant's public key file and returns it as base64 X.509 DER,
// refusing anything that is not an RSA public key.
func readPublicKey(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--public-key: %w", err)
	}
	k, err := antomsig.ParsePublicKey(data)
	if err != nil {
		return "", fmt.Errorf("--public-key %s: %w", file, err)
	}
	if k.N.BitLen() < 2048 {
		return "", fmt.Errorf("--public-key %s: %d-bit RSA key, want at least 2048 bits", file, k.N.BitLen())
	}
	return antomsig.EncodePublicKey(k), nil
}

type merchantJSON struct {
	MerchantID         string `json:"merchantId"`
	ClientID           string `json:"clientId"`
	Name               string `json:"name"`
	MCC                string `json:"mcc"`
	Region             string `json:"region"`
	SettlementCurrency string `json:"settlementCurrency"`
	NotifyURL          string `json:"notifyUrl,omitempty"`
	Sandbox            bool   `json:"sandbox"`
	KeyVersion         int    `json:"keyVersion"`
	GatewayPublicKey   string `json:"gatewayPublicKey"`
	CreatedAt          string `json:"createdAt"`
	// Partner is true for a partner (ISV) account.
	Partner bool `json:"partner,omitempty"`
}

func runMerchant(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: entrypay merchant create|add-key [flags]")
	}
	switch args[0] {
	case "create":
		return merchantCreate(ctx, args[1:], getenv, stdout, stderr)
	case "add-key":
		return merchantAddKey(ctx, args[1:], getenv, stdout, stderr)
	case "brand":
		return merchantBrand(ctx, args[1:], getenv, stdout, stderr)
	case "update":
		return merchantUpdate(ctx, args[1:], getenv, stdout, stderr)
	case "pricing":
		return runPricing(ctx, args[1:], getenv, stdout, stderr)
	case "sftp":
		return merchantSFTP(ctx, args[1:], getenv, stdout, stderr)
	}
	return fmt.Errorf("unknown merchant command %q (want create, add-key, update, brand, pricing or sftp)", args[0])
}

func merchantCreate(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flagSet("merchant create", stderr)
	dsn := dbFlag(fs, getenv)
	var in entrypay.NewMerchant
	fs.StringVar(&in.Name, "name", "", "merchant name (required)")
	fs.StringVar(&in.MCC, "mcc", "", "merchant category code, four digits (required)")
	fs.StringVar(&in.Region, "region", "", "ISO 3166 alpha-2 region, e.g. HK (required)")
	fs.StringVar(&in.SettlementCurrency, "settlement-currency", "", "ISO 4217 settlement currency (required)")
	fs.StringVar(&in.NotifyURL, "notify-url", "", "default notification URL")
	fs.BoolVar(&in.Sandbox, "sandbox", false, "create a sandbox merchant (client id SANDBOX_…)")
	partner := fs.Bool("partner", false, "create a partner (ISV) account instead: it acts for merchants that authorize it (--mcc and --settlement-currency then optional)")
	keyFile := fs.String("public-key", "", "file with the merchant's RSA public key, PEM or base64 DER")
	genKey := fs.String("generate-key", "", "instead of --public-key, create a key pair and write the private key (PEM) to this file")
	gwKeyFile := fs.String("gateway-key", envOr(getenv, "ENTRYPAY_GATEWAY_KEY", ""), "gateway private key file, if the server uses one")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *partner {
		in.Kind = entrypay.KindPartner
	}
	switch {
	case *keyFile != "" && *genKey != "":
		return errors.New("give --public-key or --generate-key, not both")
	case *keyFile != "":
		pub, err := readPublicKey(*keyFile)
		if err != nil {
			return err
		}
		in.PublicKey = pub
	case *genKey != "":
		k, err := antomsig.GenerateKey()
		if err != nil {
			return err
		}
		if err := os.WriteFile(*genKey, antomsig.PrivateKeyPEM(k), 0o600); err != nil {
			return fmt.Errorf("--generate-key: %w", err)
		}
		in.PublicKey = antomsig.EncodePublicKey(&k.PublicKey)
	default:
		return errors.New("--public-key FILE is required (or --generate-key FILE)")
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		m, err := gw.CreateMerchant(ctx, in)
		if err != nil {
			return err
		}
		gwKey, _, err := loadGatewayKey(ctx, gw, *gwKeyFile)
		if err != nil {
			return err
		}
		out := merchantJSON{
			MerchantID: m.ID, ClientID: m.ClientID, Name: m.Name, MCC: m.MCC, Region: m.Region,
			SettlementCurrency: m.SettlementCurrency, NotifyURL: m.NotifyURL, Sandbox: m.Sandbox(), KeyVersion: 1,
			GatewayPublicKey: antomsig.EncodePublicKey(&gwKey.PublicKey), CreatedAt: m.CreatedAt.Format(time.RFC3339),
			Partner: m.IsPartner(),
		}
		kind := "merchant"
		if m.IsPartner() {
			kind = "partner"
		}
		text := fmt.Sprintf(kind+" %s created\nclient id: %s\ngateway public key (verify entrypay's signatures with it):\n%s\n", m.ID, m.ClientID, out.GatewayPublicKey)
		return printResult(stdout, *asJSON, out, text)
	})
}

func merchantAddKey(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flagSet("merchant add-key", stderr)
	dsn := dbFlag(fs, getenv)
	clientID := fs.String("client-id", "", "the merchant's client id (required)")
	keyFile := fs.String("public-key", "", "file with the new RSA public key (required)")
	label := fs.String("label", "", "whose key it is, e.g. the system integrator that holds it (at most 64 characters)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clientID == "" || *keyFile == "" {
		return errors.New("--client-id and --public-key are required")
	}
	pub, err := readPublicKey(*keyFile)
	if err != nil {
		return err
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		k, err := gw.AddMerchantKey(ctx, *clientID, pub, *label)
		if err != nil {
			return err
		}
		out := map[string]any{"clientId": k.ClientID, "keyVersion": k.KeyVersion, "label": k.Label}
		return printResult(stdout, *asJSON, out, fmt.Sprintf("client %s: key version %d added\n", k.ClientID, k.KeyVersion))
	})
}

func runStore(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: entrypay store create --merchant ID --name N [flags]")
	}
	fs := flagSet("store create", stderr)
	dsn := dbFlag(fs, getenv)
	var in entrypay.NewStore
	fs.StringVar(&in.MerchantID, "merchant", "", "merchant id (required)")
	fs.StringVar(&in.Name, "name", "", "store name in its original language (required)")
	fs.StringVar(&in.DisplayName, "display-name", "", "display name, e.g. in English")
	fs.StringVar(&in.MCC, "mcc", "", "merchant category code (default: the merchant's)")
	fs.StringVar(&in.Region, "region", "", "ISO 3166 alpha-2 region (default: the merchant's)")
	fs.StringVar(&in.SettlementCurrency, "settlement-currency", "", "settlement currency (default: the merchant's)")
	fs.StringVar(&in.Currency, "currency", "", "the currency customers pay in (default: the settlement currency)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		s, err := gw.CreateStore(ctx, in)
		if err != nil {
			return err
		}
		out := map[string]any{
			"storeId": s.ID, "merchantId": s.MerchantID, "name": s.Name, "displayName": s.DisplayName,
			"mcc": s.MCC, "region": s.Region, "settlementCurrency": s.SettlementCurrency, "currency": s.Currency, "createdAt": s.CreatedAt.Format(time.RFC3339),
		}
		return printResult(stdout, *asJSON, out, fmt.Sprintf("store %s created for merchant %s\n", s.ID, s.MerchantID))
	})
}

func runKeys(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "sftp-generate" {
		return keysSFTPGenerate(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "gateway-public" {
		return errors.New("usage: entrypay keys gateway-public [--pem] [--json] | sftp-generate --out FILE")
	}
	fs := flagSet("keys gateway-public", stderr)
	dsn := dbFlag(fs, getenv)
	gwKeyFile := fs.String("gateway-key", envOr(getenv, "ENTRYPAY_GATEWAY_KEY", ""), "gateway private key file, if the server uses one")
	asPEM := fs.Bool("pem", false, "print PEM instead of base64 DER")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		k, version, err := loadGatewayKey(ctx, gw, *gwKeyFile)
		if err != nil {
			return err
		}
		b64 := antomsig.EncodePublicKey(&k.PublicKey)
		text := b64 + "\n"
		if *asPEM {
			text = string(antomsig.PublicKeyPEM(&k.PublicKey))
		}
		return printResult(stdout, *asJSON, map[string]any{"publicKey": b64, "keyVersion": version}, text)
	})
}

// greetingsFlag collects --greeting lang=text, repeatable.
type greetingsFlag map[string]string

func (g greetingsFlag) String() string { return fmt.Sprint(map[string]string(g)) }

func (g greetingsFlag) Set(v string) error {
	lang, text, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want LANG=TEXT, e.g. en=Welcome")
	}
	g[strings.TrimSpace(lang)] = text
	return nil
}

// merchantBrand changes a merchant's page branding: only the flags given change.
func merchantBrand(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flagSet("merchant brand", stderr)
	dsn := dbFlag(fs, getenv)
	merchantID := fs.String("merchant", "", "merchant id (required)")
	display := fs.String("display-name", "", "display name shown under the store name")
	color := fs.String("color", "", "theme colour, #rrggbb")
	greetings := greetingsFlag{}
	fs.Var(greetings, "greeting", "greeting in one language, LANG=TEXT (repeatable; languages: "+strings.Join(entrypay.Languages, ", ")+")")
	presets := fs.String("presets", "", "comma-separated preset amounts in major units, e.g. 20,50,100")
	maxAmount := fs.String("max-amount", "", "largest amount a customer may enter, in major units (0: no limit)")
	logo := fs.String("logo", "", "logo file: PNG, JPEG, GIF or WebP, at most 256 KiB")
	removeLogo := fs.Bool("remove-logo", false, "remove the logo")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *merchantID == "" {
		return errors.New("--merchant is required")
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		m, err := gw.Merchant(ctx, *merchantID)
		if err != nil {
			return err
		}
		b, err := gw.Branding(ctx, m.ID)
		if err != nil {
			return err
		}
		if given["display-name"] {
			b.DisplayName = *display
		}
		if given["color"] {
			b.Color = *color
		}
		if len(greetings) > 0 {
			if b.Greetings == nil {
				b.Greetings = map[string]string{}
			}
			for lang, text := range greetings {
				if text == "" {
					delete(b.Greetings, lang)
				} else {
					b.Greetings[lang] = text
				}
			}
		}
		if given["presets"] {
			b.PresetAmounts = nil
			for part := range strings.SplitSeq(*presets, ",") {
				if part = strings.TrimSpace(part); part == "" {
					continue
				}
				a, err := entrypay.ParseMajor("--presets", part, m.SettlementCurrency)
				if err != nil {
					return err
				}
				b.PresetAmounts = append(b.PresetAmounts, a.Value)
			}
		}
		if given["max-amount"] {
			b.MaxAmount = 0
			if *maxAmount != "0" && *maxAmount != "" {
				a, err := entrypay.ParseMajor("--max-amount", *maxAmount, m.SettlementCurrency)
				if err != nil {
					return err
				}
				b.MaxAmount = a.Value
			}
		}
		keep := true
		switch {
		case *removeLogo:
			b.Logo, keep = nil, false
		case *logo != "":
			data, err := os.ReadFile(*logo)
			if err != nil {
				return fmt.Errorf("--logo: %w", err)
			}
			b.Logo, keep = data, false
		}
		saved, err := gw.SetBranding(ctx, *b, keep)
		if err != nil {
			return err
		}
		out := map[string]any{
			"merchantId": saved.MerchantID, "displayName": saved.DisplayName, "color": saved.Color,
			"greetings": saved.Greetings, "presetAmounts": saved.PresetAmounts, "maxAmount": saved.MaxAmount,
			"logoType": saved.LogoType, "logoBytes": len(saved.Logo),
		}
		return printResult(stdout, *asJSON, out, fmt.Sprintf("branding of %s saved\n", saved.MerchantID))
	})
}

// merchantUpdate changes a merchant's settings: for now its default notification URL.
func merchantUpdate(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flagSet("merchant update", stderr)
	dsn := dbFlag(fs, getenv)
	merchantID := fs.String("merchant", "", "merchant id (required)")
	notifyURL := fs.String("notify-url", "", "default notification URL (\"\" removes it)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *merchantID == "" {
		return errors.New("--merchant is required")
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		m, err := gw.SetNotifyURL(ctx, *merchantID, *notifyURL)
		if err != nil {
			return err
		}
		return printResult(stdout, *asJSON, map[string]any{"merchantId": m.ID, "notifyUrl": m.NotifyURL}, fmt.Sprintf("merchant %s: notify URL %q\n", m.ID, m.NotifyURL))
	})
}
