package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/parley-hub/parley/server/media"
)

func TestRelayMediaFlags(t *testing.T) {
	getenv := func(string) string { return "" }
	cfg, err := parseRelayFlags([]string{"--upstream", "http://main.example", "--token", "t", "--audio-only",
		"--ice-server", "stun:stun.example.org:3478", "--ice-server", "turn:turn.example.org:3478,hub,s3cret"}, getenv, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	want := []media.ICEServer{{URL: "stun:stun.example.org:3478"}, {URL: "turn:turn.example.org:3478", Username: "hub", Credential: "s3cret"}}
	if !cfg.AudioOnly || !slices.Equal(cfg.ICEServers, want) {
		t.Errorf("audio-only %v, ICE servers %+v", cfg.AudioOnly, cfg.ICEServers)
	}
	for _, bad := range []string{"turn:turn.example.org:3478", "https://turn.example.org"} {
		if _, err := parseRelayFlags([]string{"--upstream", "http://main.example", "--token", "t", "--ice-server", bad}, getenv, &strings.Builder{}); err == nil {
			t.Errorf("--ice-server %s was taken", bad)
		}
	}
}
