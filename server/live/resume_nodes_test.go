package live_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/protocol"
)

// twoNodes starts two hubs on one Redis, each resuming at most bound
// events back.
func twoNodes(t *testing.T, bound int) (a, b *harness) {
	t.Helper()
	c, prefix := redistest.Client(t)
	log := slog.New(slog.DiscardHandler)
	tune := func(cfg *live.Config) { cfg.ResumeBound = bound }
	a = newHarnessOver(t, redisstore.New(c, prefix), log, tune)
	b = newHarnessOver(t, redisstore.New(redistest.NewClient(t), prefix), log, tune)
	return a, b
}

// events reads n events, failing on anything else but notes and presence.
func events(t *testing.T, c *livetest.Conn, n int) []protocol.ServerMessage {
	t.Helper()
	var out []protocol.ServerMessage
	for len(out) < n {
		switch m := c.Next(); m.Type {
		case protocol.TypeEvent:
			out = append(out, m)
		case protocol.TypeNotes:
		default:
			t.Fatalf("after %d events: %s (seq %d), want event %d", len(out), m.Type, m.Seq, len(out)+1)
		}
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A client of node A that resumes on node B, whose feed of the room
// started after the client left, is sent the events it missed, read back
// from the log and projected as node A sent them live, then live events:
// no snapshot, no gap, nothing twice.
func TestResumeOnAnotherNodeFromTheLog(t *testing.T) {
	a, b := twoNodes(t, 0)
	a.plenary(t)
	watcher := a.dial(t, "plenary", who("alice", rooms.RoleParticipant))
	watcher.Welcome()
	watcher.NextOf(protocol.TypeSnapshot)

	leaver := a.dial(t, "plenary", who("bob", rooms.RoleParticipant))
	leaver.Welcome()
	last := leaver.NextOf(protocol.TypeSnapshot).Snapshot.Seq
	leaver.WS.Close()

	for _, sub := range []string{"carla", "dev", "emma"} {
		a.command(t, sub, rooms.RoleParticipant, `{"type":"raise_hand"}`)
	}
	a.chair(t, `{"type":"call_next"}`)
	// Node B's feed starts now, after what bob missed so far.
	screen := b.dial(t, "plenary", who("screen", rooms.RoleObserver))
	screen.Welcome()
	screen.NextOf(protocol.TypeSnapshot)
	a.command(t, "fay", rooms.RoleParticipant, `{"type":"raise_hand"}`)
	events(t, screen, 1)

	resumed := b.dial(t, "plenary", who("bob", rooms.RoleParticipant, "after", itoa(int(last))))
	resumed.Welcome()
	got := events(t, resumed, 5)
	live := events(t, watcher, 5)
	for i, m := range got {
		if m.Seq != last+uint64(i)+1 {
			t.Fatalf("resumed event %d has seq %d, want %d", i, m.Seq, last+uint64(i)+1)
		}
		// As node A sent them live, in the public view; a floor's clock
		// reads as of when each was folded, so it is left out.
		delete(m.Changes, rooms.KeyFloor)
		delete(live[i].Changes, rooms.KeyFloor)
		delete(m.Changes, rooms.KeyBalance)
		delete(live[i].Changes, rooms.KeyBalance)
		if g, w := mustJSON(t, m.Event)+mustJSON(t, m.Changes), mustJSON(t, live[i].Event)+mustJSON(t, live[i].Changes); g != w {
			t.Errorf("event %d resumed on B:\n%s\nlive on A:\n%s", m.Seq, g, w)
		}
	}
	a.command(t, "gus", rooms.RoleParticipant, `{"type":"raise_hand"}`)
	if m := events(t, resumed, 1)[0]; m.Seq != last+6 || m.Event.Actor.Sub != "gus" {
		t.Errorf("next live event: seq %d by %s, want %d by gus", m.Seq, m.Event.Actor.Sub, last+6)
	}
}

// Resuming on another node reads back up to Config.ResumeBound events:
// at the bound a client gets every one, one further back a snapshot.
func TestResumeFromTheLogIsBounded(t *testing.T) {
	const bound = 40
	a, b := twoNodes(t, bound)
	a.plenary(t)
	for i := range bound + 1 {
		a.command(t, "bob", rooms.RoleParticipant, []string{`{"type":"raise_hand"}`, `{"type":"withdraw"}`}[i%2])
	}
	head := uint64(bound + 2) // the room's creation, then the commands
	at := b.dial(t, "plenary", who("carla", rooms.RoleParticipant, "after", itoa(int(head-bound))))
	at.Welcome()
	if got := events(t, at, bound); got[0].Seq != head-bound+1 || got[bound-1].Seq != head {
		t.Errorf("resumed at the bound: seqs %d to %d, want %d to %d", got[0].Seq, got[bound-1].Seq, head-bound+1, head)
	}
	beyond := b.dial(t, "plenary", who("dev", rooms.RoleParticipant, "after", itoa(int(head-bound-1))))
	beyond.Welcome()
	if m := beyond.Next(); m.Type != protocol.TypeSnapshot || m.Snapshot.Seq != head {
		t.Errorf("resumed beyond the bound: %s at seq %d, want a snapshot at %d", m.Type, m.Seq, head)
	}
}

// A transcript viewer that resumes on a node whose window lacks what it
// missed is sent every segment changed since, whatever backlog it asks
// for, not just the recent ones.
func TestTranscriptResumeOnAnotherNode(t *testing.T) {
	a, b := twoNodes(t, 0)
	a.plenary(t)
	caption := func(n uint64, text string) {
		t.Helper()
		if _, err := a.transcripts.Post(context.Background(), "plenary", rooms.Participant{Sub: "cart", Role: rooms.RoleCaptioner}, "en", n, text); err != nil {
			t.Fatal(err)
		}
	}
	caption(1, "One.\n")
	var seq uint64
	if err := a.transcripts.View(context.Background(), "plenary", "en", func(ch *rooms.Channel) { seq = ch.Seq }); err != nil {
		t.Fatal(err)
	}
	caption(2, "Two.\n")
	caption(3, "Three.\n")
	caption(4, "Four.\n")

	c := b.dial(t, "plenary", who("amina", rooms.RoleParticipant))
	c.Welcome()
	c.Send(protocol.ClientMessage{Type: protocol.TypeTranscript, ID: "t", Langs: []string{"en"}, After: map[string]uint64{"en": seq}, Backlog: 1})
	m := c.NextOf(protocol.TypeSegments)
	var texts []string
	for _, s := range m.Segments {
		texts = append(texts, s.Text)
	}
	if mustJSON(t, texts) != `["Two.","Three.","Four."]` {
		t.Errorf("resumed transcript: %v, want the three lines after the first", texts)
	}
}
