package relay_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
	"github.com/parley-hub/parley/server/relay"
	"github.com/parley-hub/parley/server/relay/internal/impair"
)

// relayReadWait is how long the relay waits on a silent link before it
// takes it for down (relay.readWait): a stall shorter than that is only
// a delay to it.
const relayReadWait = 15 * time.Second

// subscribe asks for the English transcript on w's connection once the
// room has English text, and waits until w has the lines so far.
func subscribe(t *testing.T, r *impaired, w *watcher, lines int) {
	t.Helper()
	target := mainSeq(t, r.m) // language_added
	waitFor(t, "the local viewer to have the room", func() bool { seq, up, _ := w.state(); return up && seq >= target })
	w.conn.Send(protocol.ClientMessage{Type: protocol.TypeTranscript, ID: "t1", Langs: []string{"en"}})
	waitFor(t, "the transcript so far", func() bool { _, _, n := w.state(); return n >= lines })
}

// TestRelayOverAPoorLink: over a 300 ms round trip with 3% loss at 512
// kbit/s, local viewers hear the venue with under 1% loss once NACKs have
// been answered, and get every floor change and transcript line in order,
// without a gap. How late they come is logged for the README.
func TestRelayOverAPoorLink(t *testing.T) {
	overAPoorLink(t, newImpaired(t, poorLink, 0), poorLink.Rate)
}

// overAPoorLink runs the plenary through r, whose link carries rate
// bit/s, and checks what local viewers get.
func overAPoorLink(t *testing.T, r *impaired, rate int) {
	sent := venue(t, r.m, r.client)
	ears := make([]*ear, 3)
	for i := range ears {
		ears[i] = listen(t, r, fmt.Sprintf("ear%d", i))
	}
	viewer := watch(t, r.relay.dial(t, rooms.RoleParticipant, "amina", ""))
	cart := newCaptioner(t, r.m)
	lines := []string{"Welcome to the plenary."}
	cart.line(lines[0])
	subscribe(t, r, viewer, 1)
	waitFor(t, "every local viewer to hear the venue", func() bool {
		for _, e := range ears {
			if _, ok := e.heardAfter(time.Time{}); !ok {
				return false
			}
		}
		return true
	})

	// Ten seconds of the plenary: a speaker called and a line written
	// four times a second, while the venue's audio flows.
	from := uint64(sent.Load())
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for i := range 40 {
		<-tick.C
		raise(t, r.m, fmt.Sprintf("speaker%02d", i))
		post(t, r.m.url, "/api/v1/rooms/plenary/commands", r.chair, `{"type":"call_next"}`, http.StatusOK)
		lines = append(lines, fmt.Sprintf("Line %d of the plenary.", i))
		cart.line(lines[len(lines)-1])
	}
	to := uint64(sent.Load())
	target := mainSeq(t, r.m)
	waitFor(t, "the local viewer to have every event and line", func() bool {
		seq, _, n := viewer.state()
		return seq >= target && n >= len(lines)
	})
	viewer.check(t, lines)

	var all hearing
	for i, e := range ears {
		// 1.5 s of audio past the window: time for its last packets' resends.
		waitFor(t, "the ear to hear past the window", func() bool { return e.heardUpTo() >= to+75 })
		h := e.of(from, to)
		if loss := float64(h.missing) / float64(h.packets); loss >= 0.01 {
			t.Errorf("local viewer %d lost %d of %d packets (%.2f%%) after recovery, want under 1%%", i, h.missing, h.packets, 100*loss)
		}
		all.packets, all.missing, all.resent = all.packets+h.packets, all.missing+h.missing, all.resent+h.resent
		all.resentAfter, all.delay = append(all.resentAfter, h.resentAfter...), append(all.delay, h.delay...)
	}
	s := r.link.Stats()
	t.Logf("poor link (%v each way, %.0f%% loss, %d kbit/s): the link lost %.2f%% of the datagrams down and %.2f%% up, and its queue %d",
		poorLink.Delay, 100*poorLink.Loss, rate/1000, 100*float64(s.Down.Lost)/float64(s.Down.Datagrams), 100*float64(s.Up.Lost)/float64(s.Up.Datagrams), s.Down.Overflow+s.Up.Overflow)
	t.Logf("audio to %d local viewers, %d packets each: %.2f%% missing before recovery, %.2f%% after; resent packets came %s after they were sent; every packet heard %s after it was sent",
		len(ears), all.packets/len(ears), 100*float64(all.missing+all.resent)/float64(all.packets), 100*float64(all.missing)/float64(all.packets), quantiles(all.resentAfter), quantiles(all.delay))
	viewer.mu.Lock()
	defer viewer.mu.Unlock()
	// Logged, not asserted: with -race on a busy 2-core machine the maxima
	// reach 600 ms against the bound of 1 s, too close to hold in
	// every run.
	t.Logf("state at a local viewer after its commit on the main server: events %s; live transcript lines %s; %d of them more than 1 s after",
		quantiles(viewer.eventLag), quantiles(viewer.lineLag), over(time.Second, viewer.eventLag, viewer.lineLag))
}

// over counts the durations of lists past bound.
func over(bound time.Duration, lists ...[]time.Duration) int {
	n := 0
	for _, ds := range lists {
		for _, d := range ds {
			if d > bound {
				n++
			}
		}
	}
	return n
}

// cutLength is how long TestRelayThroughACut cuts the link: 3 s, or
// PARLEY_IMPAIR_CUT (20s: the figure).
func cutLength(t *testing.T) time.Duration {
	v := os.Getenv("PARLEY_IMPAIR_CUT")
	if v == "" {
		return 3 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("PARLEY_IMPAIR_CUT=%q: want a duration such as 20s", v)
	}
	return d
}

// TestRelayThroughACut: the poor link is cut, TCP reset or stalled. Local
// viewers keep what they have and are told the link is down and since
// when (once the relay can tell); once it is back they have every event
// and line of the cut with no gap and hear the venue again, and a hand the
// hub raised during the cut reaches the plenary once.
func TestRelayThroughACut(t *testing.T) {
	d := cutLength(t)
	for _, tc := range []struct {
		name string
		mode impair.CutMode
	}{{"reset", impair.Reset}, {"stall", impair.Stall}} {
		t.Run(tc.name, func(t *testing.T) { throughACut(t, tc.mode, d) })
	}
}

func throughACut(t *testing.T, mode impair.CutMode, d time.Duration) {
	r := newImpaired(t, poorLink, relay.DefaultMaxBackoff)
	venue(t, r.m, r.client)
	e := listen(t, r, "ear")
	viewer := watch(t, r.relay.dial(t, rooms.RoleParticipant, "amina", ""))
	cart := newCaptioner(t, r.m)
	lines := []string{"Before the cut."}
	cart.line(lines[0])
	subscribe(t, r, viewer, 1)
	coordinator := follow(r.relay.dial(t, rooms.RoleHub, "coordinator", ""))
	coordinator.Welcome()
	raise(t, r.m, "bob")
	before := mainSeq(t, r.m)
	waitFor(t, "the local viewer to have the room", func() bool { seq, _, _ := viewer.state(); return seq >= before })
	joined := time.Now()
	waitFor(t, "the venue through the relay", func() bool { _, ok := e.heardAfter(joined); return ok })

	// Nothing comes down the link during the cut: all that comes after it
	// is the catch-up (and the odd ping).
	liveBefore := r.relay.Status().LiveBytes
	cutAt := time.Now()
	until := r.link.Cut(d, mode)
	notices := mode == impair.Reset || d > relayReadWait
	var toldAfter time.Duration
	// told checks what local viewers are told once the relay takes the
	// link for down.
	told := func() {
		viewer.mu.Lock()
		since, seq := viewer.link.Since, viewer.seq
		viewer.mu.Unlock()
		toldAfter = since.Sub(cutAt)
		if since.Before(cutAt) || seq != before {
			t.Errorf("told the link is down since %v (the cut began %v) at seq %d, want since the cut and the room kept at %d", since, cutAt, seq, before)
		}
		// Someone joining meanwhile gets the room as the relay has it.
		late := follow(r.relay.dial(t, rooms.RoleObserver, "latecomer", ""))
		late.Welcome()
		if m := late.untilLink(false); !m.Since.Equal(since) {
			t.Errorf("a viewer joining during the cut was told the link is down since %v, want %v", m.Since, since)
		}
		late.until(func(m protocol.ServerMessage) bool { return m.Type == protocol.TypeSnapshot })
		if late.seq != before {
			t.Errorf("a viewer joining during the cut has seq %d, want %d", late.seq, before)
		}
	}
	// The hand goes once the relay knows the link is down, so that it is
	// queued; or at once, on the held connection, if it never will.
	handRaised := false
	raiseHand := func() {
		coordinator.Send(map[string]any{"type": "command", "id": "h1", "command": map[string]any{"type": "raise_hand", "kind": "speak"}})
		if notices {
			waitFor(t, "the hand to be queued", func() bool { return r.relay.Status().Queued == 1 })
		}
		handRaised = true
	}
	if !notices {
		raiseHand()
	}
	// The plenary goes on meanwhile: a hand and a line a second.
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for i := 0; time.Now().Before(until); i++ {
		raise(t, r.m, fmt.Sprintf("during%02d", i))
		lines = append(lines, fmt.Sprintf("Line %d during the cut.", i))
		cart.line(lines[len(lines)-1])
		if !handRaised && viewer.linkDown() {
			told()
			raiseHand()
		}
		select {
		case <-tick.C:
		case <-time.After(time.Until(until)):
		}
	}
	if !handRaised {
		t.Fatal("the local viewer was not told the link was down during the cut")
	}
	missed := mainSeq(t, r.m)

	ack := coordinator.until(func(m protocol.ServerMessage) bool { return m.ID == "h1" })
	if ack.Type != protocol.TypeAck {
		t.Fatalf("the hand raised during the cut: %+v, want an ack", ack)
	}
	waitFor(t, "the local viewer to catch up", func() bool {
		seq, up, n := viewer.state()
		return up && seq >= ack.Seq && n >= len(lines)
	})
	replay := r.relay.Status().LiveBytes - liveBefore
	viewer.check(t, lines)
	var flowing time.Time
	waitFor(t, "the venue to be heard again", func() bool {
		var ok bool
		flowing, ok = e.heardAfter(until)
		return ok
	})
	snap, err := r.m.rooms.Snapshot(context.Background(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	hubs := 0
	for _, q := range snap.Queue {
		if q.Sub == "nairobi" {
			hubs++
		}
	}
	if hubs != 1 {
		t.Errorf("the plenary has %d requests of the hub, want 1", hubs)
	}

	viewer.mu.Lock()
	caught := viewer.at[missed]
	for _, l := range lines {
		caught = later(caught, viewer.lines[l])
	}
	viewer.mu.Unlock()
	notice := "not told the link was down (shorter than the relay's read wait)"
	if notices {
		notice = fmt.Sprintf("told the link was down %v after the cut", toldAfter.Round(time.Millisecond))
	}
	t.Logf("a %v cut of the poor link, TCP %s: %s; after it, every missed event and line at the local viewer in %v (%.1f KiB of live messages down the link), the venue heard again in %v (%d upstream connections)",
		d, map[impair.CutMode]string{impair.Reset: "reset", impair.Stall: "stalled"}[mode], notice,
		caught.Sub(until).Round(time.Millisecond), float64(replay)/1024, flowing.Sub(until).Round(time.Millisecond), r.relay.Status().Connections)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
