package redisstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
)

// Earlier Parley appended a room's first event before adding the room to
// the rooms index, so a failure in between (or a node stopped there) left
// a room with a log that Rooms never lists. A store repairs the index
// once, before its first listing: it scans for room logs and adds their
// rooms. Before the first listing rather than in New, because New does no
// I/O (it has no context, and a Redis down at start must not fail it) and
// the index has no other reader; once per store, because a scan reads the
// whole keyspace and current code never leaves a room out.

// scanCount is the COUNT of each SCAN: how many keys one reply covers.
const scanCount = 1000

// reindexOnce repairs the index unless this store has done so already.
// Callers at the same moment wait for one repair; one that failed is
// tried again by the next listing.
func (s *Store) reindexOnce(ctx context.Context) error {
	var done bool
	select {
	case done = <-s.reindexed:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the rooms index's repair: %w", ctx.Err())
	}
	var err error
	if !done {
		err = s.reindex(ctx)
	}
	s.reindexed <- done || err == nil
	return err
}

// reindex adds to the rooms index every room whose log exists, scanning
// each master of a cluster, whose SCAN sees only its own keys.
func (s *Store) reindex(ctx context.Context) error {
	var err error
	if cc, ok := s.c.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			if err := s.reindexFrom(ctx, node); err != nil {
				return fmt.Errorf("master %s: %w", node.Options().Addr, err)
			}
			return nil
		})
	} else {
		err = s.reindexFrom(ctx, s.c)
	}
	if err != nil {
		return fmt.Errorf("repairing %s: %w", s.roomsKey(), fault(ctx, err))
	}
	return nil
}

// reindexFrom scans one Redis for room logs, a page of scanCount keys at
// a time, and adds the rooms of each page to the index. SCAN ends once its
// cursor comes back to 0, whatever is written meanwhile.
func (s *Store) reindexFrom(ctx context.Context, node redis.Cmdable) error {
	head := s.prefix + ":{"
	pattern := globEscape(head) + "*}:log"
	var cursor uint64
	for {
		keys, next, err := node.Scan(ctx, cursor, pattern, scanCount).Result()
		if err != nil {
			return err
		}
		var ids []any
		for _, key := range keys {
			// The pattern's * also matches "}" and ":", as in a channel's
			// log of a room; only a room log's key holds a room's id.
			if id := strings.TrimSuffix(strings.TrimPrefix(key, head), "}:log"); rooms.ValidRoomID(id) {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			if err := s.c.SAdd(ctx, s.roomsKey(), ids...).Err(); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// globEscape quotes the characters SCAN's MATCH pattern gives a meaning,
// so a prefix is matched as it is spelled.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
