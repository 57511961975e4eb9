// Command merchant is a small shop that takes Entry Code payments through entrypay, as a
// merchant with its own developers would integrate: its own amount page, the payment
// created with the public Go client (package ams), the customer sent to the wallet's
// cashier, and the verified notification recorded against the order. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "merchant:", err)
		os.Exit(1)
	}
}

// run is the whole program: main only calls it. args[0] is the program name. It serves
// until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("merchant", flag.ContinueOnError)
	fs.SetOutput(stderr)
	envOr := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	entrypayURL := fs.String("entrypay", envOr("MERCHANT_ENTRYPAY_URL", "http://127.0.0.1:8080"), "entrypay's base URL (env MERCHANT_ENTRYPAY_URL)")
	clientID := fs.String("client-id", envOr("MERCHANT_CLIENT_ID", ""), "the merchant's client id, from `entrypay merchant create` (env MERCHANT_CLIENT_ID)")
	keyFile := fs.String("key", envOr("MERCHANT_KEY", ""), "file with the merchant's RSA private key, PEM or base64 PKCS#8 (env MERCHANT_KEY)")
	gatewayKeyFile := fs.String("gateway-key", envOr("MERCHANT_GATEWAY_KEY", ""), "file with entrypay's public key, from `entrypay keys gateway-public --pem` (env MERCHANT_GATEWAY_KEY)")
	keyVersion := fs.Int("key-version", 1, "version of the merchant key at entrypay")
	addr := fs.String("addr", envOr("MERCHANT_ADDR", "127.0.0.1:9090"), "listen address (env MERCHANT_ADDR)")
	publicURL := fs.String("public-url", envOr("MERCHANT_PUBLIC_URL", ""), "base URL where customers and entrypay reach this shop (env MERCHANT_PUBLIC_URL; default http://<addr>)")
	currency := fs.String("currency", envOr("MERCHANT_CURRENCY", "HKD"), "ISO 4217 currency of the shop's prices (env MERCHANT_CURRENCY)")
	name := fs.String("name", "Example Noodle Bar", "the shop's name on its pages")
	if len(args) == 0 {
		args = []string{"merchant"}
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case *clientID == "":
		return errors.New("--client-id is required")
	case *keyFile == "":
		return errors.New("--key is required")
	case *gatewayKeyFile == "":
		return errors.New("--gateway-key is required (entrypay keys gateway-public --pem > entrypay.pem)")
	}
	cur := strings.ToUpper(*currency)
	digits, ok := entrypay.Digits(cur)
	if !ok {
		return fmt.Errorf("--currency %q is not an ISO 4217 currency", *currency)
	}
	key, err := readKey(*keyFile, ams.ParsePrivateKey)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	gatewayKey, err := readKey(*gatewayKeyFile, ams.ParsePublicKey)
	if err != nil {
		return fmt.Errorf("--gateway-key: %w", err)
	}
	client, err := ams.NewClient(ams.Config{
		BaseURL:    *entrypayURL,
		ClientID:   *clientID,
		PrivateKey: key,
		KeyVersion: *keyVersion,
		GatewayKey: gatewayKey,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := strings.TrimRight(*publicURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	s := newShop(shopConfig{Name: *name, Currency: cur, Digits: digits, PublicURL: base, Client: client, Log: log})
	srv := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "merchant listening on http://%s\n  shop page   %s/\n  notify URL  %s/notify\n  entrypay    %s (client %s)\n",
		ln.Addr(), base, base, *entrypayURL, *clientID)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func readKey[K any](file string, parse func([]byte) (K, error)) (K, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		var zero K
		return zero, err
	}
	k, err := parse(data)
	if err != nil {
		return k, fmt.Errorf("%s: %w", file, err)
	}
	return k, nil
}
