package rooms_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// Nodes announce themselves and withdraw; one that stops renewing drops
// out of the live ones when its announcement lapses. Two nodes see the
// same registry, in the same order.
func TestTheRegistryOfNodesListsTheLiveOnes(t *testing.T) {
	for name, open := range sharedStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a, b := open(t)
			nodesA, nodesB := a.(rooms.Nodes), b.(rooms.Nodes)
			ctx := context.Background()
			announce := func(n rooms.Nodes, node string, ttl time.Duration) {
				t.Helper()
				if err := n.Announce(ctx, node, ttl); err != nil {
					t.Fatalf("announce %s: %v", node, err)
				}
			}
			live := func(n rooms.Nodes) []string {
				t.Helper()
				got, err := n.Live(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			announce(nodesB, "http://b", time.Minute)
			announce(nodesA, "http://a", time.Minute)
			announce(nodesA, "http://a", time.Minute) // renewed, still once
			for _, n := range []rooms.Nodes{nodesA, nodesB} {
				if got := live(n); !slices.Equal(got, []string{"http://a", "http://b"}) {
					t.Fatalf("live: %q, want a and b, sorted", got)
				}
			}
			if err := nodesA.Withdraw(ctx, "http://a"); err != nil {
				t.Fatal(err)
			}
			if err := nodesA.Withdraw(ctx, "http://a"); err != nil {
				t.Fatalf("withdrawing twice: %v", err)
			}
			if got := live(nodesB); !slices.Equal(got, []string{"http://b"}) {
				t.Fatalf("live after a withdrew: %q", got)
			}

			// c announces once, briefly, and never again.
			announce(nodesB, "http://c", 300*time.Millisecond)
			if got := live(nodesA); !slices.Contains(got, "http://c") {
				t.Fatalf("live just after c announced: %q", got)
			}
			deadline := time.Now().Add(20 * time.Second)
			for slices.Contains(live(nodesA), "http://c") {
				if time.Now().After(deadline) {
					t.Fatal("c is still live long after its announcement lapsed")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if got := live(nodesA); !slices.Equal(got, []string{"http://b"}) {
				t.Fatalf("live once c lapsed: %q, want b alone", got)
			}
		})
	}
}
