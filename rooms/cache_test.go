package rooms_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
)

// readLog is a store that notes where each read of each log starts: a read
// from 0 is a log folded afresh.
type readLog struct {
	rooms.Store
	mu    sync.Mutex
	after map[rooms.LogID]uint64
}

func (s *readLog) Read(ctx context.Context, id rooms.LogID, after uint64, limit int) ([]rooms.Event, error) {
	s.mu.Lock()
	s.after[id] = after
	s.mu.Unlock()
	return s.Store.Read(ctx, id, after, limit)
}

// lastReadFrom is where the last read of id started, and false if id was
// not read at all.
func (s *readLog) lastReadFrom(id rooms.LogID) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	after, ok := s.after[id]
	delete(s.after, id)
	return after, ok
}

// evictionNode is a node on the embedded store with a clock the test moves.
type evictionNode struct {
	t     *testing.T
	store *readLog
	svc   *rooms.Service
	tr    *rooms.Transcripts
	now   time.Time
}

func newEvictionNode(t *testing.T) *evictionNode {
	t.Helper()
	fs, err := filestore.OpenWithOptions(t.TempDir(), filestore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	n := &evictionNode{t: t, store: &readLog{Store: fs, after: map[rooms.LogID]uint64{}}, now: t0}
	log := slog.New(slog.DiscardHandler)
	n.svc = rooms.NewService(n.store, log, func() time.Time { return n.now })
	n.tr = rooms.NewTranscripts(n.svc, log)
	return n
}

func (n *evictionNode) open(id string) {
	n.t.Helper()
	if _, err := n.svc.Create(context.Background(), chair, rooms.RoomSpec{ID: id, Policy: &queue.Policy{Kind: queue.PolicyBalanced}}); err != nil {
		n.t.Fatal(err)
	}
	for _, p := range []rooms.Participant{amina, carlos, mei} {
		n.do(id, p, cmd(rooms.CmdRaiseHand))
	}
	n.do(id, chair, cmd(rooms.CmdCallNext))
}

func (n *evictionNode) do(room string, who rooms.Participant, c rooms.Command) {
	n.t.Helper()
	if _, err := n.svc.Execute(context.Background(), room, who, c); err != nil {
		n.t.Fatal(err)
	}
}

// snapshot is room's snapshot as JSON, at a fixed time so two agree.
func (n *evictionNode) snapshot(room string) string {
	n.t.Helper()
	var snap rooms.Snapshot
	if err := n.svc.View(context.Background(), room, func(st *rooms.State) { snap = st.Snapshot(t0) }); err != nil {
		n.t.Fatal(err)
	}
	return mustJSON(n.t, snap)
}

// later moves the clock on by d and uses another room, which is when a
// cache looks for what to evict.
func (n *evictionNode) later(d time.Duration) {
	n.t.Helper()
	n.now = n.now.Add(d)
	if _, err := n.svc.Snapshot(context.Background(), "busy"); err != nil {
		n.t.Fatal(err)
	}
	n.tr.FinishIdle(context.Background())
}

// reloaded reports whether the last read of log id started from the
// beginning, as it does when the log was evicted and folded afresh.
func (n *evictionNode) reloaded(id rooms.LogID) bool {
	n.t.Helper()
	after, ok := n.store.lastReadFrom(id)
	if !ok {
		n.t.Fatalf("log %s was not read", id)
	}
	return after == 0
}

// A room nobody follows and nobody asks anything of is evicted after a
// while, a closed one sooner, and an evicted room is folded afresh from
// its log on its next use, identical.
func TestRoomsUnusedAreEvictedAndReloadedIdentical(t *testing.T) {
	n := newEvictionNode(t)
	for _, id := range []string{"busy", "idle", "closed", "closed-followed"} {
		n.open(id)
	}
	n.do("closed", chair, cmd(rooms.CmdCloseRoom))
	n.do("closed-followed", chair, cmd(rooms.CmdCloseRoom))
	var release func()
	n.svc.View(context.Background(), "closed-followed", func(st *rooms.State) { release = n.svc.Follow("closed-followed", st.Seq) })
	want := map[string]string{}
	for _, id := range []string{"idle", "closed", "closed-followed"} {
		want[id] = n.snapshot(id)
		n.store.lastReadFrom(rooms.RoomLog(id))
	}

	n.later(rooms.ClosedEviction + rooms.SweepEvery)
	for id, evicted := range map[string]bool{"idle": false, "closed": true, "closed-followed": false} {
		if got := n.snapshot(id); got != want[id] {
			t.Errorf("%s after %s: snapshot\n%s\nwant\n%s", id, rooms.ClosedEviction, got, want[id])
		}
		if n.reloaded(rooms.RoomLog(id)) != evicted {
			t.Errorf("%s after %s unused: evicted = %v, want %v", id, rooms.ClosedEviction, !evicted, evicted)
		}
	}

	release()
	n.later(rooms.IdleEviction + rooms.SweepEvery)
	for _, id := range []string{"idle", "closed-followed"} {
		if got := n.snapshot(id); got != want[id] {
			t.Errorf("%s reloaded: snapshot\n%s\nwant\n%s", id, got, want[id])
		}
		if !n.reloaded(rooms.RoomLog(id)) {
			t.Errorf("%s after %s unused and unfollowed: still cached", id, rooms.IdleEviction)
		}
	}
}

// A transcript channel goes with its room, and when idle, and comes back
// from its log identical.
func TestChannelsUnusedAreEvictedAndReloadedIdentical(t *testing.T) {
	n := newEvictionNode(t)
	n.open("busy")
	segments := func(room string) string {
		var out []rooms.Segment
		if err := n.tr.View(context.Background(), room, "en", func(c *rooms.Channel) { out = c.Segments(0, 0) }); err != nil {
			t.Fatal(err)
		}
		return mustJSON(t, out)
	}
	want := map[string]string{}
	for _, id := range []string{"idle", "closed"} {
		n.open(id)
		for i, line := range []string{"Good morning.\n", "We begin with item two.\n"} {
			if _, err := n.tr.Post(context.Background(), id, stenographer, "en", uint64(i+1), line); err != nil {
				t.Fatal(err)
			}
		}
		want[id] = segments(id)
	}
	n.do("closed", chair, cmd(rooms.CmdCloseRoom))
	n.store.lastReadFrom(rooms.TranscriptLog("closed", "en"))
	n.store.lastReadFrom(rooms.TranscriptLog("idle", "en"))

	n.later(rooms.ClosedEviction + rooms.SweepEvery) // the closed room goes
	n.later(rooms.SweepEvery)                        // and its channel after it
	if got := segments("closed"); got != want["closed"] {
		t.Errorf("closed room's channel reloaded: %s, want %s", got, want["closed"])
	}
	if !n.reloaded(rooms.TranscriptLog("closed", "en")) {
		t.Error("the channel of a closed room was kept")
	}
	if segments("idle"); n.reloaded(rooms.TranscriptLog("idle", "en")) {
		t.Error("the channel of an open room was evicted before it was idle")
	}

	n.later(rooms.IdleEviction + rooms.SweepEvery)
	if got := segments("idle"); got != want["idle"] {
		t.Errorf("idle channel reloaded: %s, want %s", got, want["idle"])
	}
	if !n.reloaded(rooms.TranscriptLog("idle", "en")) {
		t.Error("an idle channel was kept")
	}
}
