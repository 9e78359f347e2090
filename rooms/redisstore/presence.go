package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
)

// presenceKey is a hash of each node's counts for a room: field = node,
// value = "<until> <counts JSON>", until in Redis's milliseconds.
func (s *Store) presenceKey(room string) string { return s.prefix + ":{" + room + "}:presence" }

// presenceScript posts a node's counts for a room and returns every node's
// counts that still count, dropping those past their time. It stamps and
// compares with Redis's clock alone, so nodes' clocks need not agree.
// KEYS[1] is the room's presence hash; ARGV is the node, its counts and
// their ttl in milliseconds. The hash itself expires a minute after the
// last post, so a room nobody watches leaves nothing.
var presenceScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', now + tonumber(ARGV[3])) .. ' ' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], 60000)
local live = {}
local posts = redis.call('HGETALL', KEYS[1])
for i = 1, #posts, 2 do
  local untilms, counts = string.match(posts[i + 1], '^(%d+) (.*)$')
  if untilms and tonumber(untilms) >= now then
    live[#live + 1] = counts
  else
    redis.call('HDEL', KEYS[1], posts[i])
  end
end
return live
`)

// SharePresence implements rooms.PresenceBoard with one pipeline of
// presenceScript, a call per room.
func (s *Store) SharePresence(ctx context.Context, node string, local map[string]rooms.Presence, ttl time.Duration) (map[string]rooms.Presence, error) {
	ids := slices.Sorted(maps.Keys(local))
	posts := make([][]byte, len(ids))
	for i, room := range ids {
		b, err := json.Marshal(local[room])
		if err != nil {
			return nil, fmt.Errorf("redisstore: share presence of room %q: %w", room, err)
		}
		posts[i] = b
	}
	share := func() ([]*redis.Cmd, error) {
		cmds := make([]*redis.Cmd, len(ids))
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, room := range ids {
				cmds[i] = presenceScript.EvalSha(ctx, p, []string{s.presenceKey(room)}, node, posts[i], ttl.Milliseconds())
			}
			return nil
		})
		return cmds, err
	}
	cmds, err := share()
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis lost its scripts (a restart, a failover): load it once.
		if err := presenceScript.Load(ctx, s.c).Err(); err != nil {
			return nil, fmt.Errorf("redisstore: share presence: load script: %w", fault(ctx, err))
		}
		cmds, err = share()
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: share presence of %d rooms: %w", len(ids), fault(ctx, err))
	}
	out := make(map[string]rooms.Presence, len(ids))
	for i, room := range ids {
		counts, err := cmds[i].StringSlice()
		if err != nil {
			return nil, fmt.Errorf("redisstore: share presence of room %q: %w", room, err)
		}
		sum := rooms.NewPresence()
		for _, c := range counts {
			var p rooms.Presence
			if json.Unmarshal([]byte(c), &p) == nil {
				sum.Merge(p)
			}
		}
		out[room] = sum
	}
	return out, nil
}
