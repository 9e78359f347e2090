package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/protocol"
	"github.com/parley-hub/parley/server/ratelimit"
)

// A person's budget is one, spent alike by HTTP requests, live connections
// and every kind of live message; another person's is their own. The rate
// is so low that nothing refills during the test.
func TestOnePersonsRateIsSharedByHTTPAndLive(t *testing.T) {
	a := newAPIForPeople(t, ratelimit.Limits{Rate: 0.001, Burst: 5})
	chair := plenary(t, a)
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)

	c := a.dial(t, "plenary", amina, "") // 1
	c.Welcome()
	c.NextOf(protocol.TypeSnapshot)
	a.command(t, amina, "plenary", `{"type":"raise_hand"}`, http.StatusOK) // 2
	a.command(t, amina, "plenary", `{"type":"withdraw"}`, http.StatusOK)   // 3
	c.Send(map[string]any{"type": "ping", "id": "p1"})                     // 4
	if m := c.NextOf(protocol.TypePong); m.ID != "p1" {
		t.Fatalf("pong = %+v", m)
	}
	c.Send(map[string]any{"type": "transcript", "id": "t1", "langs": []string{rooms.FloorLanguage}}) // 5
	if m := c.Next(); m.Type != protocol.TypeAck && m.Type != protocol.TypeSegments {
		t.Fatalf("transcript answered %+v", m)
	}

	// Spent: each kind of message is refused now, a bad frame too.
	for _, frame := range []string{
		`{"type":"ping","id":"p2"}`,
		`{"type":"transcript","id":"t2","langs":["floor"]}`,
		`{"type":"command","id":"c1","command":{"type":"raise_hand"}}`,
		`not json`,
	} {
		if err := c.WS.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
			t.Fatal(err)
		}
		if m := c.NextOf(protocol.TypeError); m.Code != protocol.CodeRateLimited {
			t.Errorf("%s: %+v, want rate_limited", frame, m)
		}
	}
	resp := a.do(t, http.MethodPost, "/api/v1/rooms/plenary/commands", amina, `{"type":"raise_hand"}`, nil)
	if e := decodeError(t, resp); resp.StatusCode != http.StatusTooManyRequests || e.Code != "rate_limited" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("HTTP command after the budget: %d %+v, Retry-After %q", resp.StatusCode, e, resp.Header.Get("Retry-After"))
	}
	resp = a.do(t, http.MethodGet, "/api/v1/rooms/plenary", amina, "", nil)
	if resp.Body.Close(); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("HTTP snapshot after the budget: %d", resp.StatusCode)
	}
	if _, resp, err := a.tryDial("plenary", amina, "", nil); err == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("live connection after the budget: %v", err)
	}

	carlos := a.token(t, "plenary", rooms.RoleParticipant, "carlos", nil)
	a.command(t, carlos, "plenary", `{"type":"raise_hand"}`, http.StatusOK)
	a.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
}

// The flood: alternating raise and withdraw as fast as one
// participant can post. Far fewer than the 2,000 get past the limit, and no
// more than the default rate allows over the time it took.
func TestAFloodOfCommandsIsRefusedAtTheDefaultRate(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	start := time.Now()
	accepted, refused := 0, 0
	for i := 0; i < 2000 && refused < 50; i++ {
		resp := a.do(t, http.MethodPost, "/api/v1/rooms/plenary/commands", amina, []string{`{"type":"raise_hand"}`, `{"type":"withdraw"}`}[i%2], nil)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK, http.StatusConflict: // a withdraw whose raise was refused
			accepted++
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("post %d: status %d", i, resp.StatusCode)
		}
	}
	allowed := 2*ratelimit.DefaultRate + ratelimit.DefaultRate*time.Since(start).Seconds() + 1
	if refused == 0 || float64(accepted) > allowed {
		t.Errorf("%d accepted, %d refused; at most %.0f may be", accepted, refused, allowed)
	}
}

// The cap on one token's live connections is refused before the upgrade,
// with a code, and a closed connection frees its place.
func TestLiveConnectionsPerPersonAreCapped(t *testing.T) {
	for _, c := range []struct {
		name   string
		limits ratelimit.Limits
		max    int
	}{
		{"default", ratelimit.Limits{}, ratelimit.DefaultMaxConns},
		{"configured", ratelimit.Limits{MaxConns: 3}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newAPIForPeople(t, c.limits)
			plenary(t, a)
			amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
			var open []*livetest.Conn
			for range c.max {
				lc := a.dial(t, "plenary", amina, "")
				lc.Welcome()
				open = append(open, lc)
			}
			conn, resp, err := a.tryDial("plenary", amina, "", nil)
			if err == nil {
				conn.Close()
				t.Fatalf("connection %d on one token was accepted", c.max+1)
			}
			if e := decodeError(t, resp); resp.StatusCode != http.StatusTooManyRequests || e.Code != "too_many_connections" {
				t.Fatalf("connection %d: %d %+v, want 429 too_many_connections", c.max+1, resp.StatusCode, e)
			}
			carlos := a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleParticipant, "carlos", nil), "")
			carlos.Welcome()

			open[0].WS.Close()
			deadline := time.Now().Add(10 * time.Second)
			for {
				conn, resp, err := a.tryDial("plenary", amina, "", nil)
				if err == nil {
					conn.Close()
					break
				}
				if resp == nil || resp.StatusCode != http.StatusTooManyRequests || time.Now().After(deadline) {
					t.Fatalf("after closing one connection: %v", err)
				}
				time.Sleep(50 * time.Millisecond) // polling, at about the default rate, for the server to see the close
			}
		})
	}
}

// Presence counts people as well as connections: three tabs of one person
// are three connections and one person.
func TestPresenceCountsPeople(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", func(c *auth.Claims) { c.Group = "civil-society" })
	watcher := a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleObserver, "screen", nil), "")
	for range 3 {
		a.dial(t, "plenary", amina, "").Welcome()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := watcher.NextOf(protocol.TypePresence).Presence
		if p != nil && p.Total == 4 {
			if p.People != 2 || p.ByGroup["civil-society"] != 1 || p.ByRole[rooms.RoleParticipant] != 1 {
				t.Fatalf("presence = %+v, want 2 people, amina once", p)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("presence = %+v, want 4 connections", p)
		}
	}
}
