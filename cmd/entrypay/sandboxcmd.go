package main

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/sandbox"
)

// runSandbox runs the sandbox wallet side on its own, for a gateway started with
// --alipayplus-endpoint pointing at it.
func runSandbox(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flagSet("sandbox", stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	publicURL := fs.String("public-url", "", "externally visible base URL (default http://<addr>)")
	keyFile := fs.String("key", "./entrypay-data/sandbox-key.pem", "the sandbox's private key; created if missing")
	acquirerID := fs.String("acquirer-client-id", sandboxAcquirerID, "the gateway's client id at this sandbox")
	acquirerKey := fs.String("acquirer-public-key", "", "file with the gateway's public key (entrypay keys gateway-public) (required)")
	pubOut := fs.String("public-key-out", "", "also write the sandbox's public key (PEM) to this file")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *acquirerKey == "" {
		return errors.New("--acquirer-public-key is required: the gateway's public key, from 'entrypay keys gateway-public'")
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(*acquirerKey)
	if err != nil {
		return err
	}
	acqPub, err := antomsig.ParsePublicKey(data)
	if err != nil {
		return fmt.Errorf("--acquirer-public-key %s: %w", *acquirerKey, err)
	}
	key, err := loadOrCreateKey(*keyFile)
	if err != nil {
		return err
	}
	if *pubOut != "" {
		if err := os.WriteFile(*pubOut, antomsig.PublicKeyPEM(&key.PublicKey), 0o644); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := strings.TrimRight(*publicURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	sb := standaloneSandbox(base, key, *acquirerID, acqPub, &http.Client{Timeout: 10 * time.Second}, log)
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", sb.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	var wg sync.WaitGroup
	wg.Go(func() { _ = sb.Run(ctx) })
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(stdout, "entrypay sandbox: listening on %s\n  endpoint (--alipayplus-endpoint): %s/sandbox\n  client id (--alipayplus-client-id): %s\n  public key (--alipayplus-public-key): %s\n",
		"http://"+ln.Addr().String(), base, *acquirerID, antomsig.EncodePublicKey(&key.PublicKey))
	err = srv.Serve(ln)
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// standaloneSandbox is the wallet side on its own, serving under /sandbox at base and
// trusting one acquirer: what `entrypay sandbox` runs, and `entrypay bench --nodes` in its
// own process, shared by the gateway processes it starts.
func standaloneSandbox(base string, key *rsa.PrivateKey, acquirerID string, acquirerKey *rsa.PublicKey, client *http.Client, log *slog.Logger) *sandbox.Sandbox {
	return sandbox.New(sandbox.Config{
		BasePath: "/sandbox", PublicURL: base, Key: key, KeyVersion: 1,
		Acquirers: func(_ context.Context, clientID string, _ int) (*rsa.PublicKey, error) {
			if clientID != acquirerID {
				return nil, fmt.Errorf("unknown acquirer %q", clientID)
			}
			return acquirerKey, nil
		},
		HTTP:   client,
		Logger: log,
	})
}

// loadOrCreateKey reads a private key file, creating it with a new key when missing.
func loadOrCreateKey(file string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(file)
	if err == nil {
		return antomsig.ParsePrivateKey(data)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k, err := antomsig.GenerateKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, err
	}
	return k, os.WriteFile(file, antomsig.PrivateKeyPEM(k), 0o600)
}
