package redisstore_test

import (
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// One node holds a room's media until it releases it; a renewal keeps it.
func TestAMediaLeaseHasOneHolder(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, prefix)
	ctx := t.Context()
	claim := func(node, want string) {
		t.Helper()
		got, err := s.ClaimMedia(ctx, "plenary", node, time.Minute)
		if err != nil || got != want {
			t.Fatalf("%s claims: %q %v, want %q", node, got, err, want)
		}
	}
	claim("http://a", "http://a")
	claim("http://b", "http://a")
	claim("http://a", "http://a") // renewed
	if err := s.ReleaseMedia(ctx, "plenary", "http://b"); err != nil {
		t.Fatal(err)
	}
	claim("http://b", "http://a") // b held nothing to release
	if err := s.ReleaseMedia(ctx, "plenary", "http://a"); err != nil {
		t.Fatal(err)
	}
	claim("http://b", "http://b")
}

// A node that stops renewing loses the lease when it lapses.
func TestAMediaLeaseLapses(t *testing.T) {
	t.Parallel()
	m := miniredis.RunT(t)
	s := redisstore.New(redis.NewClient(&redis.Options{Addr: m.Addr()}), "parley")
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	if _, err := s.ClaimMedia(ctx, "plenary", "http://a", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	m.FastForward(6 * time.Second)
	if got, err := s.ClaimMedia(ctx, "plenary", "http://b", 5*time.Second); err != nil || got != "http://b" {
		t.Fatalf("after the lapse: %q %v", got, err)
	}
}
