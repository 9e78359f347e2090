package redisstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
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

// followPoll is how long Follow waits, in a Redis Cluster, after a round
// of reads that found nothing new: there reads cannot block (see Follow),
// so an entry another node appends reaches this one up to followPoll
// late, and an idle node pays one pipeline per master per followPoll.
const followPoll = 50 * time.Millisecond

// Follow implements rooms.Follower. On one Redis it is one XREAD BLOCK
// over every log that logs names, on a connection of its own, re-issued
// with the set logs gives after each read, so commands never wait behind
// it for a pooled connection. A Redis Cluster refuses an XREAD over keys
// of different hash slots, and each room has a slot: there Follow sends
// one XREAD per room, not blocking, in one pipeline that the cluster
// client splits into one per master, and polls. A log is checked for its
// last entry when it joins the set and every followCheck, all in one
// pipeline.
func (s *Store) Follow(ctx context.Context, logs func() map[rooms.LogID]uint64, fn func(context.Context, rooms.LogID, []rooms.Event), shorter func(context.Context, rooms.LogID, uint64)) error {
	c, err := s.followClient()
	if err != nil {
		return err
	}
	_, cluster := c.(*redis.ClusterClient)
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
		for id, seq := range want {
			next[id] = max(seq, after[id])
			byKey[s.logKey(id)] = id
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
		var read []redis.XStream
		if cluster {
			read, err = s.pollStreams(ctx, c, after)
		} else {
			read, err = c.XRead(ctx, &redis.XReadArgs{Streams: s.streamsArg(slices.Collect(maps.Keys(after)), after), Count: page, Block: followBlock}).Result()
		}
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
func (s *Store) checkFollowed(ctx context.Context, c redis.UniversalClient, logs []rooms.LogID, after map[rooms.LogID]uint64, shorter func(context.Context, rooms.LogID, uint64)) error {
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

// pollStreams reads what follows after in each log, one XREAD per room
// (a room's logs share its slot), without blocking, in one pipeline. When
// nothing is new it waits followPoll and returns redis.Nil, as a blocking
// XREAD that timed out would.
func (s *Store) pollStreams(ctx context.Context, c redis.UniversalClient, after map[rooms.LogID]uint64) ([]redis.XStream, error) {
	byRoom := map[string][]rooms.LogID{}
	for id := range after {
		byRoom[id.Room] = append(byRoom[id.Room], id)
	}
	reads := make([]*redis.XStreamSliceCmd, 0, len(byRoom))
	// Each read's own error says how it went: the pipeline's is only the
	// first, maybe a redis.Nil before a real failure.
	c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, ids := range byRoom {
			reads = append(reads, p.XRead(ctx, &redis.XReadArgs{Streams: s.streamsArg(ids, after), Count: page, Block: -1}))
		}
		return nil
	})
	var read []redis.XStream
	for _, r := range reads {
		if err := r.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		read = append(read, r.Val()...)
	}
	if len(read) > 0 {
		return read, nil
	}
	t := time.NewTimer(followPoll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, redis.Nil
	}
}

// streamsArg is XREAD's STREAMS argument for ids: every key, then every
// key's last ID read.
func (s *Store) streamsArg(ids []rooms.LogID, after map[rooms.LogID]uint64) []string {
	streams := make([]string, len(ids), 2*len(ids))
	for i, id := range ids {
		streams[i] = s.logKey(id)
		streams = append(streams, entryID(after[id]))
	}
	return streams
}

// followClient returns Follow's client: in a cluster the store's own, as
// its reads never block; else a copy of the store's client with a pool of
// one connection.
func (s *Store) followClient() (redis.UniversalClient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tail != nil {
		return s.tail, nil
	}
	if cluster, ok := s.c.(*redis.ClusterClient); ok {
		s.tail = cluster
		return s.tail, nil
	}
	one, ok := s.c.(interface{ Options() *redis.Options })
	if !ok {
		return nil, fmt.Errorf("redisstore: follow: a %T can not be followed", s.c)
	}
	opts := *one.Options()
	opts.PoolSize, opts.MaxActiveConns, opts.MinIdleConns, opts.MaxIdleConns = 1, 1, 0, 1
	// NewClient set the store client's push processor up for that client
	// alone; the copy makes its own.
	opts.PushNotificationProcessor = nil
	s.tail = redis.NewClient(&opts)
	return s.tail, nil
}
