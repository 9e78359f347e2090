package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/server/media"
)

func TestServeMediaFlags(t *testing.T) {
	getenv := func(string) string { return "" }
	cfg, err := parseServeFlags([]string{
		"--ice-server", "stun:stun.example.org:3478",
		"--ice-server", "turns:turn.example.org:5349?transport=tcp,parley,s3cret",
		"--udp-port", "50000",
		"--public-ip", "203.0.113.7",
		"--advertise-url", "https://node-a.example.org",
	}, getenv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := []media.ICEServer{
		{URL: "stun:stun.example.org:3478"},
		{URL: "turns:turn.example.org:5349?transport=tcp", Username: "parley", Credential: "s3cret"},
	}
	if !slices.Equal(cfg.ICEServers, want) || cfg.UDPPort != 50000 || !slices.Equal(cfg.PublicIPs, []string{"203.0.113.7"}) || cfg.AdvertiseURL != "https://node-a.example.org" {
		t.Errorf("ICE servers %+v, UDP port %d, public IPs %v, advertised %q", cfg.ICEServers, cfg.UDPPort, cfg.PublicIPs, cfg.AdvertiseURL)
	}
	withSecret, err := parseServeFlags([]string{"--ice-server", "turn:turn.example.org:3478", "--turn-ttl", "8h"},
		func(k string) string { return map[string]string{"PARLEY_TURN_SECRET": "shared"}[k] }, &bytes.Buffer{})
	if err != nil || withSecret.TURNSecret != "shared" || withSecret.TURNTTL != 8*time.Hour ||
		!slices.Equal(withSecret.ICEServers, []media.ICEServer{{URL: "turn:turn.example.org:3478"}}) {
		t.Errorf("with PARLEY_TURN_SECRET: %+v, %v", withSecret, err)
	}
	for _, tc := range []struct {
		args    []string
		mention string
	}{
		{[]string{"--ice-server", "turn:turn.example.org"}, "USERNAME,CREDENTIAL"},
		{[]string{"--ice-server", "turn:turn.example.org,user"}, "USERNAME,CREDENTIAL"},
		{[]string{"--ice-server", "turn:turn.example.org", "--turn-ttl", "0s", "--turn-secret", "s"}, "--turn-ttl"},
		{[]string{"--ice-server", "stun:stun.example.org,user,pass"}, "no credentials"},
		{[]string{"--ice-server", "https://stun.example.org"}, "stun:, stuns:, turn: or turns:"},
		{[]string{"--udp-port", "70000"}, "not a port"},
		{[]string{"--public-ip", "hall.example.org"}, "not an IP address"},
		{[]string{"--advertise-url", "node-a.example.org"}, "base URL"},
		{[]string{"--advertise-url", "https://node-a.example.org/parley"}, "base URL"},
	} {
		if _, err := parseServeFlags(tc.args, getenv, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%v: %v, want an error mentioning %q", tc.args, err, tc.mention)
		}
	}
}
