package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

// categoryFlag collects --category dimension=category pairs.
type categoryFlag map[string][]string

func (f *categoryFlag) String() string { return fmt.Sprint(map[string][]string(*f)) }

func (f *categoryFlag) Set(v string) error {
	dim, cat, ok := strings.Cut(v, "=")
	if !ok || dim == "" || cat == "" {
		return fmt.Errorf("%q: write dimension=category, e.g. group=youth", v)
	}
	if *f == nil {
		*f = categoryFlag{}
	}
	(*f)[dim] = append((*f)[dim], cat)
	return nil
}

func token(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("secret", getenv("PARLEY_JWT_SECRET"), "HS256 signing secret (env PARLEY_JWT_SECRET)")
	var c auth.Claims
	fs.StringVar(&c.Room, "room", "", `room id, or "*" for every room`)
	fs.StringVar(&c.Role, "role", "participant", "participant, chair, hub, captioner, observer, admin, venue or interpreter")
	fs.StringVar(&c.Subject, "sub", "", "stable id of the holder")
	fs.StringVar(&c.Name, "name", "", "display name")
	fs.StringVar(&c.Group, "group", "", "stakeholder group, e.g. civil-society")
	fs.StringVar(&c.Region, "region", "", "UN regional group, e.g. africa")
	fs.StringVar(&c.Gender, "gender", "", "self-declared gender (optional)")
	fs.StringVar(&c.Country, "country", "", "ISO 3166 country code, e.g. KE (shown with the name)")
	fs.StringVar(&c.Delegation, "delegation", "", `whom the holder speaks for, shown with the name, e.g. "European Union"`)
	fs.StringVar(&c.Mode, "mode", "", "in-room, remote or hub (default remote; hub for the hub role)")
	fs.StringVar(&c.Hub, "hub", "", "the hub the holder takes part from")
	fs.StringVar(&c.HubName, "hub-name", "", `the hub's name as the plenary shows it, e.g. "Nairobi hub"`)
	fs.StringVar(&c.Lang, "lang", "", "language a captioner may write (optional), or an interpreter interprets into (required)")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token is valid")
	var extra categoryFlag
	fs.Var(&extra, "category", "a category the room adds to the defaults, as dimension=category (repeatable), e.g. group=youth")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secret == "" {
		return errors.New("token: --secret (or PARLEY_JWT_SECRET) is required")
	}
	if *ttl <= 0 {
		return errors.New("token: --ttl must be positive")
	}
	allowed, err := rooms.DefaultCategories().Extend(rooms.Categories(extra))
	if err != nil {
		return fmt.Errorf("token: --category: %w", err)
	}
	if c, err = c.CheckCategories(allowed); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	tok, err := auth.Issue([]byte(*secret), c, *ttl)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
