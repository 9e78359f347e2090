package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "parley:", err)
		}
		os.Exit(2)
	}
}

const usage = `usage: parley <command> [flags]

commands:
  serve    run the server (parley serve --help for its flags)
  token    issue an access token
  verify   check a room's record bundle: hash chains, signatures, derived files
  relay    relay a room to a regional hub's network (parley relay --help)
  bench    load a running server's live protocol (parley bench ws --help),
           its live transcripts (parley bench transcript --help)
           or its media plane (parley bench media --help)
  version  print the version
`

// run dispatches a command line; getenv and the writers are parameters so
// tests can run the CLI in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		cfg, err := parseServeFlags(args[1:], getenv, stderr)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stdout, stderr)
	case "token":
		return token(args[1:], getenv, stdout, stderr)
	case "verify":
		return verify(args[1:], stdout, stderr)
	case "relay":
		cfg, err := parseRelayFlags(args[1:], getenv, stderr)
		if err != nil {
			return err
		}
		return runRelay(ctx, cfg, stderr)
	case "bench":
		return benchCommand(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "parley", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
