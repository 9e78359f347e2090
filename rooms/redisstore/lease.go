package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
)

var _ rooms.Leases = (*Store)(nil)

// mediaKey names the node that holds the room's media; it expires with
// the lease.
func (s *Store) mediaKey(room string) string { return s.prefix + ":{" + room + "}:media" }

// claimScript sets the lease to ARGV[1] for ARGV[2] ms unless another node
// holds it, and returns the holder. KEYS[1] is the room's media key.
var claimScript = redis.NewScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return holder
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`)

// releaseScript deletes the lease if ARGV[1] holds it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// ClaimMedia implements rooms.Leases.
func (s *Store) ClaimMedia(ctx context.Context, room, node string, ttl time.Duration) (string, error) {
	holder, err := claimScript.Run(ctx, s.c, []string{s.mediaKey(room)}, node, ttl.Milliseconds()).Text()
	if err != nil {
		return "", fmt.Errorf("redisstore: claim the media of room %q: %w", room, fault(ctx, err))
	}
	return holder, nil
}

// ReleaseMedia implements rooms.Leases.
func (s *Store) ReleaseMedia(ctx context.Context, room, node string) error {
	if err := releaseScript.Run(ctx, s.c, []string{s.mediaKey(room)}, node).Err(); err != nil {
		return fmt.Errorf("redisstore: release the media of room %q: %w", room, fault(ctx, err))
	}
	return nil
}
