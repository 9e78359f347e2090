package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/server/auth"
)

func TestRelayFlagsNeedUpstreamAndToken(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"relay", "--token", "t"}, "--upstream is required"},
		{[]string{"relay", "--upstream", "http://main.example"}, "--token (or PARLEY_HUB_TOKEN) is required"},
		{[]string{"relay", "--upstream", "http://main.example", "--token", "not-a-jwt", "--secret", "s"}, "names no room"},
	} {
		_, _, err := runCLI(tc.args, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// `parley relay` takes serve's log flags, with the same defaults and
// checks.
func TestRelayLogFlags(t *testing.T) {
	need := []string{"--upstream", "http://main.example", "--token", "t"}
	cfg, err := parseRelayFlags(need, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LogLevel != slog.LevelInfo || cfg.LogFormat != "text" || cfg.NodeID != defaultNodeID() {
		t.Errorf("defaults: level %v, format %q, node %q", cfg.LogLevel, cfg.LogFormat, cfg.NodeID)
	}
	env := func(k string) string { return map[string]string{"PARLEY_NODE_ID": "hub-env"}[k] }
	if cfg, err = parseRelayFlags(need, env, io.Discard); err != nil || cfg.NodeID != "hub-env" {
		t.Errorf("PARLEY_NODE_ID=hub-env: node %q, %v", cfg.NodeID, err)
	}
	cfg, err = parseRelayFlags(append(need, "--log-format", "json", "--log-level", "debug", "--node-id", "hub-nairobi"), env, io.Discard)
	if err != nil || cfg.LogFormat != "json" || cfg.LogLevel != slog.LevelDebug || cfg.NodeID != "hub-nairobi" {
		t.Errorf("--log-format json --log-level debug --node-id hub-nairobi: %+v, %v", cfg.logConfig, err)
	}
	var logs strings.Builder
	cfg.logger(&logs).Debug("relay up")
	var line struct{ Level, Msg, Node string }
	if err := json.Unmarshal([]byte(logs.String()), &line); err != nil || line.Level != "DEBUG" || line.Node != "hub-nairobi" {
		t.Errorf("the relay's logger wrote %q (%v), want a JSON debug line naming its node", logs.String(), err)
	}
	for _, bad := range [][]string{{"--log-format", "xml"}, {"--log-level", "loud"}} {
		if _, err := parseRelayFlags(append(need, bad...), env, io.Discard); err == nil {
			t.Errorf("%v was taken", bad)
		}
	}
}

// TestRelayCommandRelaysARoom runs `parley serve` and `parley relay` in
// front of it, as a hub would: the relay serves the room to a local token.
func TestRelayCommandRelaysARoom(t *testing.T) {
	main := start(t, "--data", t.TempDir())
	main.mustCall(t, "POST", "/api/v1/rooms", mint(t, "plenary", "chair", "chair", ""), `{"id":"plenary","title":"Opening plenary"}`, 201)
	const localSecret = "relay-local-secret-long-enough-for-hs256"
	relay := startCommand(t, "relay", "--upstream", main.url, "--token", mint(t, "plenary", "hub", "nairobi", ""), "--secret", localSecret, "--data", t.TempDir(),
		"--node-id", "hub-nairobi")
	if !strings.Contains(relay.logs.String(), "node=hub-nairobi") {
		t.Errorf("the relay's log does not name its --node-id:\n%s", relay.logs)
	}

	c := auth.Claims{Room: "plenary", Role: "observer", Name: "Screen"}
	c.Subject = "screen"
	local, err := auth.Issue([]byte(localSecret), c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body := relay.call(t, "GET", "/api/v1/rooms/plenary", local, "")
		var snap struct{ Title string }
		if status == 200 && json.Unmarshal(body, &snap) == nil && snap.Title == "Opening plenary" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the relay did not serve the room: %d %s\n%s", status, body, relay.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status, _ := relay.call(t, "GET", "/api/v1/rooms/plenary", mint(t, "plenary", "observer", "x", ""), ""); status != 401 {
		t.Errorf("a main server's token at the relay: %d, want 401: the relay takes its own", status)
	}
}
