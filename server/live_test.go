package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
)

// plenary opens a fifo room and returns the chair's token.
func plenary(t *testing.T, a *api) string {
	t.Helper()
	chair := a.token(t, "plenary", rooms.RoleChair, "chair", nil)
	a.createRoom(t, chair, `{"id":"plenary","policy":{"kind":"fifo"}}`)
	return chair
}

func TestLiveBadFramesGetErrorsAndTheRoomStaysUp(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	tok := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	c := a.dial(t, "plenary", tok, "")
	c.Welcome()
	c.NextOf("snapshot")

	frames := []struct{ frame, code, mentions string }{
		{`{"type":`, "bad_frame", "malformed JSON"},
		{`{"type":"subscribe"}`, "bad_frame", "unknown message type"},
		{`[1,2,3]`, "bad_frame", "malformed JSON"},
		{`{"type":"command","id":"x1","command":{"type":"call_next"}}`, "forbidden", "only the chair"},
		{`{"type":"command","id":"x2","command":{"type":"fly"}}`, "invalid", "unknown command type"},
		{`{"type":"command","id":"x3","command":{"type":"release"}}`, "not_now", "nobody holds the floor"},
	}
	for _, f := range frames {
		if err := c.WS.WriteMessage(websocket.TextMessage, []byte(f.frame)); err != nil {
			t.Fatal(err)
		}
		m := c.Next()
		if m.Type != "error" || m.Code != f.code || !strings.Contains(m.Message, f.mentions) {
			t.Errorf("%s: got %+v, want %s mentioning %q", f.frame, m, f.code, f.mentions)
		}
		// A plain message, not the wrap chain that goes to the logs.
		for _, chain := range []string{`room "plenary"`, "not possible now:", "invalid:", "forbidden:"} {
			if strings.Contains(m.Message, chain) {
				t.Errorf("%s: message %q carries the wrap chain (%q)", f.frame, m.Message, chain)
			}
		}
	}
	c.Send(map[string]any{"type": "ping", "id": "p1"})
	if m := c.Next(); m.Type != "pong" || m.ID != "p1" {
		t.Errorf("ping answered %+v", m)
	}

	big := `{"type":"ping","id":"` + strings.Repeat("x", 20<<10) + `"}`
	if err := c.WS.WriteMessage(websocket.TextMessage, []byte(big)); err != nil {
		t.Fatal(err)
	}
	if code := c.CloseCode(); code != websocket.CloseMessageTooBig {
		t.Errorf("oversized frame: close code %d, want %d", code, websocket.CloseMessageTooBig)
	}

	other := a.dial(t, "plenary", tok, "")
	other.Welcome()
	if m := other.Next(); m.Type != "snapshot" {
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
