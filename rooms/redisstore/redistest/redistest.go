// Package redistest gives tests a Redis to run against: the server that
// $PARLEY_TEST_REDIS_URL names or, when it is unset, one in-process
// miniredis shared by the whole test binary, so a fresh machine passes and
// CI can point the same tests at a real Redis.
//
// Tests share the server, so each takes its own key prefix from Client and
// keeps all its keys under it; the keys are deleted when the test ends.
//
//	c, prefix := redistest.Client(t)
//	store := redisstore.New(c, prefix)
//
// Tests that take Redis down, stall it or bring it back empty start a
// redis-server of their own with StartServer instead.
//
// It imports testing and miniredis, so import it from tests only.
package redistest

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// EnvURL names the environment variable holding the URL of the Redis to
// test against, such as redis://127.0.0.1:6379/0.
const EnvURL = "PARLEY_TEST_REDIS_URL"

var server = sync.OnceValues(func() (*redis.Options, error) {
	if url := os.Getenv(EnvURL); url != "" {
		return redis.ParseURL(url)
	}
	// Started once and never closed: it lives as long as the test binary,
	// like a real server would.
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, err
	}
	return &redis.Options{Addr: m.Addr()}, nil
})

// janitor deletes the keys of finished tests. It is a client of its own
// because a test's clients may be closed by then: a store closes its client.
var janitor = sync.OnceValue(func() redis.UniversalClient {
	opts, _ := server() // only called after a successful server()
	o := *opts
	return redis.NewClient(&o)
})

// Client returns a new client of the test Redis and a key prefix that no
// other call returns. When t ends, the client is closed (if its user has
// not closed it) and every key under the prefix deleted.
func Client(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	return NewClient(t), Prefix(t)
}

// URL returns the test Redis's URL, for tests that start Parley processes
// against it, and a fresh key prefix as Client does.
func URL(t testing.TB) (url, prefix string) {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u, Prefix(t)
	}
	opts, err := server()
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return fmt.Sprintf("redis://%s/%d", opts.Addr, opts.DB), Prefix(t)
}

// RealURL is URL for a test that needs a real Redis, such as one whose
// keys must expire by themselves (miniredis's only expire when its clock
// is moved): it skips the test unless EnvURL names one.
func RealURL(t testing.TB) (url, prefix string) {
	t.Helper()
	if os.Getenv(EnvURL) == "" {
		t.Skipf("needs a real Redis: set %s (as .ci/run does)", EnvURL)
	}
	return URL(t)
}

// Prefix returns a key prefix that no other call returns; every key under it
// is deleted when t ends.
func Prefix(t testing.TB) string {
	t.Helper()
	if _, err := server(); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return prefixOn(t, janitor())
}

// prefixOn returns a fresh prefix whose keys j deletes when t ends.
func prefixOn(t testing.TB, j redis.UniversalClient) string {
	prefix := "test-" + strings.ToLower(rand.Text())
	t.Cleanup(func() {
		// t's own context is already done when cleanups run.
		ctx := context.Background()
		var err error
		if cluster, ok := j.(*redis.ClusterClient); ok {
			err = cluster.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
				return deleteUnder(ctx, node, prefix)
			})
		} else {
			err = deleteUnder(ctx, j, prefix)
		}
		if err != nil {
			t.Errorf("redistest: deleting keys under %s: %v", prefix, err)
		}
	})
	return prefix
}

// deleteUnder deletes the keys under prefix on one Redis, one DEL each:
// keys of several cluster slots cannot go in one.
func deleteUnder(ctx context.Context, c redis.Cmdable, prefix string) error {
	var keys []string
	iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return err
	}
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	return err
}

// NewClient returns one more client of the test Redis, closed when t ends
// unless its user closed it first. Two clients stand for two processes
// sharing one Redis.
func NewClient(t testing.TB) redis.UniversalClient {
	t.Helper()
	opts, err := server()
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	o := *opts // NewClient fills in defaults, so each client gets a copy.
	c := redis.NewClient(&o)
	t.Cleanup(func() { c.Close() }) // an error only says a store closed it already
	return c
}
