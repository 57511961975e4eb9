package main

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"

	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/qrimage"
)

// demoState is what the demo remembers between runs in its data directory.
type demoState struct {
	MerchantID string `json:"merchantId"`
	ClientID   string `json:"clientId"`
	StoreID    string `json:"storeId"`
	Code       string `json:"code"`
}

func runDemo(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flagSet("demo", stderr)
	dir := fs.String("data-dir", "./entrypay-data", "where the demo keeps its database, keys and scripts")
	addr := fs.String("addr", envOr(getenv, "ENTRYPAY_ADDR", "127.0.0.1:8080"), "listen address")
	publicURL := publicURLFlag(fs, getenv)
	logLevel := fs.String("log-level", "warn", "log level of the server (logs go to stderr)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	o := serveOptions{
		addr: *addr, dsn: "sqlite:" + filepath.Join(*dir, "entrypay.db"), publicURL: *publicURL,
		notifyAllowPrivate: true, sandbox: true, jobPoll: 200 * time.Millisecond, logLevel: *logLevel,
		watchFirst: 10 * time.Second, watchMax: time.Minute, maxSkew: 5 * time.Minute,
		notifySchedule: entrypay.DefaultNotifySchedule,
		clearingZone:   "+08:00", valueDays: 1, riskReload: 2 * time.Second, clientRate: 50,
	}
	a, err := startApp(ctx, o, stderr)
	if err != nil {
		return err
	}
	receiver, err := startDemoMerchant(ctx, &a.gatewayKey.PublicKey, stdout)
	if err != nil {
		a.stop()
		return err
	}
	st, keyFile, err := ensureDemoMerchant(ctx, a.gateway, *dir)
	if err != nil {
		a.stop()
		return err
	}
	// Hosted-page payments are notified to the merchant's configured URL: this run's
	// receiver.
	if _, err := a.gateway.SetNotifyURL(ctx, st.MerchantID, receiver.url); err != nil {
		a.stop()
		return err
	}
	scripts, err := writeDemoScripts(*dir, a.localURL, st, keyFile, receiver)
	if err != nil {
		a.stop()
		return err
	}
	link, err := demoUserLink(ctx, a.gateway, entrypay.NewUser{MerchantID: st.MerchantID, Email: demoOwnerEmail, Role: entrypay.RoleOwner}, a.publicURL)
	if err != nil {
		a.stop()
		return err
	}
	opLink, err := demoUserLink(ctx, a.gateway, entrypay.NewUser{Email: demoOperatorEmail, Role: entrypay.RoleOperator}, a.publicURL)
	if err != nil {
		a.stop()
		return err
	}
	printDemo(stdout, a, st, keyFile, receiver, scripts)
	fmt.Fprintf(stdout, demoDashboardText, a.publicURL, demoOwnerEmail, link, a.publicURL, demoOperatorEmail, opLink)
	return a.wait(ctx)
}

// demoOwnerEmail is the demo merchant's owner and demoOperatorEmail the demo's operator,
// dashboard users.
const (
	demoOwnerEmail    = "owner@demo.entrypay.example"
	demoOperatorEmail = "operator@demo.entrypay.example"
)

// demoUserLink creates a demo user the first time and gives it a fresh one-time sign-in
// link on every start.
func demoUserLink(ctx context.Context, gw *entrypay.Gateway, u entrypay.NewUser, publicURL string) (string, error) {
	_, err := gw.UserByEmail(ctx, u.Email)
	var token string
	switch {
	case errors.Is(err, entrypay.ErrNotFound):
		_, token, err = gw.CreateUser(ctx, u, "demo")
	case err == nil:
		_, token, err = gw.IssueLink(ctx, u.Email, entrypay.LinkInvite, "demo")
	}
	if err != nil {
		return "", fmt.Errorf("demo dashboard user %s: %w", u.Email, err)
	}
	return linkBase(publicURL) + token, nil
}

const demoDashboardText = `
The merchant dashboard: %s/dashboard/
  Sign in as %s the first time with this one-time link (it asks
  for a password of at least 12 characters; a new link is printed on every start):
  %s

The operator console: %s/dashboard/operator/
  Sign in as %s the first time with this one-time link:
  %s
`

// ensureDemoMerchant creates the demo merchant, its key and its store the first time, and
// finds them again afterwards.
func ensureDemoMerchant(ctx context.Context, gw *entrypay.Gateway, dir string) (demoState, string, error) {
	stateFile := filepath.Join(dir, "demo.json")
	keyFile := filepath.Join(dir, "demo-merchant-key.pem")
	var st demoState
	if data, err := os.ReadFile(stateFile); err == nil && json.Unmarshal(data, &st) == nil {
		if _, err := gw.Merchant(ctx, st.MerchantID); err == nil && st.Code != "" {
			if _, err := os.Stat(keyFile); err == nil {
				return st, keyFile, nil
			}
		}
	}
	key, err := antomsig.GenerateKey()
	if err != nil {
		return st, "", err
	}
	if err := os.WriteFile(keyFile, antomsig.PrivateKeyPEM(key), 0o600); err != nil {
		return st, "", err
	}
	m, err := gw.CreateMerchant(ctx, entrypay.NewMerchant{
		Name: "Demo Noodle Bar", MCC: "5812", Region: "HK", SettlementCurrency: "HKD",
		Sandbox: true, PublicKey: antomsig.EncodePublicKey(&key.PublicKey),
	})
	if err != nil {
		return st, "", err
	}
	s, err := gw.CreateStore(ctx, entrypay.NewStore{MerchantID: m.ID, Name: "陳記麵家", DisplayName: "Chan's Noodle Bar", Currency: "HKD"})
	if err != nil {
		return st, "", err
	}
	if _, err := gw.SetBranding(ctx, entrypay.Branding{
		MerchantID: m.ID, Color: "#d9480f",
		Greetings:     map[string]string{"en": "Thank you for eating with us!", "zh-Hant": "多謝光臨！", "zh-Hans": "多谢光临！"},
		PresetAmounts: []int64{4800, 6800, 9800}, MaxAmount: 500000,
	}, false); err != nil {
		return st, "", err
	}
	c, err := gw.CreateEntryCode(ctx, entrypay.NewEntryCode{StoreID: s.ID, Label: "Counter"})
	if err != nil {
		return st, "", err
	}
	st = demoState{MerchantID: m.ID, ClientID: m.ClientID, StoreID: s.ID, Code: c.Value}
	data, _ := json.MarshalIndent(st, "", "  ")
	return st, keyFile, os.WriteFile(stateFile, data, 0o600)
}

// demoMerchant is the demo merchant's own server: it receives entrypay's notifications,
// checks their signature with the gateway's public key, prints them and acknowledges.
type demoMerchant struct {
	url string
}

func startDemoMerchant(ctx context.Context, gatewayKey *rsa.PublicKey, out io.Writer) (*demoMerchant, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("POST /notify", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read error", http.StatusBadRequest)
			return
		}
		verr := antomsig.VerifyHeader(gatewayKey, r.Header.Get("Signature"), r.Method, r.URL.RequestURI(), r.Header.Get("Client-Id"), r.Header.Get("Request-Time"), body)
		var n ams.NotifyPaymentRequest
		_ = json.Unmarshal(body, &n)
		mu.Lock()
		defer mu.Unlock()
		if verr != nil {
			fmt.Fprintf(out, "\n[demo merchant] refused a notification: bad signature (%v)\n", verr)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		amount := ""
		if n.PaymentAmount != nil {
			if v, err := entrypay.ParseAmount("paymentAmount", string(n.PaymentAmount.Value), string(n.PaymentAmount.Currency)); err == nil {
				amount = v.String()
			}
		}
		fmt.Fprintf(out, "\n[demo merchant] notifyPayment received, signature verified: payment %s (%s) %s %s %s\n",
			n.PaymentID, n.PaymentRequestID, amount, n.Result.ResultStatus, n.Result.ResultCode)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, ams.AckBody)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return &demoMerchant{url: "http://" + ln.Addr().String() + "/notify"}, nil
}

// demoScript signs and sends one merchant API call with curl and openssl: what any
// merchant's integration does, in a dozen lines of shell.
var demoScript = template.Must(template.New("api.sh").Parse(`#!/bin/sh
# Usage: sh {{.Dir}}/api.sh <api> '<json body>'
# Calls entrypay's merchant API as the demo merchant: the request is signed with
# SHA256withRSA over "POST <path>\n<Client-Id>.<Request-Time>.<body>", base64, URL-escaped.
set -eu
API=$1
BODY=$2
BASE={{.Base}}
CLIENT={{.ClientID}}
KEY={{.KeyFile}}
URI=/ams/sandbox/api/v1/payments/$API
TS=$(($(date +%s) * 1000))
SIG=$(printf 'POST %s\n%s.%s.%s' "$URI" "$CLIENT" "$TS" "$BODY" | openssl dgst -sha256 -sign "$KEY" | openssl base64 -A | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
curl -sS -X POST "$BASE$URI" \
  -H 'Content-Type: application/json; charset=UTF-8' \
  -H "Client-Id: $CLIENT" -H "Request-Time: $TS" \
  -H "Signature: algorithm=RSA256,keyVersion=1,signature=$SIG" \
  --data-raw "$BODY"
echo
`))

var demoPayScript = template.Must(template.New("pay.sh").Parse(`#!/bin/sh
# Usage: sh {{.Dir}}/pay.sh [amount in HKD cents, default 1250 = HKD 12.50]
# Creates an Entry Code payment as the demo merchant, as if the customer's AlipayHK app
# had opened the amount page. Open the redirectUrl of the answer in a browser to pay.
set -eu
AMOUNT=${1:-1250}
REQ="demo-$(date +%s)-$$"
UA='Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 AliApp(APHK/2.6.0.160) AlipayClientHK/2.6.0.160 Language/zh-HK AlipayConnect'
BODY=$(printf '{"productCode":"IN_STORE_PAYMENT","paymentRequestId":"%s","paymentAmount":{"currency":"HKD","value":"%s"},"paymentMethod":{"paymentMethodType":"CONNECT_WALLET"},"paymentFactor":{"inStorePaymentScenario":"EntryCode"},"paymentNotifyUrl":"%s","order":{"orderDescription":"Demo order","merchant":{"merchantName":"Demo Noodle Bar","store":{"referenceStoreId":"%s","storeName":"Demo Noodle Bar","storeMCC":"5812"}},"env":{"userAgent":"%s"}}}' "$REQ" "$AMOUNT" "{{.NotifyURL}}" "{{.StoreID}}" "$UA")
exec sh "$(dirname "$0")/api.sh" pay "$BODY"
`))

type demoScripts struct{ API, Pay string }

func writeDemoScripts(dir, base string, st demoState, keyFile string, m *demoMerchant) (demoScripts, error) {
	data := map[string]string{
		"Dir": dir, "Base": base, "ClientID": st.ClientID, "KeyFile": keyFile,
		"NotifyURL": m.url, "StoreID": st.StoreID,
	}
	out := demoScripts{API: filepath.Join(dir, "api.sh"), Pay: filepath.Join(dir, "pay.sh")}
	for file, tpl := range map[string]*template.Template{out.API: demoScript, out.Pay: demoPayScript} {
		var b strings.Builder
		if err := tpl.Execute(&b, data); err != nil {
			return out, err
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o700); err != nil {
			return out, err
		}
	}
	return out, nil
}

func printDemo(w io.Writer, a *app, st demoState, keyFile string, m *demoMerchant, s demoScripts) {
	codeURL := entrypay.CodeURL(a.publicURL, st.Code)
	qr := ""
	if q, err := qrimage.New(codeURL); err == nil {
		qr = q.Terminal()
	}
	fmt.Fprintf(w, demoText, a.publicURL, a.publicURL, st.MerchantID, st.ClientID, st.StoreID, keyFile, m.url,
		codeURL, qr, codeURL, s.Pay, s.API, s.API)
}

const demoText = `entrypay demo is running (Ctrl-C stops it).

  Gateway and sandbox wallets  %s
  Sandbox wallet side          %s/sandbox/
  Demo merchant                %s (client id %s), store %s
  Merchant private key         %s
  Merchant's notify receiver   %s

The store's entry code (its QR carries this URL):
  %s
%s
Pay as a customer: scan the code with a phone, or open the URL in a desktop browser that
pretends to be a wallet app. Chromium, for example:
  chromium --user-agent='Mozilla/5.0 (Linux; Android 13) AliApp(APHK/2.6.0.160) AlipayClientHK/2.6.0.160 Language/zh-HK AlipayConnect' %s
(or Chrome DevTools > Network conditions > User agent > Custom, with that text). Type an
amount, press Pay, and confirm in the sandbox cashier; the result page follows. A plain
browser gets the "open this code with your wallet app" page instead.

Or take a payment through the merchant API, as a merchant's own server would:
  1. Create it, signed with the merchant's key (curl + openssl):
       sh %s 1250
     The answer is S/SUCCESS ("order created") with redirectActionForm.redirectUrl:
     the wallet's cashier page.
  2. Open that redirectUrl in a browser and press Confirm.
  3. This window then shows the merchant's notification, its signature verified with the
     gateway's public key. Ask for the payment yourself with:
       sh %s inquiryPayment '{"paymentId":"<paymentId>"}'
     and refund part of it with:
       sh %s refund '{"refundRequestId":"r1","paymentId":"<paymentId>","refundAmount":{"currency":"HKD","value":"500"}}'
`
