package server_test

import (
	"context"
	"maps"
	"net/http"
	"sync"
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

// Every path that serves a room to a token's holder refuses a revoked one
// with 401 token_revoked: each holder here is revoked by person and asks
// for what their role may have.
func TestARevokedTokenIsRefusedOnEveryPath(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	admin := a.token(t, auth.AnyRoom, rooms.RoleAdmin, "secretariat", nil)
	withID := func(id string) func(*auth.Claims) { return func(c *auth.Claims) { c.RegisteredClaims.ID = id } }
	tokens := map[string]string{}
	for _, role := range []string{rooms.RoleParticipant, rooms.RoleChair, rooms.RoleAdmin, rooms.RoleCaptioner} {
		tokens[role] = a.token(t, "plenary", role, "revoked-"+role, withID("jti-"+role))
		a.command(t, admin, "plenary", `{"type":"revoke","sub":"revoked-`+role+`"}`, http.StatusOK)
	}
	// A private record, read once the room has closed.
	a.createRoom(t, admin, `{"id":"archive","record":{"public":false}}`)
	archived := a.token(t, "archive", rooms.RoleParticipant, "revoked-reader", withID("jti-reader"))
	a.command(t, admin, "archive", `{"type":"revoke","token":"jti-reader"}`, http.StatusOK)
	a.command(t, admin, "archive", `{"type":"close_room"}`, http.StatusOK)

	participant := tokens[rooms.RoleParticipant]
	cases := []struct{ method, path, token, body string }{
		{http.MethodGet, "/api/v1/rooms/plenary", participant, ""},
		{http.MethodPost, "/api/v1/rooms/plenary/commands", participant, `{"type":"raise_hand"}`},
		{http.MethodPost, "/api/v1/rooms/plenary/commands", tokens[rooms.RoleChair], `{"type":"close_list"}`},
		{http.MethodPost, "/api/v1/rooms/plenary/queue/preview", tokens[rooms.RoleChair], `{"policy":{"kind":"fifo"}}`},
		{http.MethodGet, "/api/v1/rooms/plenary/me", participant, ""},
		{http.MethodGet, "/api/v1/rooms/plenary/events", participant, ""},
		{http.MethodGet, "/api/v1/rooms/plenary/interventions", participant, ""},
		{http.MethodGet, "/api/v1/rooms/plenary/interventions.csv", participant, ""},
		{http.MethodGet, "/api/v1/rooms/plenary/balance", participant, ""},
		{http.MethodGet, "/api/v1/rooms/plenary/balance/trend", participant, ""},
		{http.MethodGet, "/api/v1/rooms/plenary/revocations", tokens[rooms.RoleChair], ""},
		{http.MethodPost, "/api/v1/rooms/plenary/tokens", tokens[rooms.RoleAdmin], "name,sub\nMei,mei\n"},
		{http.MethodPost, "/api/v1/rooms/plenary/captions?lang=floor", tokens[rooms.RoleCaptioner], "hello\n"},
		{http.MethodGet, "/api/v1/rooms/plenary/captions/seq", tokens[rooms.RoleCaptioner], ""},
		{http.MethodGet, "/api/v1/rooms/plenary/transcript", participant, ""},
		{http.MethodGet, "/api/v1/rooms/plenary/transcript/search?q=hello", participant, ""},
		{http.MethodGet, "/api/v1/rooms/plenary/transcript.vtt", participant, ""},
		{http.MethodGet, "/api/v1/rooms/plenary/media/publishers", tokens[rooms.RoleChair], ""},
		{http.MethodPost, "/api/v1/rooms/plenary/whip", tokens[rooms.RoleChair], "v=0\r\n"},
		{http.MethodPost, "/api/v1/rooms/plenary/whep", participant, "v=0\r\n"},
		{http.MethodPatch, "/api/v1/rooms/plenary/whep/some-session", participant, "a=end-of-candidates\r\n"},
		{http.MethodDelete, "/api/v1/rooms/plenary/whep/some-session", participant, ""},
		{http.MethodGet, "/api/v1/rooms/archive/record", archived, ""},
	}
	for _, c := range cases {
		resp := a.do(t, c.method, c.path, c.token, c.body, nil)
		if e := decodeError(t, resp); resp.StatusCode != http.StatusUnauthorized || e.Code != "token_revoked" {
			t.Errorf("%s %s: %d %+v, want 401 token_revoked", c.method, c.path, resp.StatusCode, e)
		}
	}
	for _, query := range []string{"", "after=1"} { // joining, and resuming
		if _, resp, err := a.tryDial("plenary", participant, query, nil); err == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("live, %q: %v %v, want 401", query, resp, err)
		}
	}
	// None of it went through.
	var snap rooms.Snapshot
	a.getJSON(t, chair, "/api/v1/rooms/plenary", &snap)
	if len(snap.Queue) != 0 || !snap.ListOpen {
		t.Errorf("the revoked tokens' commands acted: %+v", snap)
	}
}

// countingStore counts a store's round trips, by method.
type countingStore struct {
	rooms.Store
	mu     sync.Mutex
	counts map[string]int
}

func (s *countingStore) count(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[op]++
}

// taken returns the counts since the last call, and starts again.
func (s *countingStore) taken() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.counts
	s.counts = map[string]int{}
	return out
}

func (s *countingStore) Read(ctx context.Context, id rooms.LogID, after uint64, limit int) ([]rooms.Event, error) {
	s.count("read")
	return s.Store.Read(ctx, id, after, limit)
}

func (s *countingStore) LastSeq(ctx context.Context, id rooms.LogID) (uint64, error) {
	s.count("last_seq")
	return s.Store.LastSeq(ctx, id)
}

func (s *countingStore) Append(ctx context.Context, id rooms.LogID, expected uint64, evs []rooms.Event) ([]rooms.Event, error) {
	s.count("append")
	return s.Store.Append(ctx, id, expected, evs)
}

// The revocation list is checked on the read of the room that serves the
// request, which costs no read of its own: a snapshot is one read, a
// command one read and its append, a refusal one read.
func TestARequestReadsTheRoomOnceToCheckItsToken(t *testing.T) {
	store := &countingStore{Store: openFilestore(t), counts: map[string]int{}}
	a := serveStore(t, store)
	plenary(t, a)
	admin := a.token(t, auth.AnyRoom, rooms.RoleAdmin, "secretariat", nil)
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	carlos := a.token(t, "plenary", rooms.RoleParticipant, "carlos", nil)
	a.command(t, admin, "plenary", `{"type":"revoke","sub":"carlos"}`, http.StatusOK)
	store.taken()

	var snap rooms.Snapshot
	a.getJSON(t, amina, "/api/v1/rooms/plenary", &snap)
	if got := store.taken(); !maps.Equal(got, map[string]int{"read": 1}) {
		t.Errorf("a snapshot: %v, want one read", got)
	}
	a.command(t, amina, "plenary", `{"type":"raise_hand"}`, http.StatusOK)
	if got := store.taken(); !maps.Equal(got, map[string]int{"read": 1, "append": 1}) {
		t.Errorf("a command: %v, want one read and one append", got)
	}
	a.command(t, carlos, "plenary", `{"type":"raise_hand"}`, http.StatusUnauthorized)
	if got := store.taken(); !maps.Equal(got, map[string]int{"read": 1}) {
		t.Errorf("a revoked token's command: %v, want one read", got)
	}
}
