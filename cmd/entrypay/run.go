package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// env reads configuration from the environment, injected so tests control it.
type env func(string) string

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "run the gateway and the sandbox wallets on 127.0.0.1:8080 with a demo merchant, and print how to pay", runDemo},
		{"serve", "run the gateway (and, unless --sandbox=false, the sandbox wallet side)", runServe},
		{"sandbox", "run only the sandbox wallet side (Alipay+ and its wallets)", runSandbox},
		{"merchant", "merchant create | add-key | update | brand | pricing | sftp", runMerchant},
		{"store", "store create", runStore},
		{"partner", "partner authorize: issue a merchant's Agent-Token to a partner (ISV)", runPartner},
		{"user", "user create | reset: dashboard users and their one-time links", runUser},
		{"code", "code create | list | disable | enable | replace | image: entry codes and their QR images", runCode},
		{"keys", "keys gateway-public | sftp-generate: the gateway's public key for merchants; entrypay's SSH key for report uploads", runKeys},
		{"fx", "fx import | set | list: exchange rates (rates file, ECB XML, one rate)", runFX},
		{"settle", "settle run | list | confirm: close clearing days into settlement batches, record payouts", runSettle},
		{"reports", "reports --merchant M --date D: a merchant's transaction and settlement reports", runReports},
		{"reconcile", "reconcile --date D --dir|--url: match the wallet side's files against the books", runReconcile},
		{"ledger", "ledger verify: prove the books balance", runLedger},
		{"bench", "bench [--db DSN [--nodes N] | --target URL,…]: drive complete payments and report throughput, latency, CPU and RSA cost", runBench},
	}
}

// run is the whole program: main only calls it. args[0] is the program name.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		usage(stderr)
		return errors.New("no command given")
	}
	name := args[1]
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(ctx, args[2:], getenv, stdin, stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", name)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: entrypay <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'entrypay <command> -h' for a command's flags.")
}

// flagSet returns a FlagSet that reports errors instead of exiting.
func flagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("entrypay "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// envOr returns the environment value of key, or def.
func envOr(getenv env, key, def string) string {
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return v
	}
	return def
}

// dbFlag adds the --db flag shared by serve and the admin commands.
func dbFlag(fs *flag.FlagSet, getenv env) *string {
	return fs.String("db", envOr(getenv, "ENTRYPAY_DB", defaultDB), "database: sqlite:PATH or postgres://… (env ENTRYPAY_DB)")
}

// publicURLFlag adds --public-url.
func publicURLFlag(fs *flag.FlagSet, getenv env) *string {
	return fs.String("public-url", envOr(getenv, "ENTRYPAY_PUBLIC_URL", ""), "externally visible base URL (env ENTRYPAY_PUBLIC_URL; default http://<addr>)")
}
