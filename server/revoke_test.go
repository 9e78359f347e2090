package server_test

import (
	"net/http"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/protocol"
)

func TestRevokedTokensAreRefusedAndTheirConnectionsClosed(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	admin := a.token(t, auth.AnyRoom, rooms.RoleAdmin, "secretariat", nil)
	withID := func(id string) func(*auth.Claims) { return func(c *auth.Claims) { c.RegisteredClaims.ID = id } }
	leaked := a.token(t, "plenary", rooms.RoleParticipant, "amina", withID("link-1"))
	reissued := a.token(t, "plenary", rooms.RoleParticipant, "amina", withID("link-2"))
	carlos := a.token(t, "plenary", rooms.RoleParticipant, "carlos", withID("link-3"))

	live := a.dial(t, "plenary", leaked, "")
	live.Welcome()
	live.NextOf("snapshot")
	watcher := a.dial(t, "plenary", carlos, "")
	watcher.Welcome()
	watcher.NextOf("snapshot")

	a.command(t, admin, "plenary", `{"type":"revoke","token":"link-1","reason":"posted on a public list"}`, http.StatusOK)
	if code := live.CloseCode(); code != protocol.CloseTokenRevoked {
		t.Errorf("the revoked token's connection closed with %d, want %d", code, protocol.CloseTokenRevoked)
	}
	// Others stay, and read that something was revoked but not whose.
	if m := watcher.NextOf("event"); m.Event.Type != rooms.EvTokenRevoked || m.Event.Data != nil {
		t.Errorf("a participant reads %+v", m.Event)
	}

	resp := a.do(t, http.MethodGet, "/api/v1/rooms/plenary", leaked, "", nil)
	if e := decodeError(t, resp); resp.StatusCode != http.StatusUnauthorized || e.Code != "token_revoked" {
		t.Errorf("the revoked token: %d %+v, want 401 token_revoked", resp.StatusCode, e)
	}
	if _, resp, err := a.tryDial("plenary", leaked, "", nil); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a live connection with the revoked token: %v %v", resp, err)
	}
	var snap rooms.Snapshot
	a.getJSON(t, reissued, "/api/v1/rooms/plenary", &snap) // a new link for the same person works

	// Revoking the person revokes all their links.
	a.command(t, admin, "plenary", `{"type":"revoke","sub":"amina"}`, http.StatusOK)
	resp = a.do(t, http.MethodGet, "/api/v1/rooms/plenary", reissued, "", nil)
	if e := decodeError(t, resp); resp.StatusCode != http.StatusUnauthorized || e.Code != "token_revoked" {
		t.Errorf("amina's other link: %d %+v", resp.StatusCode, e)
	}

	var list []rooms.Revocation
	a.getJSON(t, admin, "/api/v1/rooms/plenary/revocations", &list)
	if len(list) != 2 || list[0].Token != "link-1" || list[0].Reason != "posted on a public list" || list[1].Sub != "amina" {
		t.Errorf("revocation list %+v", list)
	}
	resp = a.do(t, http.MethodGet, "/api/v1/rooms/plenary/revocations", carlos, "", nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a participant reads the list: %d", resp.StatusCode)
	}
	resp.Body.Close()
	a.command(t, carlos, "plenary", `{"type":"revoke","sub":"mei"}`, http.StatusForbidden)
}
