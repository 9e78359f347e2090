package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/ratelimit"
)

func readOffer(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMediaEndpointsAuthenticate: WHIP and WHEP take the room's tokens,
// refuse others clearly, and answer an offer with a session to DELETE.
func TestMediaEndpointsAuthenticate(t *testing.T) {
	a := newAPI(t)
	a.createRoom(t, a.token(t, "*", "admin", "root", nil), `{"id":"plenary","title":"Plenary"}`)
	send, recv := readOffer(t, "offer-send.sdp"), readOffer(t, "offer-recv.sdp")
	venue := a.token(t, "plenary", "venue", "hall", nil)
	alice := a.token(t, "plenary", "participant", "alice", nil)
	sdp := map[string]string{"Content-Type": "application/sdp"}
	for _, c := range []struct {
		name, path, token, body string
		headers                 map[string]string
		status                  int
		code                    string
	}{
		{"no token", "/api/v1/rooms/plenary/whip", "", send, sdp, 401, "invalid_token"},
		{"another room's token", "/api/v1/rooms/plenary/whip", a.token(t, "other", "venue", "hall", nil), send, sdp, 403, "wrong_room"},
		{"an observer publishing", "/api/v1/rooms/plenary/whip", a.token(t, "plenary", "observer", "obs", nil), send, sdp, 403, "forbidden"},
		{"malformed SDP", "/api/v1/rooms/plenary/whip", alice, "v=0\r\nnonsense\r\n", sdp, 400, "bad_offer"},
		{"not SDP by its type", "/api/v1/rooms/plenary/whip", alice, send, map[string]string{"Content-Type": "text/plain"}, 415, "unsupported_media_type"},
		{"a room that does not exist", "/api/v1/rooms/nowhere/whep", a.token(t, "nowhere", "participant", "alice", nil), recv, sdp, 404, "not_found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := a.do(t, http.MethodPost, c.path, c.token, c.body, c.headers)
			if e := decodeError(t, resp); resp.StatusCode != c.status || e.Code != c.code {
				t.Fatalf("%d %+v, want %d %s", resp.StatusCode, e, c.status, c.code)
			}
		})
	}

	resp := a.do(t, http.MethodPost, "/api/v1/rooms/plenary/whip", venue, send, sdp)
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	location := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Content-Type") != "application/sdp" ||
		!strings.HasPrefix(string(answer), "v=0") || !strings.HasPrefix(location, "/api/v1/rooms/plenary/whip/") {
		t.Fatalf("venue's WHIP: %d %q Location %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), location, answer)
	}
	resp = a.do(t, http.MethodPost, "/api/v1/rooms/plenary/whep", a.token(t, "plenary", "observer", "obs", nil), recv, sdp)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("an observer's WHEP: %d", resp.StatusCode)
	}
	var listed struct {
		Publishers []map[string]any `json:"publishers"`
	}
	a.getJSON(t, a.token(t, "plenary", "chair", "chair", nil), "/api/v1/rooms/plenary/media/publishers", &listed)
	if len(listed.Publishers) != 1 || listed.Publishers[0]["sub"] != "hall" || listed.Publishers[0]["kind"] != "venue" {
		t.Fatalf("publishers as the chair sees them: %v", listed.Publishers)
	}
	if resp := a.do(t, http.MethodGet, "/api/v1/rooms/plenary/media/publishers", alice, "", nil); decodeError(t, resp).Code != "forbidden" {
		t.Fatalf("a participant listing publishers: %d, want 403", resp.StatusCode)
	}
	if resp := a.do(t, http.MethodDelete, location, alice, "", nil); decodeError(t, resp).Code != "forbidden" {
		t.Fatalf("someone else's DELETE: %d, want 403", resp.StatusCode)
	}
	for _, want := range []int{http.StatusOK, http.StatusNotFound} {
		resp := a.do(t, http.MethodDelete, location, venue, "", nil)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("the venue's DELETE: %d, want %d", resp.StatusCode, want)
		}
	}
}

// A flood of offers is refused per person: each spends ten messages of
// the person's budget.
func TestAFloodOfOffersIsRateLimited(t *testing.T) {
	a := newAPIForPeople(t, ratelimit.Limits{Rate: 0.5, Burst: 20})
	a.createRoom(t, a.token(t, "*", "admin", "root", nil), `{"id":"plenary","title":"Plenary"}`)
	alice := a.token(t, "plenary", "participant", "alice", nil)
	sdp := map[string]string{"Content-Type": "application/sdp"}
	for i, want := range []string{"bad_offer", "bad_offer", "rate_limited"} {
		resp := a.do(t, http.MethodPost, "/api/v1/rooms/plenary/whep", alice, "v=0\r\n", sdp)
		if e := decodeError(t, resp); e.Code != want {
			t.Fatalf("offer %d: %d %+v, want %s", i+1, resp.StatusCode, e, want)
		}
	}
	resp := a.do(t, http.MethodPost, "/api/v1/rooms/plenary/whep", a.token(t, "plenary", "participant", "bob", nil), "v=0\r\n", sdp)
	if e := decodeError(t, resp); e.Code != "bad_offer" {
		t.Fatalf("bob's offer after alice's flood: %+v, want bad_offer", e)
	}
}

// A WHEP player on an allowed origin gets its preflight answered and may
// read the session's Location and the ICE servers; another origin may not.
func TestMediaEndpointsAnswerCORSForAllowedOrigins(t *testing.T) {
	const player = "https://player.example.org"
	a := serveWithin(t, openFilestore(t), server.DefaultHTTPLimits, slog.New(slog.DiscardHandler), nil,
		func(c *live.Config) { c.AllowedOrigins = []string{player} })
	a.createRoom(t, a.token(t, "*", "admin", "root", nil), `{"id":"plenary","title":"Plenary"}`)
	for _, c := range []struct {
		origin string
		status int
		allow  string
	}{
		{player, http.StatusNoContent, player},
		{"https://elsewhere.example.org", http.StatusForbidden, ""},
	} {
		for _, path := range []string{"/api/v1/rooms/plenary/whep", "/api/v1/rooms/plenary/whip/some-session"} {
			resp := a.do(t, http.MethodOptions, path, "", "", map[string]string{
				"Origin": c.origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type",
			})
			resp.Body.Close()
			h := resp.Header
			if resp.StatusCode != c.status || h.Get("Access-Control-Allow-Origin") != c.allow {
				t.Fatalf("preflight of %s from %s: %d, allow-origin %q", path, c.origin, resp.StatusCode, h.Get("Access-Control-Allow-Origin"))
			}
			if c.allow != "" && (!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "DELETE")) {
				t.Fatalf("preflight headers: %v", h)
			}
		}
	}
	resp := a.do(t, http.MethodPost, "/api/v1/rooms/plenary/whep", a.token(t, "plenary", "participant", "alice", nil), readOffer(t, "offer-recv.sdp"),
		map[string]string{"Content-Type": "application/sdp", "Origin": player})
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != http.StatusCreated || h.Get("Access-Control-Allow-Origin") != player || h.Get("Access-Control-Expose-Headers") != "Location, Link" {
		t.Fatalf("an offer from the player: %d %v", resp.StatusCode, h)
	}
	resp = a.do(t, http.MethodDelete, h.Get("Location"), a.token(t, "plenary", "participant", "alice", nil), "", map[string]string{"Origin": "https://elsewhere.example.org"})
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("another origin was allowed to read the answer")
	}
}
