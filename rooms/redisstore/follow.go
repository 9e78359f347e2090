package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
)

// followBlock is how long one XREAD of Follow waits for new entries
// before it asks again which logs to read. A log added meanwhile waits at
// most that long for its first read, and Follow notices as late that its
// context is done or its logs are gone: the client cannot abandon a
// blocked read. Idle, a node pays one XREAD per followBlock.
const followBlock = 250 * time.Millisecond

// followCheck is how often Follow compares every log's last entry with
// where it reads the log from, to notice a log that lost its entries (a
// Redis restarted empty): XREAD after an ID past a stream's end waits for
// ever without saying so.
const followCheck = time.Second

// Follow implements rooms.Follower: one XREAD over every log that logs
// names, on a connection of its own, re-issued with the set logs gives
// after each read. Commands never wait behind it for a pooled connection.
// A log is checked for its last entry when it joins the set and every
// followCheck, all in one pipeline.
//
// Redis Cluster (to come) refuses an XREAD over keys of different hash
// slots, and rooms have a slot each: a cluster version groups the logs by
// the node that serves their slot and runs this loop once per node.
func (s *Store) Follow(ctx context.Context, logs func() map[rooms.LogID]uint64, fn func(context.Context, rooms.LogID, []rooms.Event), shorter func(context.Context, rooms.LogID, uint64)) error {
	c, err := s.followClient()
	if err != nil {
		return err
	}
	after := map[rooms.LogID]uint64{}
	// known are the logs checked since they joined the set.
	known := map[rooms.LogID]bool{}
	var checked time.Time
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := logs()
		if len(want) == 0 {
			return nil
		}
		next := make(map[rooms.LogID]uint64, len(want))
		byKey := make(map[string]rooms.LogID, len(want))
		// XREAD STREAMS takes every key, then every key's last ID read.
		streams := make([]string, len(want), 2*len(want))
		i := 0
		for id, seq := range want {
			next[id] = max(seq, after[id])
			streams[i] = s.logKey(id)
			byKey[streams[i]] = id
			i++
		}
		after = next
		now := time.Now()
		var check []rooms.LogID
		for id := range known {
			if _, ok := want[id]; !ok {
				delete(known, id) // checked again if it comes back
			}
		}
		for id := range after {
			if now.Sub(checked) >= followCheck || !known[id] {
				check = append(check, id)
			}
		}
		if len(check) > 0 {
			if len(check) == len(after) {
				checked = now
			}
			if err := s.checkFollowed(ctx, c, check, after, shorter); err != nil {
				return err
			}
			for _, id := range check {
				known[id] = true
			}
		}
		for _, key := range streams[:len(want)] {
			streams = append(streams, entryID(after[byKey[key]]))
		}
		read, err := c.XRead(ctx, &redis.XReadArgs{Streams: streams, Count: page, Block: followBlock}).Result()
		if errors.Is(err, redis.Nil) {
			continue // nothing new within followBlock
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("redisstore: follow %d logs: %w", len(want), fault(ctx, err))
		}
		for _, stream := range read {
			id, ok := byKey[stream.Stream]
			if !ok || len(stream.Messages) == 0 {
				continue
			}
			entries := make([]rooms.Event, 0, len(stream.Messages))
			for _, m := range stream.Messages {
				e, seq, err := decodeEntry(m)
				if err != nil {
					return fmt.Errorf("redisstore: follow log %q: %w", id, err)
				}
				entries = append(entries, e)
				after[id] = seq
			}
			fn(ctx, id, entries)
		}
	}
}

// checkFollowed reads the last entry of each of logs in one pipeline and
// tells shorter of every log that ends before where Follow would read it
// from, which Follow then reads from its start.
func (s *Store) checkFollowed(ctx context.Context, c *redis.Client, logs []rooms.LogID, after map[rooms.LogID]uint64, shorter func(context.Context, rooms.LogID, uint64)) error {
	cmds := make([]*redis.XMessageSliceCmd, len(logs))
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range logs {
			cmds[i] = p.XRevRangeN(ctx, s.logKey(id), "+", "-", 1)
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("redisstore: follow: checking %d logs: %w", len(logs), fault(ctx, err))
	}
	for i, id := range logs {
		var last uint64
		if msgs := cmds[i].Val(); len(msgs) > 0 {
			if last, err = seqOf(msgs[0].ID); err != nil {
				return fmt.Errorf("redisstore: follow log %q: entry %s: %w", id, msgs[0].ID, err)
			}
		}
		if last < after[id] {
			after[id] = 0
			shorter(ctx, id, last)
		}
	}
	return nil
}

// followClient returns Follow's client, a copy of the store's with a pool
// of one connection.
func (s *Store) followClient() (*redis.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tail != nil {
		return s.tail, nil
	}
	one, ok := s.c.(interface{ Options() *redis.Options })
	if !ok {
		return nil, fmt.Errorf("redisstore: follow: a %T is not one Redis; only one Redis (or Sentinel) can be followed yet", s.c)
	}
	opts := *one.Options()
	opts.PoolSize, opts.MaxActiveConns, opts.MinIdleConns, opts.MaxIdleConns = 1, 1, 0, 1
	// NewClient set the store client's push processor up for that client
	// alone; the copy makes its own.
	opts.PushNotificationProcessor = nil
	s.tail = redis.NewClient(&opts)
	return s.tail, nil
}
