package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
)

var _ rooms.Nodes = (*Store)(nil)

// nodesKey is the registry of live nodes: a sorted set of base URLs, each
// scored by when its announcement lapses (ms on Redis's clock). It is one
// key, in a slot of its own in a cluster.
func (s *Store) nodesKey() string { return s.prefix + ":nodes" }

// announceScript scores ARGV[1] live for ARGV[2] ms from Redis's now,
// drops the lapsed, and has the key expire with its last member, so a
// registry no node renews goes away. KEYS[1] is the registry.
var announceScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`)

// liveScript lists the members of KEYS[1] whose announcement has not
// lapsed by Redis's now.
var liveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
`)

// Announce implements rooms.Nodes.
func (s *Store) Announce(ctx context.Context, node string, ttl time.Duration) error {
	if err := announceScript.Run(ctx, s.c, []string{s.nodesKey()}, node, ttl.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("redisstore: announce node %q: %w", node, fault(ctx, err))
	}
	return nil
}

// Withdraw implements rooms.Nodes.
func (s *Store) Withdraw(ctx context.Context, node string) error {
	if err := s.c.ZRem(ctx, s.nodesKey(), node).Err(); err != nil {
		return fmt.Errorf("redisstore: withdraw node %q: %w", node, fault(ctx, err))
	}
	return nil
}

// Live implements rooms.Nodes.
func (s *Store) Live(ctx context.Context) ([]string, error) {
	live, err := liveScript.Run(ctx, s.c, []string{s.nodesKey()}).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: live nodes: %w", fault(ctx, err))
	}
	slices.Sort(live)
	return live, nil
}

// MediaHolder implements rooms.Nodes: it reads the lease ClaimMedia sets.
func (s *Store) MediaHolder(ctx context.Context, room string) (string, error) {
	holder, err := s.c.Get(ctx, s.mediaKey(room)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("redisstore: who holds the media of room %q: %w", room, fault(ctx, err))
	}
	return holder, nil
}
