package main

import (
	"encoding/json"
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

// TestRelayCommandRelaysARoom runs `parley serve` and `parley relay` in
// front of it, as a hub would: the relay serves the room to a local token.
func TestRelayCommandRelaysARoom(t *testing.T) {
	main := start(t, "--data", t.TempDir())
	main.mustCall(t, "POST", "/api/v1/rooms", mint(t, "plenary", "chair", "chair", ""), `{"id":"plenary","title":"Opening plenary"}`, 201)
	const localSecret = "relay-local-secret-long-enough-for-hs256"
	relay := startCommand(t, "relay", "--upstream", main.url, "--token", mint(t, "plenary", "hub", "nairobi", ""), "--secret", localSecret, "--data", t.TempDir())

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
