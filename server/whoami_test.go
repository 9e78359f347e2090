package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
)

// GET .../me says who a token's holder is in the room, categories in the
// room's spelling, and until when the token holds: what a relay needs of
// a member's token it cannot check itself. Only a valid token for the room
// is answered.
func TestWhoAmIAnswersTheTokensHolderAsTheRoomSeesThem(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	_, member := hubTokens(t, a)
	var me server.WhoAmI
	a.getJSON(t, member, "/api/v1/rooms/plenary/me", &me)
	want := rooms.Speaker{Sub: "amina", Name: "Amina Diallo", Group: "civil-society", Region: "africa", Gender: "woman", Mode: rooms.ModeInRoom, Hub: "nbo"}
	if me.You.Speaker != want || me.You.Role != rooms.RoleParticipant {
		t.Errorf("me = %+v, want %+v as a participant", me.You, want)
	}
	if me.Expires == nil || time.Until(*me.Expires) < 50*time.Minute || time.Until(*me.Expires) > time.Hour {
		t.Errorf("expires = %v, want in about an hour (the token's exp)", me.Expires)
	}

	spelled := a.token(t, "plenary", rooms.RoleParticipant, "leo", func(c *auth.Claims) { c.Group = "Civil Society" })
	a.getJSON(t, spelled, "/api/v1/rooms/plenary/me", &me)
	if me.You.Group != "civil-society" {
		t.Errorf("group = %q, want the room's spelling civil-society", me.You.Group)
	}

	for _, tc := range []struct {
		name, token, room string
		status            int
		code              string
	}{
		{"no token", "", "plenary", http.StatusUnauthorized, "invalid_token"},
		{"another room's token", a.token(t, "other", rooms.RoleParticipant, "x", nil), "plenary", http.StatusForbidden, "wrong_room"},
		{"a category the room has not", a.token(t, "plenary", rooms.RoleParticipant, "y", func(c *auth.Claims) { c.Group = "lobbyists" }), "plenary", http.StatusBadRequest, "invalid"},
		{"no such room", a.token(t, "ghost", rooms.RoleParticipant, "z", nil), "ghost", http.StatusNotFound, "not_found"},
	} {
		resp := a.do(t, http.MethodGet, "/api/v1/rooms/"+tc.room+"/me", tc.token, "", nil)
		if e := decodeError(t, resp); resp.StatusCode != tc.status || e.Code != tc.code {
			t.Errorf("%s: %d %+v, want %d %s", tc.name, resp.StatusCode, e, tc.status, tc.code)
		}
	}
}
