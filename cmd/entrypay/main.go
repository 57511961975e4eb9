// Command entrypay is the acquiring gateway: the server, the built-in sandbox wallet side,
// the demo, and the operator's admin commands. Run "entrypay help" for the list.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // clearing zones by name work on machines without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "entrypay:", err)
		os.Exit(1)
	}
}
