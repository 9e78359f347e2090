package server_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

// A second "call next" sent against the state the first one changed is
// refused with 409 stale and the room as it is now.
func TestDoubleCallNextIsRefusedAsStale(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	for _, sub := range []string{"amina", "carlos"} {
		a.command(t, a.token(t, "plenary", rooms.RoleParticipant, sub, nil), "plenary", `{"type":"raise_hand"}`, http.StatusOK)
	}
	var snap rooms.Snapshot
	a.getJSON(t, chair, "/api/v1/rooms/plenary", &snap)
	click := `{"type":"call_next","if_seq":` + strconv.FormatUint(snap.Seq, 10) + `}`
	a.command(t, chair, "plenary", click, http.StatusOK)

	resp := a.do(t, http.MethodPost, "/api/v1/rooms/plenary/commands", chair, click, nil)
	defer resp.Body.Close()
	var answer struct {
		Error    errBody        `json:"error"`
		Snapshot rooms.Snapshot `json:"snapshot"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusConflict || answer.Error.Code != "stale" {
		t.Fatalf("second click: %d %+v, want 409 stale", resp.StatusCode, answer.Error)
	}
	if f := answer.Snapshot.Floor; f == nil || f.Sub != "amina" || answer.Snapshot.Seq != snap.Seq+1 || len(answer.Snapshot.Queue) != 1 {
		t.Errorf("stale answer carries %+v, want the room now: amina speaking, carlos waiting", answer.Snapshot)
	}

	// Over the live connection the same refusal comes with the same code.
	c := a.dial(t, "plenary", chair, "")
	c.Welcome()
	c.Send(map[string]any{"type": "command", "id": "c1", "command": map[string]any{"type": "release", "if_seq": snap.Seq}})
	if m := c.NextOf("error"); m.ID != "c1" || m.Code != "stale" {
		t.Errorf("live: %+v, want error stale", m)
	}
}

// B13: bytes that are not UTF-8 in a command are refused, not replaced.
func TestInvalidUTF8InACommandIsRefused(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	out := a.command(t, amina, "plenary", "{\"type\":\"raise_hand\",\"note\":\"caf\xe9\"}", http.StatusBadRequest)
	if e := out["error"].(map[string]any); e["code"] != "invalid" || !strings.Contains(e["message"].(string), "UTF-8") {
		t.Errorf("HTTP: %v, want invalid naming UTF-8", e)
	}

	c := a.dial(t, "plenary", amina, "")
	c.Welcome()
	if err := c.WS.WriteMessage(websocket.TextMessage, []byte("{\"type\":\"command\",\"id\":\"c1\",\"command\":{\"type\":\"raise_hand\",\"note\":\"caf\xe9\"}}")); err != nil {
		t.Fatal(err)
	}
	if m := c.NextOf("error"); m.ID != "c1" || m.Code != "invalid" || !strings.Contains(m.Message, "UTF-8") {
		t.Errorf("live: %+v, want invalid naming UTF-8", m)
	}
	var snap rooms.Snapshot
	a.getJSON(t, amina, "/api/v1/rooms/plenary", &snap)
	if len(snap.Queue) != 0 {
		t.Errorf("queue %+v: a refused command raised a hand", snap.Queue)
	}
}

// C19: the room's categories are configuration; a token's claims are
// normalised, and refused in a room that does not have them.
func TestRoomCategoriesFromTheSpecAndTheToken(t *testing.T) {
	a := newAPI(t)
	admin := a.token(t, "*", rooms.RoleAdmin, "admin", nil)
	a.createRoom(t, admin, `{"id":"youth","categories":{"group":["Youth"]}}`)
	a.createRoom(t, admin, `{"id":"plenary"}`)
	odd := a.token(t, "*", rooms.RoleParticipant, "odd", func(c *auth.Claims) {
		c.Group, c.Gender, c.Region = "Civil Society", "female", "Africa"
	})
	a.command(t, odd, "plenary", `{"type":"raise_hand"}`, http.StatusOK)
	var snap rooms.Snapshot
	a.getJSON(t, admin, "/api/v1/rooms/plenary", &snap)
	if e := snap.Queue[0]; e.Group != "civil-society" || e.Gender != "woman" || e.Region != "africa" {
		t.Errorf("queued as %+v, want civil-society, woman, africa", e.Speaker)
	}

	youth := a.token(t, "*", rooms.RoleParticipant, "y", func(c *auth.Claims) { c.Group = "youth" })
	a.command(t, youth, "youth", `{"type":"raise_hand"}`, http.StatusOK)
	out := a.command(t, youth, "plenary", `{"type":"raise_hand"}`, http.StatusBadRequest)
	if msg := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, `group "youth"`) || !strings.Contains(msg, "civil-society") {
		t.Errorf("refusal %q should name the claim and the allowed values", msg)
	}
	resp := a.do(t, http.MethodPost, "/api/v1/rooms", admin, `{"id":"bad","categories":{"group":[""]}}`, nil)
	if e := decodeError(t, resp); resp.StatusCode != http.StatusBadRequest || e.Code != "invalid" {
		t.Errorf("an empty category in the spec: %d %+v", resp.StatusCode, e)
	}
}
