package redisstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// MediaHolder reads the lease that ClaimMedia sets, and claims nothing.
func TestTheMediaHolderIsReadWithoutClaiming(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, prefix)
	ctx := t.Context()
	holder := func(want string) {
		t.Helper()
		if got, err := s.MediaHolder(ctx, "plenary"); err != nil || got != want {
			t.Fatalf("holder: %q %v, want %q", got, err, want)
		}
	}
	holder("")
	holder("") // still free: reading took nothing
	if _, err := s.ClaimMedia(ctx, "plenary", "http://a", time.Minute); err != nil {
		t.Fatal(err)
	}
	holder("http://a")
	if err := s.ReleaseMedia(ctx, "plenary", "http://a"); err != nil {
		t.Fatal(err)
	}
	holder("")
}

// The registry is one key: nodes announcing through clients on different
// masters of a cluster see one another, and a room's lease holder is read
// from its own slot.
func TestClusterNodes(t *testing.T) {
	t.Parallel()
	cluster := redistest.NewCluster(t)
	c, prefix := cluster.Client(t)
	a, b := redisstore.New(c, prefix), redisstore.New(cluster.NewClient(t), prefix)
	ctx := t.Context()
	for _, n := range []struct {
		s    *redisstore.Store
		node string
	}{{a, "http://a"}, {b, "http://b"}} {
		if err := n.s.Announce(ctx, n.node, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := b.Live(ctx); err != nil || !slices.Equal(got, []string{"http://a", "http://b"}) {
		t.Fatalf("live: %q %v", got, err)
	}
	for _, room := range []string{"plenary", "side", "press"} {
		if _, err := a.ClaimMedia(ctx, room, "http://a", time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, err := b.MediaHolder(ctx, room); err != nil || got != "http://a" {
			t.Fatalf("holder of %s: %q %v", room, got, err)
		}
	}
}
