package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/ratelimit"
)

func runCLI(args []string, env map[string]string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestTokenCommandIssuesAVerifiableToken(t *testing.T) {
	out, _, err := runCLI([]string{"token", "--room", "plenary", "--role", "hub", "--sub", "dhaka", "--name", "Dhaka hub",
		"--group", "technical-community", "--region", "asia-pacific", "--hub", "dhaka", "--hub-name", "Dhaka hub",
		"--country", "BD", "--delegation", "ISOC Bangladesh"}, map[string]string{"PARLEY_JWT_SECRET": "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := auth.NewVerifier([]byte("s3cret"), nil)
	c, err := v.VerifyFor(strings.TrimSpace(out), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Participant()
	if p.Sub != "dhaka" || p.Role != "hub" || p.Mode != "hub" || p.Group != "technical-community" || p.Hub != "dhaka" || p.HubName != "Dhaka hub" ||
		p.Country != "BD" || p.Delegation != "ISOC Bangladesh" {
		t.Errorf("participant = %+v", p)
	}
}

// C19: known spellings are normalised at token time, anything else is
// refused with the claim and the allowed values named.
func TestTokenCommandChecksCategories(t *testing.T) {
	env := map[string]string{"PARLEY_JWT_SECRET": "s3cret"}
	out, _, err := runCLI([]string{"token", "--room", "plenary", "--sub", "amina",
		"--group", "Civil Society", "--gender", "female", "--region", "Africa"}, env)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := auth.NewVerifier([]byte("s3cret"), nil)
	c, err := v.Verify(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	if c.Group != "civil-society" || c.Gender != "woman" || c.Region != "africa" {
		t.Errorf("claims %+v, want canonical categories", c)
	}
	_, _, err = runCLI([]string{"token", "--room", "plenary", "--sub", "y", "--group", "Youth"}, env)
	if err == nil || !strings.Contains(err.Error(), `group "Youth"`) || !strings.Contains(err.Error(), "civil-society") {
		t.Errorf("an unknown group: %v, want the claim and the allowed values named", err)
	}
	if _, _, err := runCLI([]string{"token", "--room", "plenary", "--sub", "y", "--group", "Youth", "--category", "group=youth"}, env); err != nil {
		t.Errorf("with --category group=youth: %v", err)
	}
}

func TestCLIRefusesBadInvocations(t *testing.T) {
	tests := []struct {
		args    []string
		mention string
	}{
		{[]string{"token", "--room", "plenary", "--sub", "x"}, "--secret"},
		{[]string{"token", "--secret", "s", "--room", "plenary", "--sub", "x", "--role", "king"}, "unknown role"},
		{[]string{"token", "--secret", "s", "--room", "plenary", "--sub", "x", "--ttl", "-1h"}, "--ttl"},
		{[]string{"adjourn"}, "unknown command"},
		{[]string{"serve", "extra"}, "unexpected argument"},
	}
	for _, tc := range tests {
		_, _, err := runCLI(tc.args, nil)
		if err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%v: error %v, want one mentioning %q", tc.args, err, tc.mention)
		}
	}
	if _, _, err := runCLI(nil, nil); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("no arguments: %v, want usage", err)
	}
}

func TestServeFlagsAndEnvironment(t *testing.T) {
	cfg, err := parseServeFlags([]string{"--addr", "127.0.0.1:9", "--allowed-origin", "https://hub.example"},
		func(k string) string {
			return map[string]string{"PARLEY_REDIS_URL": "redis://127.0.0.1:6379/2", "PARLEY_JWT_SECRET": "env-secret"}[k]
		}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9" || cfg.RedisURL != "redis://127.0.0.1:6379/2" || cfg.Secret != "env-secret" || cfg.DataDir != "./data" ||
		len(cfg.Origins) != 1 || cfg.Origins[0] != "https://hub.example" ||
		cfg.Limits.Rate != ratelimit.DefaultRate || cfg.Limits.MaxConns != ratelimit.DefaultMaxConns {
		t.Errorf("config = %+v", cfg)
	}
	cfg, err = parseServeFlags([]string{"--rate-per-person", "5", "--max-conns-per-person", "3"}, func(string) string { return "" }, &bytes.Buffer{})
	if err != nil || cfg.Limits.Rate != 5 || cfg.Limits.MaxConns != 3 {
		t.Errorf("per-person limits: %+v %v", cfg.Limits, err)
	}
	if _, err := parseServeFlags([]string{"--max-conns-per-person", "0"}, func(string) string { return "" }, &bytes.Buffer{}); err == nil {
		t.Error("no connections per person was accepted")
	}
}

func TestVersion(t *testing.T) {
	if out, _, err := runCLI([]string{"version"}, nil); err != nil || !strings.HasPrefix(out, "parley ") {
		t.Errorf("version: %q %v", out, err)
	}
}
