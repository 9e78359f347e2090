package relay_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/protocol"
)

// command sends a command on a local connection and returns its answer.
func (f *follower) command(id string, cmd map[string]any) protocol.ServerMessage {
	f.T.Helper()
	f.Send(map[string]any{"type": "command", "id": id, "command": cmd})
	return f.until(func(m protocol.ServerMessage) bool { return m.ID == id })
}

func mainSnapshot(t *testing.T, m *mainServer) rooms.Snapshot {
	t.Helper()
	snap, err := m.rooms.Snapshot(context.Background(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// get answers GET path on base with token: the status and error code.
func get(t *testing.T, base, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error struct{ Code string } }
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Error.Code
}

// TestRelayMembersAskTheHubWithTheRelaysTokens: a member holding the
// relay's token asks the hub for the floor on her phone; the hub vouches
// for her upstream, so the plenary lists her under the hub's namespace
// with her own categories; the coordinator forwards her, she sees her
// place in the plenary and withdraws, and nobody withdraws for her.
func TestRelayMembersAskTheHubWithTheRelaysTokens(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	r := startRelay(t, m.url, m.hubToken(t))
	amina := follow(r.dialToken(t, issue(t, localSecret, rooms.RoleParticipant, "amina", func(c *auth.Claims) {
		c.Name, c.Group, c.Region, c.Gender = "Amina Diallo", "civil-society", "africa", "woman"
	}), ""))
	amina.Welcome()
	joseph := follow(r.dial(t, rooms.RoleParticipant, "joseph", ""))
	joseph.Welcome()
	coordinator := follow(r.dial(t, rooms.RoleHub, "coordinator", ""))
	coordinator.Welcome()
	for _, f := range []*follower{amina, joseph, coordinator} {
		f.until(func(m protocol.ServerMessage) bool { return m.Type == protocol.TypeSnapshot })
	}

	if a := amina.command("a1", map[string]any{"type": "hub_raise_hand", "note": "on local content"}); a.Type != protocol.TypeAck {
		t.Fatalf("hub_raise_hand: %+v, want an ack", a)
	}
	sub := rooms.MemberSub("nairobi", "amina")
	hq := mainSnapshot(t, m).HubQueue
	want := rooms.Speaker{Sub: sub, Name: "Amina Diallo", Group: "civil-society", Region: "africa", Gender: "woman", Mode: rooms.ModeHub, Hub: "nairobi", HubName: "Nairobi hub"}
	if len(hq) != 1 || hq[0].Speaker != want || hq[0].Note != "on local content" {
		t.Fatalf("the plenary's hub list = %+v, want %+v", hq, want)
	}
	if a := joseph.command("j1", map[string]any{"type": "hub_withdraw", "request": hq[0].ID}); a.Code != "forbidden" {
		t.Errorf("another member withdraws her: %+v, want forbidden", a)
	}
	if a := joseph.command("j2", map[string]any{"type": "forward", "request": hq[0].ID}); a.Code != "forbidden" {
		t.Errorf("a member forwards: %+v, want forbidden", a)
	}
	// A member cannot pass for anyone by naming them: the hub names her.
	if a := joseph.command("j3", map[string]any{"type": "hub_raise_hand", "member": map[string]any{"sub": "amina", "name": "Amina Diallo"}}); a.Type != protocol.TypeAck {
		t.Fatalf("joseph's own hub_raise_hand: %+v", a)
	}
	if hq := mainSnapshot(t, m).HubQueue; len(hq) != 2 || hq[1].Sub != rooms.MemberSub("nairobi", "joseph") || hq[1].Name != "Joseph" {
		t.Fatalf("the hub list = %+v, want Joseph as himself", hq)
	}

	if a := coordinator.command("c1", map[string]any{"type": "forward", "request": hq[0].ID}); a.Type != protocol.TypeAck {
		t.Fatalf("forward: %+v", a)
	}
	snap := mainSnapshot(t, m)
	if len(snap.Queue) != 1 || snap.Queue[0].Speaker != want {
		t.Fatalf("the plenary queue = %+v, want Amina for the Nairobi hub", snap.Queue)
	}
	var mode rooms.CategoryBalance
	for _, c := range snap.Balance.Dimensions["mode"] {
		if c.Category == rooms.ModeHub {
			mode = c
		}
	}
	if mode.Requests != 1 {
		t.Errorf("balance of mode hub = %+v, want her request", mode)
	}
	// She sees her place in the plenary through the relay.
	amina.until(func(msg protocol.ServerMessage) bool {
		var q []rooms.QueueEntry
		return msg.Type == protocol.TypeEvent && json.Unmarshal(msg.Changes[rooms.KeyQueue], &q) == nil && len(q) == 1 && q[0].Sub == sub
	})
	if a := amina.command("a2", map[string]any{"type": "withdraw"}); a.Type != protocol.TypeAck {
		t.Fatalf("withdraw: %+v", a)
	}
	if q := mainSnapshot(t, m).Queue; len(q) != 0 {
		t.Errorf("the plenary queue after she withdrew = %+v, want empty", q)
	}
}

// TestRelayMembersWithTheMainServersTokens: a member holding a token the
// main server issued for this hub is checked upstream once, joins as
// herself, and her commands go upstream with her own token over HTTP: the
// main server still sees one live connection from the relay. During a cut
// they wait and go once, in order, when the link is back, and one made
// stale meanwhile is refused so. Other tokens are refused.
func TestRelayMembersWithTheMainServersTokens(t *testing.T) {
	m := newMain(t)
	chair := m.plenary(t)
	before := m.hub.Clients()
	proxy := newCutProxy(t, m.url)
	r := startRelay(t, proxy.URL(), m.hubToken(t))
	lenaToken := m.token(t, rooms.RoleParticipant, "lena", func(c *auth.Claims) { c.Name, c.Hub, c.Group = "Lena", "nairobi", "academia" })
	lena := follow(r.dialToken(t, lenaToken, ""))
	if w := lena.Welcome(); w.You == nil || w.You.Sub != "lena" || w.You.Group != "academia" || w.You.Hub != "nairobi" {
		t.Fatalf("welcome: %+v, want Lena as the main server knows her", w.You)
	}
	lena.until(func(m protocol.ServerMessage) bool { return m.Type == protocol.TypeSnapshot })
	again := follow(r.dialToken(t, lenaToken, ""))
	again.Welcome()
	if n := m.mes.Load(); n != 1 {
		t.Errorf("the relay asked the main server about her token %d times, want once", n)
	}
	for _, tc := range []struct {
		name, token string
		status      int
	}{
		{"another hub's member", m.token(t, rooms.RoleParticipant, "rahim", func(c *auth.Claims) { c.Hub = "dhaka" }), http.StatusUnauthorized},
		{"a member of no hub", m.token(t, rooms.RoleParticipant, "ana", nil), http.StatusUnauthorized},
		{"another room's", issue(t, m.secret, rooms.RoleParticipant, "lena", func(c *auth.Claims) { c.Room, c.Hub = "other", "nairobi" }), http.StatusUnauthorized},
		{"a forged token", issue(t, []byte("not-the-main-servers-secret-at-all!"), rooms.RoleParticipant, "lena", func(c *auth.Claims) { c.Hub = "nairobi" }), http.StatusUnauthorized},
		{"no token", "", http.StatusUnauthorized},
	} {
		if status, _ := get(t, r.url, "/api/v1/rooms/plenary", tc.token); status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, status, tc.status)
		}
	}

	if a := lena.command("l1", map[string]any{"type": "hub_raise_hand"}); a.Type != protocol.TypeAck || a.Seq == 0 {
		t.Fatalf("hub_raise_hand: %+v, want an ack with its seq", a)
	}
	hq := mainSnapshot(t, m).HubQueue
	if len(hq) != 1 || hq[0].Sub != "lena" || hq[0].Group != "academia" {
		t.Fatalf("the hub list = %+v, want Lena's own request", hq)
	}
	if got := m.hub.Clients() - before; got != 1 {
		t.Errorf("the main server has %d live connections, want the relay's alone", got)
	}
	// The hub forwards her; the chair gives her the floor.
	hub := m.token(t, rooms.RoleHub, "nairobi", func(c *auth.Claims) { c.Hub = "nairobi" })
	post(t, m.url, "/api/v1/rooms/plenary/commands", hub, `{"type":"forward","request":"`+hq[0].ID+`"}`, http.StatusOK)
	raise(t, m, "bob")
	post(t, m.url, "/api/v1/rooms/plenary/commands", chair, `{"type":"call_next"}`, http.StatusOK)
	lena.untilSeq(mainSeq(t, m))

	proxy.Cut()
	lena.untilLink(false)
	// Asked to take her hand off the hub list (it is not on it) and to end
	// her turn, which the chair ends first, during the cut.
	lena.Send(map[string]any{"type": "command", "id": "l2", "command": map[string]any{"type": "hub_raise_hand", "kind": "reply"}})
	lena.Send(map[string]any{"type": "command", "id": "l3", "command": map[string]any{"type": "release"}})
	waitFor(t, "her commands to be queued", func() bool { return r.Status().Queued == 2 })
	post(t, m.url, "/api/v1/rooms/plenary/commands", chair, `{"type":"call_next"}`, http.StatusOK)
	proxy.Restore()
	if a := lena.until(func(m protocol.ServerMessage) bool { return m.ID == "l2" }); a.Type != protocol.TypeAck {
		t.Errorf("the reply asked during the cut: %+v, want an ack", a)
	}
	if a := lena.until(func(m protocol.ServerMessage) bool { return m.ID == "l3" }); a.Code != "stale" {
		t.Errorf("ending a turn the chair ended during the cut: %+v, want stale", a)
	}
	var replies int
	for _, h := range mainSnapshot(t, m).HubQueue {
		if h.Sub == "lena" {
			replies++
		}
	}
	if replies != 1 {
		t.Errorf("the hub list has %d requests of hers, want the reply once", replies)
	}
	if f := mainSnapshot(t, m).Floor; f == nil || f.Sub != "bob" {
		t.Errorf("floor = %+v, want bob's, untouched by her stale release", f)
	}
}

// TestRelayServesTheHubsPages: the join page, the participant's, the hub's
// and the display's come from the relay with the pages' headers and
// ETags; chairing is the main server's; an API call the relay does not
// answer is a JSON error.
func TestRelayServesTheHubsPages(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	r := startRelay(t, m.url, m.hubToken(t))
	for _, path := range []string{"/", "/rooms/plenary", "/rooms/plenary/hub", "/rooms/plenary/display", "/static/js/hub.js"} {
		resp, err := http.Get(r.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != http.StatusOK || h.Get("ETag") == "" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: %d %v, want 200 with an ETag, nosniff and DENY", path, resp.StatusCode, h)
		}
		if path != "/static/js/hub.js" && (h.Get("Referrer-Policy") != "no-referrer" || h.Get("Content-Security-Policy") == "" || h.Get("Content-Type") != "text/html; charset=utf-8") {
			t.Errorf("GET %s: headers %v, want a page's", path, h)
		}
		req, _ := http.NewRequest(http.MethodGet, r.url+path, nil)
		req.Header.Set("If-None-Match", h.Get("ETag"))
		again, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s again with its ETag: %d, want 304", path, again.StatusCode)
		}
	}
	if resp, err := http.Get(r.url + "/rooms/plenary/chair"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the chair's page on the relay: %v %v, want 404", resp, err)
	}
	member := issue(t, localSecret, rooms.RoleParticipant, "amina", nil)
	for _, path := range []string{"/api/v1/rooms/plenary/events", "/api/v1/rooms/plenary/media/publishers", "/api/v1/nothing"} {
		if status, code := get(t, r.url, path, member); status != http.StatusNotFound || code != "not_found" {
			t.Errorf("GET %s: %d %q, want a JSON not_found", path, status, code)
		}
	}
}
