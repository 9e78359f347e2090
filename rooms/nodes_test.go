package rooms_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// sharedStores open, for each store, the stores two nodes would use: one
// embedded store shared in-process, or two Redis clients on one server.
var sharedStores = map[string]func(t *testing.T) (a, b rooms.Store){
	"embedded": func(t *testing.T) (rooms.Store, rooms.Store) {
		s, err := filestore.OpenWithOptions(t.TempDir(), filestore.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, s
	},
	"redis": func(t *testing.T) (rooms.Store, rooms.Store) {
		c, prefix := redistest.Client(t)
		return redisstore.New(c, prefix), redisstore.New(redistest.NewClient(t), prefix)
	},
}

// Two nodes whose chairs press "next speaker" at the same moments must give
// the floor to one speaker at a time and agree on one log.
func TestTwoNodesNeverGrantTheFloorTwice(t *testing.T) {
	for name, open := range sharedStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			storeA, storeB := open(t)
			log := slog.New(slog.DiscardHandler)
			nodeA, nodeB := rooms.NewService(storeA, log, nil), rooms.NewService(storeB, log, nil)
			if _, err := nodeA.Create(ctx, chair, rooms.RoomSpec{ID: "plenary", Policy: &queue.Policy{Kind: queue.PolicyBalanced}}); err != nil {
				t.Fatal(err)
			}
			const speakers = 40
			for i := range speakers {
				p := rooms.Participant{Sub: fmt.Sprintf("p%d", i), Role: rooms.RoleParticipant, Group: []string{"government", "civil-society", "academia"}[i%3]}
				node := []*rooms.Service{nodeA, nodeB}[i%2]
				if _, err := node.Execute(ctx, "plenary", p, cmd(rooms.CmdRaiseHand)); err != nil {
					t.Fatal(err)
				}
			}

			var wg sync.WaitGroup
			var mu sync.Mutex
			granted := 0
			for _, node := range []*rooms.Service{nodeA, nodeB} {
				wg.Go(func() {
					for range speakers {
						_, err := node.Execute(ctx, "plenary", chair, cmd(rooms.CmdCallNext))
						if errors.Is(err, rooms.ErrState) {
							return // the queue is empty
						}
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						granted++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if granted != speakers {
				t.Errorf("%d call_next succeeded, want %d (one per speaker)", granted, speakers)
			}

			evs, err := storeA.Read(ctx, rooms.RoomLog("plenary"), 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkOneFloorAtATime(t, evs)

			now := time.Now()
			var snapA, snapB rooms.Snapshot
			nodeA.View(ctx, "plenary", func(st *rooms.State) { snapA = st.Snapshot(now) })
			nodeB.View(ctx, "plenary", func(st *rooms.State) { snapB = st.Snapshot(now) })
			if mustJSON(t, snapA) != mustJSON(t, snapB) {
				t.Errorf("nodes disagree:\n%s\n%s", mustJSON(t, snapA), mustJSON(t, snapB))
			}
		})
	}
}

// checkOneFloorAtATime checks a log: every grant after the first follows the
// release of the previous grant, and nobody is granted the floor twice for
// one request.
func checkOneFloorAtATime(t *testing.T, evs []rooms.Event) {
	t.Helper()
	holder := ""
	seen := map[string]bool{}
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("log has a gap: event %d has seq %d", i, e.Seq)
		}
		switch e.Type {
		case rooms.EvFloorGranted:
			var g rooms.FloorGranted
			decode(t, e, &g)
			if holder != "" {
				t.Fatalf("seq %d grants %s while %s holds the floor", e.Seq, g.Request, holder)
			}
			if seen[g.Request] {
				t.Fatalf("seq %d grants %s a second time", e.Seq, g.Request)
			}
			holder, seen[g.Request] = g.Request, true
		case rooms.EvFloorReleased:
			var r rooms.FloorReleased
			decode(t, e, &r)
			if r.Request != holder {
				t.Fatalf("seq %d releases %s, but %q holds the floor", e.Seq, r.Request, holder)
			}
			holder = ""
		}
	}
}
