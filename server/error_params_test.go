package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
)

// paramsBody is an error answer with its params, as pages read it.
type paramsBody struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Params  map[string]any `json:"params"`
	} `json:"error"`
}

func TestErrorsCarryACodeAndParamsBesideTheMessage(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	other := a.token(t, "elsewhere", rooms.RoleParticipant, "amina", nil)
	a.command(t, amina, "plenary", `{"type":"raise_hand"}`, http.StatusOK)

	for _, tc := range []struct {
		name, token, method, path, body string
		status                          int
		code, message                   string
		params                          map[string]any
	}{
		{"empty queue", chair, "POST", "/api/v1/rooms/plenary/commands", `{"type":"release"}`,
			409, "not_now", "nobody holds the floor", map[string]any{"reason": "floor_free"}},
		{"chair only", amina, "POST", "/api/v1/rooms/plenary/commands", `{"type":"call_next"}`,
			403, "forbidden", "only the chair may call the next speaker", map[string]any{"reason": "chair_only", "command": "call_next"}},
		{"twice", amina, "POST", "/api/v1/rooms/plenary/commands", `{"type":"raise_hand"}`,
			409, "not_now", "you already have a speaking request in the queue (r2)", map[string]any{"reason": "already_queued", "kind": "speak", "request": "r2"}},
		{"moved too far", chair, "POST", "/api/v1/rooms/plenary/commands", `{"type":"move","request":"r2","position":5,"reason":"x"}`,
			400, "invalid", "position 5 is beyond the end of the queue (1 waiting)", map[string]any{"reason": "position_beyond_queue", "position": 5.0, "waiting": 1.0}},
		{"no such request", chair, "POST", "/api/v1/rooms/plenary/commands", `{"type":"skip","request":"r9","reason":"x"}`,
			404, "not_found", `request "r9" is not in the queue`, map[string]any{"reason": "request_not_queued", "request": "r9"}},
		{"wrong room", other, "GET", "/api/v1/rooms/plenary", "",
			403, "wrong_room", `it admits to room "elsewhere", not "plenary"`, map[string]any{"reason": "wrong_room", "token_room": "elsewhere", "room": "plenary"}},
		{"too large", chair, "POST", "/api/v1/rooms/plenary/commands", strings.Repeat(" ", 65<<10),
			413, "body_too_large", "request body too large", map[string]any{"limit_bytes": float64(64 << 10)}},
		{"no token", "", "GET", "/api/v1/rooms/plenary", "",
			401, "invalid_token", "", map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := a.do(t, tc.method, tc.path, tc.token, tc.body, nil)
			defer resp.Body.Close()
			var b paramsBody
			if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
				t.Fatal(err)
			}
			e := b.Error
			if resp.StatusCode != tc.status || e.Code != tc.code || (tc.message != "" && e.Message != tc.message) {
				t.Errorf("got %d %s %q, want %d %s %q", resp.StatusCode, e.Code, e.Message, tc.status, tc.code, tc.message)
			}
			if e.Params == nil {
				t.Fatalf("no params object in %+v", e)
			}
			for k, want := range tc.params {
				if e.Params[k] != want {
					t.Errorf("params[%s] = %v, want %v (all: %v)", k, e.Params[k], want, e.Params)
				}
			}
		})
	}
}

func TestLiveErrorsCarryParams(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	tok := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	c := a.dial(t, "plenary", tok, "")
	c.Welcome()
	c.NextOf("snapshot")
	if err := c.WS.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","id":"w1","command":{"type":"withdraw"}}`)); err != nil {
		t.Fatal(err)
	}
	m := c.Next()
	if m.Type != "error" || m.ID != "w1" || m.Code != "not_now" || m.Params["reason"] != "no_request" {
		t.Errorf("got %+v, want not_now with reason no_request", m)
	}
}
