package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/server/media/mediaclient"
)

// offerAnswer is how a node answered a WHEP offer it did not send on.
type offerAnswer struct {
	status               int
	location, retryAfter string
	body                 string
}

// offerDuringDrain sends SIGTERM to node, whose drain a live client that
// reads nothing holds open, and posts WHEP offers to it, without following
// redirects, until one is not answered 201 (those that came before its
// media plane closed), and returns that answer.
func offerDuringDrain(t *testing.T, node *process, token string) offerAnswer {
	t.Helper()
	offer, err := os.ReadFile("../../server/testdata/offer-recv.sdp")
	if err != nil {
		t.Fatal(err)
	}
	newDrillClient(t, node, "stuck", "observer")
	node.cmd.Process.Signal(syscall.SIGTERM)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		req, err := http.NewRequest(http.MethodPost, node.url+"/api/v1/rooms/plenary/whep", strings.NewReader(string(offer)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/sdp")
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatalf("the draining node stopped answering before it refused an offer: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return offerAnswer{resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Retry-After"), string(body)}
		}
	}
	t.Fatal("the draining node still opens media sessions")
	return offerAnswer{}
}

// A draining node sends WHEP offers to the other, live node, where a WHEP
// client following the redirect connects.
func TestADrainingNodeSendsMediaOffersToALiveNode(t *testing.T) {
	a, b := drillNodes(t)
	screen := mint(t, "plenary", "observer", "screen", "")
	got := offerDuringDrain(t, a, screen)
	if want := b.url + "/api/v1/rooms/plenary/whep"; got.status != http.StatusTemporaryRedirect || got.location != want {
		t.Fatalf("WHEP to the draining node: %+v, want 307 to %s", got, want)
	}
	media, err := mediaclient.New(mediaclient.Options{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sub, err := media.Subscribe(ctx, a.url+"/api/v1/rooms/plenary/whep", screen, 1, func(mediaclient.Packet) {})
	if err != nil {
		t.Fatalf("WHEP through the draining node: %v", err)
	}
	defer sub.Close(context.Background())
	if !strings.HasPrefix(sub.Location(), b.url) {
		t.Errorf("the session is at %q, want on %s", sub.Location(), b.url)
	}
	select {
	case <-sub.Connected():
	case <-sub.Ended():
		t.Fatal("the session on the live node ended before it connected")
	case <-ctx.Done():
		t.Fatal("the session on the live node never connected")
	}
}

// A node draining with no other node live refuses offers with 503 and
// Retry-After: the client offers again when a node is back.
func TestADrainingNodeAloneRefusesMediaOffers(t *testing.T) {
	redisURL, prefix := redistest.URL(t)
	addr := freeAddr(t)
	a := start(t, "--redis", redisURL, "--redis-prefix", prefix, "--addr", addr, "--advertise-url", "http://"+addr, "--shutdown-wait", "20s")
	a.mustCall(t, "POST", "/api/v1/rooms", mint(t, "*", "admin", "secretariat", ""), `{"id":"plenary"}`, 201)
	got := offerDuringDrain(t, a, mint(t, "plenary", "observer", "screen", ""))
	if got.status != http.StatusServiceUnavailable || got.retryAfter == "" || !strings.Contains(got.body, "shutting_down") {
		t.Fatalf("WHEP to a draining node alone: %+v, want 503 shutting_down with Retry-After", got)
	}
}
