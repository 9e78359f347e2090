package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

// plenary opens a fifo room and returns the chair's token.
func plenary(t *testing.T, a *api) string {
	t.Helper()
	chair := a.token(t, "plenary", rooms.RoleChair, "chair", nil)
	a.createRoom(t, chair, `{"id":"plenary","policy":{"kind":"fifo"}}`)
	return chair
}

func TestLiveWelcomeSnapshotAckAndEvent(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", func(c *auth.Claims) { c.Group = "civil-society" })
	c := a.dial(t, "plenary", amina, "")

	w := c.next()
	if w.Type != "welcome" || w.You["sub"] != "amina" || w.You["role"] != "participant" || w.You["group"] != "civil-society" {
		t.Fatalf("welcome = %+v", w)
	}
	s := c.next()
	if s.Type != "snapshot" || s.Snapshot == nil || s.Snapshot.Seq != 1 || s.Snapshot.Room != "plenary" {
		t.Fatalf("snapshot = %+v", s)
	}

	c.command("c1", map[string]any{"type": "raise_hand", "note": "on access"})
	got := []msg{c.next(), c.next()}
	// The event is broadcast while the ack is the client's own; either may
	// come first, but each must come once.
	var ack, ev msg
	for _, m := range got {
		switch m.Type {
		case "ack":
			ack = m
		case "event":
			ev = m
		}
	}
	if ack.ID != "c1" || ack.Seq != 2 {
		t.Errorf("ack = %+v", ack)
	}
	if ev.Seq != 2 || ev.Event.Type != rooms.EvHandRaised || ev.Event.Actor.Sub != "amina" {
		t.Fatalf("event = %+v", ev)
	}
	q, ok := ev.Changes["queue"].([]any)
	if !ok || len(q) != 1 || q[0].(map[string]any)["reason"] == "" {
		t.Errorf("changes.queue = %v", ev.Changes["queue"])
	}
	if _, ok := ev.Changes["balance"]; !ok {
		t.Errorf("changes lack the balance: %v", ev.Changes)
	}
}

func TestLiveEventsArriveInOrderOnEveryClient(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	var clients []*liveClient
	for _, sub := range []string{"amina", "carlos", "mei"} {
		c := a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleParticipant, sub, nil), "")
		c.welcome()
		c.nextOf("snapshot")
		clients = append(clients, c)
	}
	for _, sub := range []string{"amina", "carlos", "mei"} {
		a.command(t, a.token(t, "plenary", rooms.RoleParticipant, sub, nil), "plenary", `{"type":"raise_hand"}`, http.StatusOK)
	}
	a.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
	a.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK) // release + grant
	for i, c := range clients {
		for want := uint64(2); want <= 7; want++ {
			if m := c.nextOf("event"); m.Seq != want {
				t.Fatalf("client %d: event seq %d, want %d", i, m.Seq, want)
			}
		}
	}
}

func TestLiveResumeHasNoGapsOrDuplicates(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	tok := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	c := a.dial(t, "plenary", tok, "")
	c.welcome()
	c.nextOf("snapshot")
	a.command(t, chair, "plenary", `{"type":"set_agenda_item","title":"Item 1"}`, http.StatusOK)
	last := c.nextOf("event").Seq
	c.conn.Close() // the connection drops

	for i := range 5 {
		a.command(t, chair, "plenary", `{"type":"set_agenda_item","title":"Item `+string(rune('2'+i))+`"}`, http.StatusOK)
	}
	r := a.dial(t, "plenary", tok, "after="+itoa(last))
	r.welcome()
	for want := last + 1; want <= last+5; want++ {
		m := r.next()
		if m.Type != "event" || m.Seq != want {
			t.Fatalf("after resume got %s seq %d, want event %d", m.Type, m.Seq, want)
		}
	}
	a.command(t, chair, "plenary", `{"type":"close_list"}`, http.StatusOK)
	if m := r.next(); m.Type != "event" || m.Seq != last+6 {
		t.Fatalf("live after resume: %s seq %d, want event %d", m.Type, m.Seq, last+6)
	}

	for _, q := range []string{"after=0", "after=999"} {
		s := a.dial(t, "plenary", tok, q)
		s.welcome()
		if m := s.next(); m.Type != "snapshot" || m.Snapshot.Seq != last+6 {
			t.Errorf("%s: got %s, want a fresh snapshot at %d", q, m.Type, last+6)
		}
	}
}

func TestLiveBadFramesGetErrorsAndTheRoomStaysUp(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	tok := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	c := a.dial(t, "plenary", tok, "")
	c.welcome()
	c.nextOf("snapshot")

	frames := []struct{ frame, code, mentions string }{
		{`{"type":`, "bad_frame", "malformed JSON"},
		{`{"type":"subscribe"}`, "bad_frame", "unknown message type"},
		{`[1,2,3]`, "bad_frame", "malformed JSON"},
		{`{"type":"command","id":"x1","command":{"type":"call_next"}}`, "forbidden", "only the chair"},
		{`{"type":"command","id":"x2","command":{"type":"fly"}}`, "invalid", "unknown command type"},
		{`{"type":"command","id":"x3","command":{"type":"release"}}`, "not_now", "nobody holds the floor"},
	}
	for _, f := range frames {
		if err := c.conn.WriteMessage(websocket.TextMessage, []byte(f.frame)); err != nil {
			t.Fatal(err)
		}
		m := c.next()
		if m.Type != "error" || m.Code != f.code || !strings.Contains(m.Message, f.mentions) {
			t.Errorf("%s: got %+v, want %s mentioning %q", f.frame, m, f.code, f.mentions)
		}
	}
	c.send(map[string]any{"type": "ping", "id": "p1"})
	if m := c.next(); m.Type != "pong" || m.ID != "p1" {
		t.Errorf("ping answered %+v", m)
	}

	big := `{"type":"ping","id":"` + strings.Repeat("x", 20<<10) + `"}`
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(big)); err != nil {
		t.Fatal(err)
	}
	if code := c.closeCode(); code != websocket.CloseMessageTooBig {
		t.Errorf("oversized frame: close code %d, want %d", code, websocket.CloseMessageTooBig)
	}

	other := a.dial(t, "plenary", tok, "")
	other.welcome()
	if m := other.next(); m.Type != "snapshot" {
		t.Errorf("after a bad client, a new one got %+v", m)
	}
}

func TestLiveRefusesBadTokensOriginsAndRooms(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	good := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	tests := []struct {
		name, room, token string
		header            http.Header
		status            int
	}{
		{"no token", "plenary", "", nil, http.StatusUnauthorized},
		{"bad token", "plenary", "x.y.z", nil, http.StatusUnauthorized},
		{"other room's token", "plenary", a.token(t, "ws-1", rooms.RoleParticipant, "amina", nil), nil, http.StatusForbidden},
		{"unknown room", "nowhere", a.token(t, "*", rooms.RoleAdmin, "admin", nil), nil, http.StatusNotFound},
		{"foreign origin", "plenary", good, http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
	}
	for _, tc := range tests {
		_, resp, err := a.tryDial(tc.room, tc.token, "", tc.header)
		if err == nil || resp == nil || resp.StatusCode != tc.status {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.Errorf("%s: status %d (%v), want %d", tc.name, status, err, tc.status)
		}
	}
}

func TestLiveClosesWhenTheTokenExpires(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	short, err := auth.Issue(a.secret, auth.Claims{Room: "plenary", Role: rooms.RoleParticipant, RegisteredClaims: subject("amina")}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := a.dial(t, "plenary", short, "")
	if code := c.closeCode(); code != 4001 {
		t.Errorf("close code %d, want 4001 (token expired)", code)
	}
}

func TestLiveSlowClientIsDroppedWithoutSlowingOthers(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	// Fill the queue so every event carries a large queue and the slow
	// client's socket buffers fill quickly.
	for i := range 60 {
		a.command(t, a.token(t, "plenary", rooms.RoleParticipant, "p"+itoa(uint64(i)), func(c *auth.Claims) {
			c.Name = strings.Repeat("Participant with a long name ", 4)
		}), "plenary", `{"type":"raise_hand","note":"`+strings.Repeat("n", 200)+`"}`, http.StatusOK)
	}
	slow := a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleObserver, "slow", nil), "")
	// The slow client stalls while the room speaks, as one on a link that
	// drops out would, and reads again afterwards: it must find that it
	// was let go, and why.
	brisk := a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleObserver, "brisk", nil), "")
	brisk.welcome()
	start := brisk.nextOf("snapshot").Snapshot.Seq

	const n = 400
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			brisk.t.Helper()
			if m := brisk.nextOf("event"); m.Seq != start+uint64(i)+1 {
				t.Errorf("brisk client: seq %d, want %d", m.Seq, start+uint64(i)+1)
				return
			}
		}
	}()
	for i := range n {
		// Moving the same request around changes the whole queue each time.
		a.command(t, chair, "plenary", `{"type":"move","request":"r2","position":`+itoa(uint64(i%50+1))+`,"reason":"test"}`, http.StatusOK)
	}
	<-done
	if code := slow.closeCode(); code != 4008 {
		t.Errorf("slow client: close code %d, want 4008", code)
	}
}

// A client that missed more events than a live client may fall behind by
// still resumes: what it missed is a backlog, not a sign of slowness.
func TestLiveResumeAfterALongGap(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	tok := a.token(t, "plenary", rooms.RoleObserver, "screen", nil)
	// The node keeps recent events for rooms it serves live.
	a.dial(t, "plenary", tok, "").welcome()
	const missed = 300
	for i := range missed {
		a.command(t, chair, "plenary", `{"type":"set_agenda_item","title":"Item `+itoa(uint64(i))+`"}`, http.StatusOK)
	}
	c := a.dial(t, "plenary", tok, "after=1")
	c.welcome()
	for want := uint64(2); want <= missed+1; want++ {
		if m := c.next(); m.Type != "event" || m.Seq != want {
			t.Fatalf("got %s %d, want event %d", m.Type, m.Seq, want)
		}
	}
}

// Presence is counted per role, mode and group and sent as one message,
// not one per join.
func TestLivePresenceCounts(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	first := a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleParticipant, "amina", func(c *auth.Claims) { c.Group = "civil-society" }), "")
	a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleObserver, "screen", func(c *auth.Claims) { c.Mode = "in-room" }), "")
	a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleHub, "dhaka", nil), "")
	for {
		var p struct {
			Total   int            `json:"total"`
			ByRole  map[string]int `json:"by_role"`
			ByMode  map[string]int `json:"by_mode"`
			ByGroup map[string]int `json:"by_group"`
		}
		if err := json.Unmarshal(first.nextOf("presence").Presence, &p); err != nil {
			t.Fatal(err)
		}
		if p.Total < 3 {
			continue // counted before the others joined
		}
		if p.Total != 3 || p.ByRole["observer"] != 1 || p.ByMode["hub"] != 1 || p.ByMode["in-room"] != 1 || p.ByGroup["civil-society"] != 1 {
			t.Errorf("presence = %+v", p)
		}
		return
	}
}

// Shutting down says so to every live client, which can then reconnect
// elsewhere, and refuses new ones.
func TestLiveShutdownClosesConnectionsWithGoingAway(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	tok := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	clients := []*liveClient{a.dial(t, "plenary", tok, ""), a.dial(t, "plenary", tok, "")}
	for _, c := range clients {
		c.welcome()
	}
	a.server.Close(context.Background())
	for i, c := range clients {
		if code := c.closeCode(); code != websocket.CloseGoingAway {
			t.Errorf("client %d: close code %d, want %d (going away)", i, code, websocket.CloseGoingAway)
		}
	}
	if _, resp, err := a.tryDial("plenary", tok, "", nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after shutdown: %v", err)
	}
}
