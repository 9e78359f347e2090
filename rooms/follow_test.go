package rooms_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

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

// A node learns, unasked, of what another node appends to the room and
// the transcript channel it follows, and lets go of both once released.
func TestFollowLearnsOfOtherNodesEntries(t *testing.T) {
	c, prefix := redistest.Client(t)
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	storeA, storeB := redisstore.New(c, prefix), redisstore.New(redistest.NewClient(t), prefix)
	t.Cleanup(func() { storeA.Close(); storeB.Close() })
	nodeA, nodeB := rooms.NewService(storeA, log, nil), rooms.NewService(storeB, log, nil)
	transcriptsA, transcriptsB := rooms.NewTranscripts(nodeA, log), rooms.NewTranscripts(nodeB, log)
	seen := make(observed, 256)
	defer nodeA.Subscribe(seen)()
	defer transcriptsA.Subscribe(seen)()

	if _, err := nodeB.Create(ctx, chair, rooms.RoomSpec{ID: "plenary"}); err != nil {
		t.Fatal(err)
	}
	if _, err := transcriptsB.Post(ctx, "plenary", stenographer, "en", 1, "Good morning.\n"); err != nil {
		t.Fatal(err)
	}
	var releases []func()
	if err := nodeA.View(ctx, "plenary", func(st *rooms.State) { releases = append(releases, nodeA.Follow("plenary", st.Seq)) }); err != nil {
		t.Fatal(err)
	}
	if err := transcriptsA.View(ctx, "plenary", "en", func(ch *rooms.Channel) {
		releases = append(releases, transcriptsA.Follow("plenary", "en", ch.Seq))
	}); err != nil {
		t.Fatal(err)
	}

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
