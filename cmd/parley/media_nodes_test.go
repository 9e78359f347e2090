package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// freeAddr is a loopback address no one listens on now, for a node that
// must know its URL before it starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Two `parley serve` on one Redis, each advertising its URL: the node that
// took the room's first offer holds its media, and the other answers
// offers with 307 to it.
func TestTwoNodesSendOffersToTheOneHoldingTheRoom(t *testing.T) {
	url, prefix := redistest.URL(t)
	node := func() *process {
		addr := freeAddr(t)
		return start(t, "--redis", url, "--redis-prefix", prefix, "--addr", addr, "--advertise-url", "http://"+addr)
	}
	a, b := node(), node()
	a.mustCall(t, "POST", "/api/v1/rooms", mint(t, "*", "admin", "secretariat", ""), `{"id":"plenary"}`, 201)
	offer, err := os.ReadFile("../../server/testdata/offer-send.sdp")
	if err != nil {
		t.Fatal(err)
	}
	venue := mint(t, "plenary", "venue", "hall", "")
	post := func(base string, follow bool) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+"/api/v1/rooms/plenary/whip", strings.NewReader(string(offer)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+venue)
		req.Header.Set("Content-Type", "application/sdp")
		client := &http.Client{}
		if !follow {
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := post(a.url, false); resp.StatusCode != http.StatusCreated {
		t.Fatalf("node A: %d", resp.StatusCode)
	}
	resp := post(b.url, false)
	if want := a.url + "/api/v1/rooms/plenary/whip"; resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != want {
		t.Fatalf("node B: %d Location %q, want 307 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	// Go's client, like a WHIP client, posts the offer again there; the
	// token goes along, the host being the same.
	if resp := post(b.url, true); resp.StatusCode != http.StatusCreated || !strings.HasPrefix(resp.Header.Get("Location"), "/api/v1/rooms/plenary/whip/") {
		t.Fatalf("following node B's redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
