package live_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/protocol"
)

func TestWelcomeSnapshotAckAndEvent(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	c := h.dial(t, "plenary", who("amina", rooms.RoleParticipant, "group", "civil-society"))

	w := c.Welcome()
	if w.You == nil || w.You.Sub != "amina" || w.You.Role != "participant" || w.You.Group != "civil-society" {
		t.Fatalf("welcome = %+v", w)
	}
	s := c.Next()
	if s.Type != protocol.TypeSnapshot || s.Snapshot == nil || s.Snapshot.Seq != 1 || s.Snapshot.Room != "plenary" {
		t.Fatalf("snapshot = %+v", s)
	}

	c.Send(map[string]any{"type": "command", "id": "c1", "command": map[string]any{"type": "raise_hand", "note": "on access"}})
	// The event is broadcast while the ack is the client's own; either may
	// come first, but each must come once. The raiser's note comes apart,
	// just before the event, which carries the public view.
	var ack, ev, before protocol.ServerMessage
	for range 3 {
		switch m := c.Next(); m.Type {
		case protocol.TypeAck:
			ack = m
		case protocol.TypeEvent:
			ev = m
		default:
			before = m
		}
	}
	if before.Type != protocol.TypeNotes || before.Notes["r2"] != "on access" {
		t.Errorf("the raiser's notes = %+v", before)
	}
	if ack.ID != "c1" || ack.Seq != 2 {
		t.Errorf("ack = %+v", ack)
	}
	if ev.Seq != 2 || ev.Event == nil || ev.Event.Type != rooms.EvHandRaised || ev.Event.Actor.Sub != "amina" {
		t.Fatalf("event = %+v", ev)
	}
	var q []rooms.QueueEntry
	changes(t, ev, rooms.KeyQueue, &q)
	if len(q) != 1 || q[0].Reason == "" {
		t.Errorf("changes.queue = %+v", q)
	}
	var b rooms.Balance
	changes(t, ev, rooms.KeyBalance, &b)
}

func TestEventsArriveInOrderOnEveryClient(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	var clients []*livetest.Conn
	for _, sub := range []string{"amina", "carlos", "mei"} {
		c := h.dial(t, "plenary", who(sub, rooms.RoleParticipant))
		c.Welcome()
		c.NextOf(protocol.TypeSnapshot)
		clients = append(clients, c)
	}
	for _, sub := range []string{"amina", "carlos", "mei"} {
		h.command(t, sub, rooms.RoleParticipant, `{"type":"raise_hand"}`)
	}
	h.chair(t, `{"type":"call_next"}`)
	h.chair(t, `{"type":"call_next"}`) // release + grant
	for i, c := range clients {
		for want := uint64(2); want <= 7; want++ {
			if m := c.NextOf(protocol.TypeEvent); m.Seq != want {
				t.Fatalf("client %d: event seq %d, want %d", i, m.Seq, want)
			}
		}
	}
}

func TestResumeHasNoGapsOrDuplicates(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	amina := who("amina", rooms.RoleParticipant)
	c := h.dial(t, "plenary", amina)
	c.Welcome()
	c.NextOf(protocol.TypeSnapshot)
	h.chair(t, `{"type":"set_agenda_item","title":"Item 1"}`)
	last := c.NextOf(protocol.TypeEvent).Seq
	c.WS.Close() // the connection drops

	for i := range 5 {
		h.chair(t, `{"type":"set_agenda_item","title":"Item `+itoa(i+2)+`"}`)
	}
	r := h.dial(t, "plenary", amina+"&after="+itoa(int(last)))
	r.Welcome()
	for want := last + 1; want <= last+5; want++ {
		if m := r.Next(); m.Type != protocol.TypeEvent || m.Seq != want {
			t.Fatalf("after resume got %s seq %d, want event %d", m.Type, m.Seq, want)
		}
	}
	h.chair(t, `{"type":"close_list"}`)
	if m := r.Next(); m.Type != protocol.TypeEvent || m.Seq != last+6 {
		t.Fatalf("live after resume: %s seq %d, want event %d", m.Type, m.Seq, last+6)
	}

	for _, q := range []string{"after=0", "after=999"} {
		s := h.dial(t, "plenary", amina+"&"+q)
		s.Welcome()
		if m := s.Next(); m.Type != protocol.TypeSnapshot || m.Snapshot.Seq != last+6 {
			t.Errorf("%s: got %s, want a fresh snapshot at %d", q, m.Type, last+6)
		}
	}
}

// Clients joining while events are folded in get each event exactly once,
// after their snapshot: an event captured before a client joined but
// encoded after is not sent to it again.
func TestJoinsDuringEventsSeeNoGapsOrDuplicates(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	const events = 60
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range events {
			h.chair(t, `{"type":"set_agenda_item","title":"Item `+itoa(i)+`"}`)
		}
	}()
	var clients []*livetest.Conn
	for i := range 8 {
		c := h.dial(t, "plenary", who("screen"+itoa(i), rooms.RoleObserver))
		c.Welcome()
		clients = append(clients, c)
	}
	<-done
	for i, c := range clients {
		from := c.Next()
		if from.Type != protocol.TypeSnapshot {
			t.Fatalf("client %d: %s after welcome, want snapshot", i, from.Type)
		}
		for want := from.Snapshot.Seq + 1; want <= events+1; want++ {
			if m := c.Next(); m.Type != protocol.TypeEvent || m.Seq != want {
				t.Fatalf("client %d from %d: got %s %d, want event %d", i, from.Snapshot.Seq, m.Type, m.Seq, want)
			}
		}
	}
}

func TestClosesWhenTheTokenExpires(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	c := h.dial(t, "plenary", who("amina", rooms.RoleParticipant, "exp", itoa(int(time.Now().Add(time.Second).UnixNano()))))
	if code := c.CloseCode(); code != protocol.CloseTokenExpired {
		t.Errorf("close code %d, want %d (token expired)", code, protocol.CloseTokenExpired)
	}
}

// A client that missed more events than a live client may fall behind by
// still resumes: what it missed is a backlog, not a sign of slowness.
func TestResumeAfterALongGap(t *testing.T) {
	// The first screen reads nothing, so on a busy machine it may be
	// dropped as too slow while the events pile up, and the burst may
	// take longer than the default linger: the feed must outlive both.
	h := newHarness(t, func(cfg *live.Config) { cfg.Linger = 10 * time.Minute })
	h.plenary(t)
	screen := who("screen", rooms.RoleObserver)
	// The node keeps recent events for rooms it serves live.
	h.dial(t, "plenary", screen).Welcome()
	const missed = 300
	for i := range missed {
		h.chair(t, `{"type":"set_agenda_item","title":"Item `+itoa(i)+`"}`)
	}
	c := h.dial(t, "plenary", screen+"&after=1")
	c.Welcome()
	for want := uint64(2); want <= missed+1; want++ {
		if m := c.Next(); m.Type != protocol.TypeEvent || m.Seq != want {
			t.Fatalf("got %s %d, want event %d", m.Type, m.Seq, want)
		}
	}
}

// Presence is counted per role, mode and group and sent as one message,
// not one per join.
func TestPresenceCounts(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	first := h.dial(t, "plenary", who("amina", rooms.RoleParticipant, "group", "civil-society"))
	h.dial(t, "plenary", who("screen", rooms.RoleObserver, "mode", "in-room"))
	h.dial(t, "plenary", who("dhaka", rooms.RoleHub, "mode", "hub"))
	for {
		p := presence(t, first.NextOf(protocol.TypePresence))
		if p.Total < 3 {
			continue // counted before the others joined
		}
		if p.Total != 3 || p.ByRole["observer"] != 1 || p.ByMode["hub"] != 1 || p.ByMode["in-room"] != 1 || p.ByGroup["civil-society"] != 1 {
			t.Errorf("presence = %+v", p)
		}
		return
	}
}

func TestViewersFollowTranscriptsAndResume(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	cart := rooms.Participant{Sub: "cart", Role: rooms.RoleCaptioner}
	post := func(seq uint64, line string) {
		t.Helper()
		if _, err := h.transcripts.Post(t.Context(), "plenary", cart, "en", seq, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	post(1, "One.")
	v := h.dial(t, "plenary", who("amina", rooms.RoleParticipant))
	v.Welcome()
	v.NextOf(protocol.TypeSnapshot)
	v.Send(map[string]any{"type": "transcript", "id": "t", "langs": []string{"en"}})
	backlog := v.NextOf(protocol.TypeSegments)
	if len(backlog.Segments) != 1 || backlog.Segments[0].Text != "One." {
		t.Fatalf("backlog = %+v", backlog.Segments)
	}
	post(2, "Two.")
	if m := v.NextOf(protocol.TypeSegment); m.Segment == nil || m.Segment.Text != "Two." {
		t.Fatalf("live segment = %+v", m)
	}
	last := backlog.Seq
	v.WS.Close()

	post(3, "Three.")
	r := h.dial(t, "plenary", who("amina", rooms.RoleParticipant))
	r.Welcome()
	r.NextOf(protocol.TypeSnapshot)
	r.Send(map[string]any{"type": "transcript", "id": "t", "langs": []string{"en"}, "after": map[string]uint64{"en": last}})
	var got []string
	for len(got) < 2 {
		switch m := r.Next(); m.Type {
		case protocol.TypeSegment:
			got = append(got, m.Segment.Text)
		case protocol.TypeSegments:
			for _, s := range m.Segments {
				got = append(got, s.Text)
			}
		}
	}
	if strings.Join(got, " ") != "Two. Three." {
		t.Errorf("after resume got %q, want Two. Three.", got)
	}
}
