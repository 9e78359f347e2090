package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// A cluster with every master up is ready, and Ping wrote on each master.
func clusterReady(t *testing.T, cluster *redistest.Cluster) {
	c, prefix := cluster.Client(t)
	s := redisstore.New(c, prefix)
	ctx := t.Context()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping of a cluster with every master up: %v", err)
	}
	err := c.(*redis.ClusterClient).ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		keys, err := node.Keys(ctx, prefix+":ping:*").Result()
		if err == nil && len(keys) == 0 {
			err = errors.New("no ping key")
		}
		if err != nil {
			return fmt.Errorf("master %s: %w", node.Options().Addr, err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("after Ping: %v", err)
	}
}

// A cluster with a master down, or with a master that says the cluster is
// not ok, is not ready; it is again once the master is back. The cluster is
// the test's own, for the shared one must keep all its masters.
func TestClusterNotReady(t *testing.T) {
	t.Parallel()
	cluster := redistest.StartCluster(t)
	c, prefix := cluster.Client(t)
	s := redisstore.New(c, prefix)
	ctx := t.Context()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping with every master up: %v", err)
	}

	down := cluster.Nodes[1]
	down.Stop()
	if err := s.Ping(ctx); !errors.Is(err, rooms.ErrUnavailable) {
		t.Errorf("Ping with master %s down: %v, want ErrUnavailable", down.Addr(), err)
	}
	down.Start()
	cluster.AwaitOK(t)
	awaitReady(t, s, "master "+down.Addr()+" is back")

	// A slot that no master serves, in the view of the master that gave it
	// up: that master says the cluster fails, though every process is up.
	node := redis.NewClient(&redis.Options{Addr: cluster.Addrs[0]})
	defer node.Close()
	slot := ownSlot(t, node)
	if err := node.ClusterDelSlots(ctx, slot).Err(); err != nil {
		t.Fatal(err)
	}
	awaitNotOK(t, node)
	if err := s.Ping(ctx); !errors.Is(err, rooms.ErrUnavailable) {
		t.Errorf("Ping with slot %d unserved: %v, want ErrUnavailable", slot, err)
	}
	if err := node.ClusterAddSlots(ctx, slot).Err(); err != nil {
		t.Fatal(err)
	}
	cluster.AwaitOK(t)
	awaitReady(t, s, fmt.Sprintf("slot %d is served again", slot))
}

// ownSlot is the first slot the master node serves.
func ownSlot(t *testing.T, node *redis.Client) int {
	t.Helper()
	slots, err := node.ClusterSlots(t.Context()).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range slots {
		if r.Nodes[0].Addr == node.Options().Addr {
			return int(r.Start)
		}
	}
	t.Fatalf("master %s serves no slot: %v", node.Options().Addr, slots)
	return 0
}

// awaitNotOK waits until node says its cluster is not ok.
func awaitNotOK(t *testing.T, node *redis.Client) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info, err := node.ClusterInfo(t.Context()).Result()
		if err == nil && !strings.Contains(info, "cluster_state:ok") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still says: %s (%v)", node.Options().Addr, info, err)
		}
	}
}

// awaitReady waits until s pings, after what says.
func awaitReady(t *testing.T, s *redisstore.Store, what string) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if err = s.Ping(t.Context()); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ping once %s: %v", what, err)
		}
	}
}
