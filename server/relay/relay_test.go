package relay_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/protocol"
)

// follower reads a local live connection as a page does, and fails the
// test on a gap or a duplicate in the events once it has a snapshot.
type follower struct {
	*livetest.Conn
	seq  uint64
	up   bool
	segs map[uint64]string // transcript text by segment id
}

func follow(c *livetest.Conn) *follower { return &follower{Conn: c, segs: map[uint64]string{}} }

// until reads until cond holds for a message.
func (f *follower) until(cond func(protocol.ServerMessage) bool) protocol.ServerMessage {
	f.T.Helper()
	for {
		m := f.Read()
		switch m.Type {
		case protocol.TypeSnapshot:
			f.seq = m.Snapshot.Seq
		case protocol.TypeEvent:
			if f.seq != 0 && m.Seq != f.seq+1 {
				f.T.Fatalf("event %d after %d: a gap or a duplicate", m.Seq, f.seq)
			}
			f.seq = m.Seq
		case protocol.TypeLink:
			f.up = m.Up
		case protocol.TypeSegment:
			f.segs[m.Segment.ID] = m.Segment.Text
		case protocol.TypeSegments:
			for _, s := range m.Segments {
				f.segs[s.ID] = s.Text
			}
		}
		if cond(m) {
			return m
		}
	}
}

func (f *follower) untilSeq(seq uint64) {
	f.T.Helper()
	f.until(func(protocol.ServerMessage) bool { return f.seq >= seq })
}

func (f *follower) untilLink(up bool) protocol.ServerMessage {
	f.T.Helper()
	return f.until(func(m protocol.ServerMessage) bool { return m.Type == protocol.TypeLink && m.Up == up })
}

func (f *follower) untilText(text string) {
	f.T.Helper()
	f.until(func(protocol.ServerMessage) bool {
		for _, s := range f.segs {
			if s == text {
				return true
			}
		}
		return false
	})
}

func mainSeq(t *testing.T, m *mainServer) uint64 {
	t.Helper()
	snap, err := m.rooms.Snapshot(context.Background(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	return snap.Seq
}

func raise(t *testing.T, m *mainServer, sub string) {
	t.Helper()
	post(t, m.url, "/api/v1/rooms/plenary/commands", m.token(t, rooms.RoleParticipant, sub, nil), `{"type":"raise_hand","kind":"speak"}`, http.StatusOK)
}

// TestRelayMirrorsTheRoomAndCatchesUpAfterACut: local viewers get the
// plenary's events and transcript through one upstream connection; when
// the link is cut they are told, a hand raised meanwhile is queued, and
// once it is back they catch up with no gap and the hand reaches the
// plenary once.
func TestRelayMirrorsTheRoomAndCatchesUpAfterACut(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	before := m.hub.Clients()
	proxy := newCutProxy(t, m.url)
	r := startRelay(t, proxy.URL(), m.hubToken(t))

	viewer := follow(r.dial(t, rooms.RoleParticipant, "amina", ""))
	// The relay's own member is the hub's, in the hub's namespace.
	if w := viewer.Welcome(); w.You.Sub != rooms.MemberSub("nairobi", "amina") || w.You.Mode != rooms.ModeHub || w.You.Hub != "nairobi" || w.Room != "plenary" {
		t.Fatalf("welcome = %+v you %+v, want amina's of the plenary, as a member of the Nairobi hub", w, w.You)
	}
	viewer.until(func(m protocol.ServerMessage) bool { return m.Type == protocol.TypeSnapshot })
	if !viewer.up {
		viewer.untilLink(true)
	}
	raise(t, m, "bob")
	viewer.untilSeq(mainSeq(t, m))

	cart := livetest.Dial(t, "ws"+strings.TrimPrefix(m.url, "http")+"/api/v1/rooms/plenary/ws?access_token="+
		m.token(t, rooms.RoleCaptioner, "cart", func(c *auth.Claims) { c.Lang = "en" }), nil)
	cart.Welcome()
	caption := func(id, text string) {
		cart.Send(map[string]any{"type": "caption", "id": id, "lang": "en", "text": text, "final": true})
		cart.NextOf(protocol.TypeAck)
	}
	caption("c1", "Welcome to the plenary.")
	viewer.untilSeq(mainSeq(t, m)) // language_added: en has text
	viewer.Send(protocol.ClientMessage{Type: protocol.TypeTranscript, ID: "t1", Langs: []string{"en"}})
	viewer.untilText("Welcome to the plenary.")
	caption("c2", "The floor is open.")
	viewer.untilText("The floor is open.")

	others := make([]*follower, 5)
	for i := range others {
		others[i] = follow(r.dial(t, rooms.RoleObserver, "observer"+string(rune('a'+i)), ""))
		others[i].until(func(m protocol.ServerMessage) bool { return m.Type == protocol.TypeSnapshot })
	}
	if got := m.hub.Clients() - before; got != 2 {
		t.Errorf("the main server has %d live connections besides the test's, want 2: the relay's and the captioner's", got)
	}

	proxy.Cut()
	viewer.untilLink(false)
	coordinator := follow(r.dial(t, rooms.RoleHub, "coordinator", ""))
	coordinator.Welcome()
	coordinator.until(func(m protocol.ServerMessage) bool { return m.Type == protocol.TypeSnapshot })
	if coordinator.up {
		t.Fatal("the coordinator was told the link is up during the cut")
	}
	coordinator.Send(map[string]any{"type": "command", "id": "h1", "command": map[string]any{"type": "raise_hand", "kind": "speak"}})
	raise(t, m, "carol") // the plenary goes on
	caption("c3", "During the cut.")
	waitFor(t, "the hand to be queued", func() bool { return r.Status().Queued == 1 })

	proxy.Restore()
	ack := coordinator.until(func(m protocol.ServerMessage) bool { return m.ID == "h1" })
	if ack.Type != protocol.TypeAck {
		t.Fatalf("the hand raised during the cut: %+v, want an ack", ack)
	}
	viewer.untilLink(true)
	viewer.untilSeq(ack.Seq)
	viewer.untilText("During the cut.")
	for _, o := range others {
		o.untilSeq(ack.Seq)
	}
	snap, err := m.rooms.Snapshot(context.Background(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	var hubs int
	for _, e := range snap.Queue {
		if e.Sub == "nairobi" {
			hubs++
		}
	}
	if hubs != 1 {
		t.Errorf("the plenary's queue has %d requests of the hub, want 1: %+v", hubs, snap.Queue)
	}

	// A local viewer that reconnects resumes from the relay's window.
	resumed := follow(r.dial(t, rooms.RoleParticipant, "amina", "&after=1"))
	resumed.seq = 1
	resumed.Welcome()
	resumed.untilSeq(ack.Seq)
}

// TestRelayRefusesWhatItMayNotForward: of the plenary's commands, a
// member holding the relay's token sends only those the hub vouches for
// (members_test.go), and captions are not written through the relay.
func TestRelayRefusesWhatItMayNotForward(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	r := startRelay(t, m.url, m.hubToken(t))
	viewer := follow(r.dial(t, rooms.RoleParticipant, "amina", ""))
	viewer.Welcome()
	for _, msg := range []map[string]any{
		{"type": "command", "id": "x1", "command": map[string]any{"type": "raise_hand", "kind": "speak"}},
		{"type": "caption", "id": "x2", "lang": "en", "text": "hi"},
	} {
		viewer.Send(msg)
		got := viewer.until(func(m protocol.ServerMessage) bool { return m.ID == msg["id"] })
		if got.Type != protocol.TypeError || got.Code != "forbidden" {
			t.Errorf("%v: %+v, want forbidden", msg, got)
		}
	}
	resp, err := http.Get(r.url + "/api/v1/rooms/plenary")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("snapshot without a token: %d, want 401", resp.StatusCode)
	}
	waitFor(t, "the first snapshot", func() bool { return r.Status().Seq > 0 })
	req, _ := http.NewRequest(http.MethodGet, r.url+"/api/v1/rooms/plenary", nil)
	req.Header.Set("Authorization", "Bearer "+issue(t, localSecret, rooms.RoleObserver, "screen", nil))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var snap rooms.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil || resp.StatusCode != http.StatusOK || snap.Room != "plenary" {
		t.Errorf("snapshot through the relay: %d %+v %v", resp.StatusCode, snap, err)
	}
}

// TestRelayRefusesACommandMadeStaleDuringTheCut: the hub yields the floor
// while the link is cut, but meanwhile the chair has given it to someone
// else: once the link is back the queued release is refused as stale,
// instead of ending the next speaker's turn.
func TestRelayRefusesACommandMadeStaleDuringTheCut(t *testing.T) {
	m := newMain(t)
	chair := m.plenary(t)
	proxy := newCutProxy(t, m.url)
	r := startRelay(t, proxy.URL(), m.hubToken(t))
	coordinator := follow(r.dial(t, rooms.RoleHub, "coordinator", ""))
	coordinator.Welcome()
	coordinator.Send(map[string]any{"type": "command", "id": "h1", "command": map[string]any{"type": "raise_hand", "kind": "speak"}})
	coordinator.until(func(m protocol.ServerMessage) bool { return m.ID == "h1" })
	raise(t, m, "bob")
	post(t, m.url, "/api/v1/rooms/plenary/commands", chair, `{"type":"call_next"}`, http.StatusOK)
	coordinator.untilSeq(mainSeq(t, m))

	proxy.Cut()
	coordinator.untilLink(false)
	coordinator.Send(map[string]any{"type": "command", "id": "y1", "command": map[string]any{"type": "release"}})
	waitFor(t, "the release to be queued", func() bool { return r.Status().Queued == 1 })
	post(t, m.url, "/api/v1/rooms/plenary/commands", chair, `{"type":"call_next"}`, http.StatusOK) // bob's turn
	proxy.Restore()

	got := coordinator.until(func(m protocol.ServerMessage) bool { return m.ID == "y1" })
	if got.Type != protocol.TypeError || got.Code != "stale" {
		t.Fatalf("the release queued during the cut: %+v, want a stale error", got)
	}
	snap, err := m.rooms.Snapshot(context.Background(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Floor == nil || snap.Floor.Sub != "bob" {
		t.Errorf("floor = %+v, want bob's turn, untouched", snap.Floor)
	}
}

// TestRelayBoundsWhatALocalMemberSends: a local member has the main
// server's budget per person at the relay too, told in welcome.
func TestRelayBoundsWhatALocalMemberSends(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	r := startRelay(t, m.url, m.hubToken(t))
	c := follow(r.dial(t, rooms.RoleObserver, "screen", ""))
	w := c.Welcome()
	if w.Budget == nil || w.Budget.Burst <= 0 {
		t.Fatalf("welcome's budget = %+v", w.Budget)
	}
	n := int(w.Budget.Burst) + 5
	for i := range n {
		c.Send(protocol.ClientMessage{Type: protocol.TypePing, ID: strconv.Itoa(i)})
	}
	limited := false
	for range n {
		got := c.until(func(m protocol.ServerMessage) bool {
			return m.Type == protocol.TypePong || m.Type == protocol.TypeError
		})
		limited = limited || got.Code == protocol.CodeRateLimited
	}
	if !limited {
		t.Errorf("%d pings at once, past a burst of %v, were all answered", n, w.Budget.Burst)
	}
}

// TestRelayClosesALocalConnectionWhenItsTokenExpires: 4001, as the main
// server does.
func TestRelayClosesALocalConnectionWhenItsTokenExpires(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	r := startRelay(t, m.url, m.hubToken(t))
	c := auth.Claims{Room: "plenary", Role: rooms.RoleObserver, Name: "Screen"}
	c.Subject = "screen"
	tok, err := auth.Issue(localSecret, c, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn := livetest.Dial(t, "ws"+strings.TrimPrefix(r.url, "http")+"/api/v1/rooms/plenary/ws?access_token="+tok, nil)
	conn.Welcome()
	if code := conn.CloseCode(); code != protocol.CloseTokenExpired {
		t.Errorf("close code = %d, want %d", code, protocol.CloseTokenExpired)
	}
}
