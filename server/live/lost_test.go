package live_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/protocol"
)

// When Redis comes back with less than the node served (restored from an
// older backup, or empty), the node finds out by itself, and the live
// clients do not go on with seqs of the old log: each gets a fresh
// snapshot and the transcript's recent segments, resumes count from the
// log as it is now, and once the room is gone they are closed as for a
// room that is gone.
func TestLiveAfterTheStoreLostEvents(t *testing.T) {
	srv := redistest.StartServer(t)
	opts, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	// A file, which the test may read while the node writes to it.
	logs, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logs.Close() })
	h := newHarnessOver(t, redisstore.New(redis.NewClient(opts), ""), slog.New(slog.NewTextHandler(logs, nil)))
	h.plenary(t)
	raise := func(sub string) { h.command(t, sub, rooms.RoleParticipant, `{"type":"raise_hand"}`) }
	caption := func(n uint64, text string) {
		t.Helper()
		if _, err := h.transcripts.Post(context.Background(), "plenary", rooms.Participant{Sub: "cart", Role: rooms.RoleCaptioner}, "en", n, text); err != nil {
			t.Fatal(err)
		}
	}
	raise("alice")
	caption(1, "One.\n")
	restore := srv.Checkpoint() // the room at seq 3 (its language listed), the transcript at one line
	raise("bob")
	raise("carla")
	caption(2, "Two.\n")

	c := h.dial(t, "plenary", who("alice", rooms.RoleParticipant))
	c.Welcome()
	if m := c.NextOf(protocol.TypeSnapshot); m.Snapshot.Seq != 5 {
		t.Fatalf("snapshot at seq %d, want 5", m.Snapshot.Seq)
	}
	c.Send(protocol.ClientMessage{Type: protocol.TypeTranscript, ID: "t1", Langs: []string{"en"}})
	if m := c.NextOf(protocol.TypeSegments); len(m.Segments) != 2 {
		t.Fatalf("transcript backlog of %d segments, want 2", len(m.Segments))
	}
	c.NextOf(protocol.TypeAck)

	restore()
	snap, segs := resent(c)
	if snap.Seq != 3 || len(snap.Queue) != 1 || snap.Queue[0].Sub != "alice" {
		t.Errorf("after the loss: snapshot at seq %d with %d queued, want the store's: seq 3, alice alone", snap.Seq, len(snap.Queue))
	}
	if len(segs.Segments) != 1 || segs.Segments[0].Text != "One." {
		t.Errorf("after the loss: transcript %+v, want the store's one line", segs.Segments)
	}
	if err := h.rooms.Ready(context.Background()); !errors.Is(err, rooms.ErrLost) {
		t.Errorf("Ready after the loss: %v, want ErrLost", err)
	}
	if logged, _ := os.ReadFile(logs.Name()); !strings.Contains(string(logged), "level=ERROR") {
		t.Errorf("the loss was not logged at ERROR:\n%s", logged)
	}

	// The log goes on from what the store has, live and on resume.
	raise("dave")
	if m := c.NextOf(protocol.TypeEvent); m.Seq != 4 || m.Event.Actor.Sub != "dave" {
		t.Errorf("next event: seq %d by %s, want 4 by dave", m.Seq, m.Event.Actor.Sub)
	}
	fromOld := h.dial(t, "plenary", who("bob", rooms.RoleParticipant, "after", "5"))
	fromOld.Welcome()
	if m := fromOld.NextOf(protocol.TypeSnapshot); m.Snapshot.Seq != 4 {
		t.Errorf("resuming after seq 5 of the old log: snapshot at seq %d, want 4", m.Snapshot.Seq)
	}
	fromNew := h.dial(t, "plenary", who("bob", rooms.RoleParticipant, "after", "3"))
	fromNew.Welcome()
	if m := fromNew.Next(); m.Type != protocol.TypeEvent || m.Seq != 4 || m.Event.Actor.Sub != "dave" {
		t.Errorf("resuming after seq 3: %s %d by %v, want dave's event 4 of the log as it is", m.Type, m.Seq, m.Event)
	}

	srv.Wipe()
	srv.Start()
	for _, conn := range []*livetest.Conn{c, fromOld, fromNew} {
		if code := conn.CloseCode(); code != protocol.CloseRoomGone {
			t.Errorf("the room gone from the store: close code %d, want %d", code, protocol.CloseRoomGone)
		}
	}
}

// resent reads what c is sent after a loss, a snapshot and the
// transcript's segments in either order, and returns both.
func resent(c *livetest.Conn) (rooms.Snapshot, protocol.ServerMessage) {
	c.T.Helper()
	var snap *rooms.Snapshot
	var segs *protocol.ServerMessage
	for snap == nil || segs == nil {
		switch m := c.Next(); m.Type {
		case protocol.TypeSnapshot:
			snap = m.Snapshot
		case protocol.TypeSegments:
			segs = &m
		case protocol.TypeNotes:
		default:
			c.T.Fatalf("after the loss, %s %d came before the snapshot and segments", m.Type, m.Seq)
		}
	}
	return *snap, *segs
}
