package main

import (
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/export"
)

// verify checks a record bundle (GET /api/v1/rooms/{room}/record) and
// prints what it checked; a record that does not verify is an error
// naming the first thing broken.
func verify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "PEM file of the server's record key (GET /api/v1/record-key) to check the signatures against, rather than the key the bundle carries")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: parley verify [--key FILE] RECORD.zip")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return flag.ErrHelp
	}
	var pin ed25519.PublicKey
	if *keyFile != "" {
		key, err := auth.LoadPublicKey(*keyFile)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		var ok bool
		if pin, ok = key.(ed25519.PublicKey); !ok {
			return fmt.Errorf("verify: %s is not an Ed25519 public key", *keyFile)
		}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	files, err := export.ReadBundle(f, info.Size())
	if err != nil {
		return fmt.Errorf("verify: %s: %w", fs.Arg(0), err)
	}
	report, err := server.VerifyRecord(files, pin)
	for _, line := range report {
		fmt.Fprintln(stdout, line)
	}
	if err != nil {
		return fmt.Errorf("verify: %s: %w", fs.Arg(0), err)
	}
	if pin == nil {
		fmt.Fprintln(stdout, "the signatures were checked against the key the bundle carries: compare it with the server's (GET /api/v1/record-key), or give it with --key")
	}
	fmt.Fprintln(stdout, "OK: the record verifies")
	return nil
}
