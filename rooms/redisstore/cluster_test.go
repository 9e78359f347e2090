package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/rooms/storetest"
)

// The whole store suite against a real three-master Redis Cluster: the one
// $PARLEY_TEST_REDIS_CLUSTER names, or one of this test's own.
func TestCluster(t *testing.T) {
	t.Parallel()
	cluster := redistest.NewCluster(t)
	store := func(t *testing.T) *redisstore.Store {
		c, prefix := cluster.Client(t)
		return redisstore.New(c, prefix)
	}
	t.Run("Conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) rooms.Store { return store(t) })
	})
	t.Run("Durable", func(t *testing.T) {
		storetest.RunDurable(t, func(t *testing.T) (rooms.Store, func() rooms.Store) {
			c, prefix := cluster.Client(t)
			return redisstore.New(c, prefix), func() rooms.Store { return redisstore.New(cluster.NewClient(t), prefix) }
		})
	})
	t.Run("Shared", func(t *testing.T) {
		storetest.RunShared(t, func(t *testing.T) []rooms.Store {
			c, prefix := cluster.Client(t)
			return []rooms.Store{redisstore.New(c, prefix), redisstore.New(cluster.NewClient(t), prefix)}
		})
	})
	t.Run("FollowManyLogs", func(t *testing.T) {
		c, prefix := cluster.Client(t)
		followManyLogs(t, c, cluster.NewClient(t), prefix)
	})
	t.Run("FollowAcrossMasters", func(t *testing.T) { followAcrossMasters(t, cluster) })
	t.Run("Presence", func(t *testing.T) { presenceAddsUp(t, store(t)) })
	t.Run("MediaLease", func(t *testing.T) {
		c, prefix := cluster.Client(t)
		a, b := redisstore.New(c, prefix), redisstore.New(cluster.NewClient(t), prefix)
		for _, room := range []string{"plenary", "side", "press"} {
			if holder, err := a.ClaimMedia(t.Context(), room, "node-a", time.Minute); err != nil || holder != "node-a" {
				t.Fatalf("node a claims %s: %q, %v", room, holder, err)
			}
			if holder, err := b.ClaimMedia(t.Context(), room, "node-b", time.Minute); err != nil || holder != "node-a" {
				t.Fatalf("node b claims %s held by a: %q, %v", room, holder, err)
			}
		}
	})
	t.Run("RoomIndexFailure", func(t *testing.T) { roomIndexFailure(t, cluster) })
	t.Run("Ready", func(t *testing.T) { clusterReady(t, cluster) })
	t.Run("Reindex", func(t *testing.T) {
		c, prefix := cluster.Client(t)
		reindexesOldRooms(t, c, func() redis.UniversalClient { return cluster.NewClient(t) }, prefix)
	})
}

// One Follow reads rooms whose slots several masters serve, and every
// entry reaches it.
func followAcrossMasters(t *testing.T, cluster *redistest.Cluster) {
	c, prefix := cluster.Client(t)
	writer := redisstore.New(c, prefix)
	follower := redisstore.New(cluster.NewClient(t), prefix)
	ctx := t.Context()
	set := &logSet{logs: map[rooms.LogID]uint64{}}
	masters := map[string]bool{}
	var ids []string
	for i := range 12 {
		id := fmt.Sprint("room-", i)
		ids = append(ids, id)
		set.logs[rooms.RoomLog(id)] = 0
		node, err := c.(*redis.ClusterClient).MasterForKey(ctx, prefix+":{"+id+"}:log")
		if err != nil {
			t.Fatal(err)
		}
		masters[node.Options().Addr] = true
	}
	if len(masters) < 2 {
		t.Fatalf("12 rooms on %d masters; the test needs them spread", len(masters))
	}

	var mu sync.Mutex
	got := map[string][]uint64{}
	done := make(chan error, 1)
	go func() {
		done <- follower.Follow(ctx, set.current, func(_ context.Context, id rooms.LogID, entries []rooms.Event) {
			mu.Lock()
			defer mu.Unlock()
			for _, e := range entries {
				got[id.Room] = append(got[id.Room], e.Seq)
			}
		}, func(context.Context, rooms.LogID, uint64) {})
	}()
	for n := range 3 {
		for _, id := range ids {
			if _, err := writer.Append(ctx, rooms.RoomLog(id), uint64(n), []rooms.Event{event(n + 1)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		complete := len(got) == len(ids)
		for _, seqs := range got {
			complete = complete && slices.Equal(seqs, []uint64{1, 2, 3})
		}
		mu.Unlock()
		if complete {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("Follow read %v, want 1, 2, 3 of each of %d rooms", got, len(ids))
		}
	}
	for _, id := range ids {
		set.set(rooms.RoomLog(id), 0, false)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Follow: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow went on with no logs left")
	}
}

// The rooms index lives on a master of its own slot. With that master
// down, opening a room on another master fails and leaves nothing behind;
// once it is back, the room opens and is listed.
func roomIndexFailure(t *testing.T, cluster *redistest.Cluster) {
	if cluster.Nodes == nil {
		t.Skip("needs a cluster of the test's own, to stop one of its masters")
	}
	c, prefix := cluster.Client(t)
	cc := c.(*redis.ClusterClient)
	s := redisstore.New(c, prefix)
	ctx := t.Context()
	indexNode, err := cc.MasterForKey(ctx, prefix+":rooms")
	if err != nil {
		t.Fatal(err)
	}
	var room string
	for i := 0; room == ""; i++ {
		node, err := cc.MasterForKey(ctx, fmt.Sprintf("%s:{room-%d}:log", prefix, i))
		if err != nil {
			t.Fatal(err)
		}
		if node.Options().Addr != indexNode.Options().Addr {
			room = fmt.Sprint("room-", i)
		}
	}
	var down *redistest.Server
	for _, n := range cluster.Nodes {
		if n.Addr() == indexNode.Options().Addr {
			down = n
		}
	}
	down.Stop()
	_, err = s.Append(ctx, rooms.RoomLog(room), 0, []rooms.Event{event(1)})
	if !errors.Is(err, rooms.ErrUnavailable) {
		t.Errorf("opening a room with the index's master down: %v, want ErrUnavailable", err)
	}
	if n, err := s.LastSeq(ctx, rooms.RoomLog(room)); err != nil || n != 0 {
		t.Errorf("the room's log after the failed opening is at %d (%v), want empty", n, err)
	}
	down.Start()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err = s.Append(ctx, rooms.RoomLog(room), 0, []rooms.Event{event(1)})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling for the master to serve again
	}
	if err != nil {
		t.Fatalf("opening the room once the index's master is back: %v", err)
	}
	if ids, err := s.Rooms(ctx); err != nil || !slices.Equal(ids, []string{room}) {
		t.Errorf("Rooms = %v, %v; want [%s]", ids, err, room)
	}
}
