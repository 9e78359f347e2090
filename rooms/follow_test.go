package rooms_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// observed passes on what a node folds in, as "log type".
type observed chan string

func (o observed) Applied(room string, e rooms.Event, _ *rooms.State) {
	o <- room + " " + e.Type
}

func (o observed) SegmentChanged(room, lang string, e rooms.Event, seg rooms.Segment) {
	o <- rooms.TranscriptLog(room, lang).String() + " " + seg.Text
}

func (o observed) Reset(room string, st *rooms.State) {
	o <- fmt.Sprintf("%s reset %d", room, st.Seq)
}

func (o observed) ChannelReset(room, lang string, ch *rooms.Channel) {
	o <- fmt.Sprintf("%s reset %d", rooms.TranscriptLog(room, lang), ch.Seq)
}

// awaitAll waits until each of wants has been folded, in any order.
func (o observed) awaitAll(t *testing.T, wants ...string) {
	t.Helper()
	missing := map[string]bool{}
	for _, w := range wants {
		missing[w] = true
	}
	deadline := time.After(20 * time.Second)
	for len(missing) > 0 {
		select {
		case got := <-o:
			delete(missing, got)
		case <-deadline:
			t.Fatalf("never folded %v", missing)
		}
	}
}

func (o observed) await(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-o:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("never folded %q", want)
		}
	}
}

// nodes are two nodes sharing a store: B writes, A follows, logging to
// log, and seen is told of what A folds in.
type nodes struct {
	a, b   *rooms.Service
	ta, tb *rooms.Transcripts
	seen   observed
}

func newNodes(t *testing.T, storeA, storeB rooms.Store, log *slog.Logger) *nodes {
	t.Cleanup(func() { storeA.Close(); storeB.Close() })
	n := &nodes{a: rooms.NewService(storeA, log, nil), b: rooms.NewService(storeB, slog.New(slog.DiscardHandler), nil), seen: make(observed, 256)}
	n.ta, n.tb = rooms.NewTranscripts(n.a, log), rooms.NewTranscripts(n.b, log)
	t.Cleanup(n.a.Subscribe(n.seen))
	t.Cleanup(n.ta.Subscribe(n.seen))
	return n
}

// followPlenary has node A follow the plenary and its English transcript,
// as a live feed does, until the returned releases are called.
func (n *nodes) followPlenary(t *testing.T) (releases []func()) {
	t.Helper()
	ctx := context.Background()
	if err := n.a.View(ctx, "plenary", func(st *rooms.State) { releases = append(releases, n.a.Follow("plenary", st.Seq)) }); err != nil {
		t.Fatal(err)
	}
	if err := n.ta.View(ctx, "plenary", "en", func(ch *rooms.Channel) {
		releases = append(releases, n.ta.Follow("plenary", "en", ch.Seq))
	}); err != nil {
		t.Fatal(err)
	}
	return releases
}

// A node learns, unasked, of what another node appends to the room and
// the transcript channel it follows, and lets go of both once released.
func TestFollowLearnsOfOtherNodesEntries(t *testing.T) {
	c, prefix := redistest.Client(t)
	ctx := context.Background()
	n := newNodes(t, redisstore.New(c, prefix), redisstore.New(redistest.NewClient(t), prefix), slog.New(slog.DiscardHandler))
	nodeA, nodeB, transcriptsB, seen := n.a, n.b, n.tb, n.seen

	if _, err := nodeB.Create(ctx, chair, rooms.RoomSpec{ID: "plenary"}); err != nil {
		t.Fatal(err)
	}
	if _, err := transcriptsB.Post(ctx, "plenary", stenographer, "en", 1, "Good morning.\n"); err != nil {
		t.Fatal(err)
	}
	releases := n.followPlenary(t)

	if _, err := nodeB.Execute(ctx, "plenary", amina, cmd(rooms.CmdRaiseHand)); err != nil {
		t.Fatal(err)
	}
	seen.await(t, "plenary "+rooms.EvHandRaised)
	if _, err := transcriptsB.Post(ctx, "plenary", stenographer, "en", 2, "We begin.\n"); err != nil {
		t.Fatal(err)
	}
	seen.await(t, "plenary/transcript-en We begin.")

	if got, want := fmt.Sprint(nodeA.Following()), fmt.Sprint([]rooms.LogID{rooms.RoomLog("plenary"), rooms.TranscriptLog("plenary", "en")}); got != want {
		t.Errorf("node A follows %s, want %s", got, want)
	}
	for _, release := range releases {
		release()
	}
	if got := nodeA.Following(); len(got) != 0 {
		t.Errorf("released, node A still follows %v", got)
	}
}

// When Redis comes back empty, the follower notices by itself that the
// logs it follows end before where it reads them: the loss is a fault
// (ERROR, Ready failing), the room and the channel are reloaded and their
// observers told, and the logs written anew from seq 1 are read again.
func TestFollowerFindsALostLog(t *testing.T) {
	srv := redistest.StartServer(t)
	opts, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// A file, which the test may read while the follower writes to it.
	logs, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logs.Close() })
	n := newNodes(t, redisstore.New(redis.NewClient(opts), ""), redisstore.New(redis.NewClient(opts), ""), slog.New(slog.NewTextHandler(logs, nil)))
	nodeA, nodeB, transcriptsB, seen := n.a, n.b, n.tb, n.seen

	if _, err := nodeB.Create(ctx, chair, rooms.RoomSpec{ID: "plenary"}); err != nil {
		t.Fatal(err)
	}
	if _, err := nodeB.Execute(ctx, "plenary", amina, cmd(rooms.CmdRaiseHand)); err != nil {
		t.Fatal(err)
	}
	if _, err := transcriptsB.Post(ctx, "plenary", stenographer, "en", 1, "Good morning.\n"); err != nil {
		t.Fatal(err)
	}
	for _, release := range n.followPlenary(t) {
		defer release()
	}

	srv.Wipe()
	srv.Start()
	seen.awaitAll(t, "plenary reset 0", "plenary/transcript-en reset 0")
	if err := nodeA.Ready(ctx); !errors.Is(err, rooms.ErrLost) {
		t.Errorf("Ready after the follower found the loss: %v, want ErrLost", err)
	}
	if logged, _ := os.ReadFile(logs.Name()); !strings.Contains(string(logged), "level=ERROR") {
		t.Errorf("the loss the follower found was not logged at ERROR:\n%s", logged)
	}

	// Written anew from seq 1 by another node, the log is read again.
	if _, err := nodeB.Create(ctx, chair, rooms.RoomSpec{ID: "plenary", Title: "Again"}); err != nil {
		t.Fatal(err)
	}
	if err := nodeA.View(ctx, "plenary", func(st *rooms.State) {}); err != nil {
		t.Fatal(err)
	}
	if _, err := nodeB.Execute(ctx, "plenary", carlos, cmd(rooms.CmdRaiseHand)); err != nil {
		t.Fatal(err)
	}
	seen.await(t, "plenary "+rooms.EvHandRaised)
	// Node B finds its own copy of the channel lost on its first post.
	_, err = transcriptsB.Post(ctx, "plenary", stenographer, "en", 1, "Once more.\n")
	if errors.Is(err, rooms.ErrLost) {
		_, err = transcriptsB.Post(ctx, "plenary", stenographer, "en", 1, "Once more.\n")
	}
	if err != nil {
		t.Fatal(err)
	}
	seen.await(t, "plenary/transcript-en Once more.")
}
