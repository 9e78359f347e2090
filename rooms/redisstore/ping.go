package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
)

// pingTTL is how long a key that Ping writes lives.
const pingTTL = 10 * time.Second

// pingTags bounds the hash tags pingKey tries. The tags "0" to "109757"
// fall in every one of the 16384 slots, so a master serving any slot has
// a key among them.
const pingTags = 1 << 17

// Ping implements rooms.Store. It writes a short-lived key, which fails on
// a read-only replica or a Redis out of memory, not only when Redis is
// down. In a cluster it does so on every master, each asked too whether
// its cluster is ok, for a cluster with a master down or slots unserved
// fails the rooms living there: the store is not ready.
func (s *Store) Ping(ctx context.Context) error {
	var err error
	if cc, ok := s.c.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return s.pingMaster(ctx, cc, node)
		})
	} else {
		err = s.c.Set(ctx, s.prefix+":ping", pingValue(), pingTTL).Err()
	}
	if err != nil {
		return fmt.Errorf("redisstore: ping: %w", fault(ctx, err))
	}
	return nil
}

// pingMaster checks that one master of the cluster cc says the cluster is
// ok, and writes a key of a slot it serves.
func (s *Store) pingMaster(ctx context.Context, cc *redis.ClusterClient, node *redis.Client) error {
	addr := node.Options().Addr
	info, err := node.ClusterInfo(ctx).Result()
	if err != nil {
		return fmt.Errorf("master %s: %w", addr, err)
	}
	if !strings.Contains(info, "cluster_state:ok") {
		return fmt.Errorf("master %s: cluster state is not ok: %w", addr, rooms.ErrUnavailable)
	}
	key, err := s.pingKey(ctx, cc, addr)
	if err != nil {
		return fmt.Errorf("master %s: %w", addr, err)
	}
	if err := node.Set(ctx, key, pingValue(), pingTTL).Err(); err != nil {
		return fmt.Errorf("master %s: %w", addr, err)
	}
	return nil
}

// pingKey returns a ping key whose slot the master at addr serves, as the
// cluster client last learnt the slots. Finding one costs no round trip:
// the client maps keys to masters by itself.
func (s *Store) pingKey(ctx context.Context, cc *redis.ClusterClient, addr string) (string, error) {
	for tag := range pingTags {
		key := s.prefix + ":ping:{" + strconv.Itoa(tag) + "}"
		master, err := cc.MasterForKey(ctx, key)
		if err != nil {
			return "", err
		}
		if master.Options().Addr == addr {
			return key, nil
		}
	}
	return "", fmt.Errorf("no ping key of a slot it serves: %w", rooms.ErrUnavailable)
}

// pingValue is what Ping writes: when, for whoever looks at the key.
func pingValue() string { return time.Now().UTC().Format(time.RFC3339Nano) }
