package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/parley-hub/parley/server/auth"
)

func token(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("secret", getenv("PARLEY_JWT_SECRET"), "HS256 signing secret (env PARLEY_JWT_SECRET)")
	var c auth.Claims
	fs.StringVar(&c.Room, "room", "", `room id, or "*" for every room`)
	fs.StringVar(&c.Role, "role", "participant", "participant, chair, hub, captioner, observer or admin")
	fs.StringVar(&c.Subject, "sub", "", "stable id of the holder")
	fs.StringVar(&c.Name, "name", "", "display name")
	fs.StringVar(&c.Group, "group", "", "stakeholder group, e.g. civil-society")
	fs.StringVar(&c.Region, "region", "", "UN regional group, e.g. africa")
	fs.StringVar(&c.Gender, "gender", "", "self-declared gender (optional)")
	fs.StringVar(&c.Country, "country", "", "country code")
	fs.StringVar(&c.Mode, "mode", "", "in-room, remote or hub (default remote; hub for the hub role)")
	fs.StringVar(&c.Hub, "hub", "", "the hub the holder takes part from")
	fs.StringVar(&c.Lang, "lang", "", "language a captioner may write (optional)")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secret == "" {
		return errors.New("token: --secret (or PARLEY_JWT_SECRET) is required")
	}
	if *ttl <= 0 {
		return errors.New("token: --ttl must be positive")
	}
	tok, err := auth.Issue([]byte(*secret), c, *ttl)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
