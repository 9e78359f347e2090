// Package redisstore is the production store, shared by several nodes: each
// room's event log is a Redis Stream, appended only by a Lua script that
// compares and appends in one atomic step, so two nodes can never both
// append at the same sequence. It runs on one Redis, a Redis Cluster or a
// master watched by Sentinels (Dial).
//
// Keys, with prefix "parley" unless New is told otherwise:
//
//	<prefix>:{<room>}:log                  stream, entry ID "<seq>-0", field "e" = the event's JSON
//	<prefix>:{<room>}:log:<channel>        the same, for each other log of the room
//	<prefix>:{<room>}:balance              hash: requests, turns, seconds, measure, seq, dimensions
//	<prefix>:{<room>}:balance:<dimension>  hash: <category>.requests, .turns, .seconds, .target
//	<prefix>:{<room>}:presence             hash: node = "<until, Redis ms> <counts JSON>"
//	<prefix>:{<room>}:media                the URL of the node holding the room's media; expires with its lease
//	<prefix>:rooms                         set of the ids of rooms opened (written before their first event)
//	<prefix>:nodes                         sorted set of live nodes' URLs, scored by when each lapses (nodes.go)
//	<prefix>:ping                          written by Ping, expires in seconds
//	<prefix>:ping:{<n>}                    the same in a cluster, one on each master (see ping.go)
//
// In Redis Cluster a key lives in the slot of its hash tag. A room's keys
// share the tag {<room>}, so they live in one slot and the append script
// and the balance transaction may touch them together; rooms spread over
// the cluster's masters. Presence stays in the room's slot too: a node
// posts it per room, one single-key script each, and the cluster client
// sends each master its rooms' posts in one pipeline, so nothing gains
// from a key of its own, and one hash for all rooms would put every post
// of every node on one master. The rooms set is the one key of its own
// slot: it lists rooms across slots, so no command touches it together
// with a room's keys. Append adds a room to it before the room's first
// event, so a failure to write it leaves nothing half-created, and Rooms
// skips an id whose log is still empty (its first append failed or is
// under way). Earlier code wrote the other way round; a store's first
// listing adds the rooms that left out (reindex.go). Follow reads one
// slot's streams per XREAD, as Cluster requires (see follow.go).
//
// With replicas (Sentinel), Append can wait for them (Options.Replicas):
// it sends WAIT on the connection of the append, and an append that too
// few replicas confirmed in time is reported as Redis unavailable, outcome
// unknown, so no command acknowledged to a client is held by the master
// alone. Redis replication is asynchronous even so: WAIT makes a loss
// unlikely, not impossible (a replica that confirmed can still lose the
// failover election to one that did not).
package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
)

// Store keeps room logs in Redis. It is safe for concurrent use, and any
// number of Stores in any number of processes may share one Redis.
type Store struct {
	c        redis.UniversalClient
	prefix   string
	replicas int
	wait     time.Duration

	// reindexed holds whether the rooms index was repaired (reindex.go);
	// whoever repairs it takes the value out meanwhile.
	reindexed chan bool

	mu sync.Mutex
	// tail is Follow's client, made on first use: on one Redis a
	// connection of its own, so a blocked XREAD never holds one that
	// commands need; in a cluster, whose reads never block, the store's.
	tail redis.UniversalClient
}

var (
	_ rooms.Store         = (*Store)(nil)
	_ rooms.BalanceMirror = (*Store)(nil)
	_ rooms.Follower      = (*Store)(nil)
	_ rooms.PresenceBoard = (*Store)(nil)
)

// Options are a Store's settings besides its client.
type Options struct {
	// Prefix is put before every key, "parley" if empty.
	Prefix string
	// Replicas is how many replicas must confirm an append (Redis WAIT)
	// before Append returns; 0, for a Redis without replicas, waits for
	// none.
	Replicas int
	// ReplicaTimeout bounds that wait; ReplicaTimeout (the constant) if
	// zero. Keep it under the client's read timeout.
	ReplicaTimeout time.Duration
}

// ReplicaTimeout is how long Append waits for replicas unless Options say.
const ReplicaTimeout = 500 * time.Millisecond

// New returns a store that keeps its keys under prefix ("parley" if empty)
// in the Redis that c connects to. The store owns c: Close closes it.
func New(c redis.UniversalClient, prefix string) *Store {
	return NewWithOptions(c, Options{Prefix: prefix})
}

// NewWithOptions is New with the settings o gives.
func NewWithOptions(c redis.UniversalClient, o Options) *Store {
	s := &Store{c: c, prefix: cmp.Or(o.Prefix, "parley"), replicas: o.Replicas, wait: cmp.Or(o.ReplicaTimeout, ReplicaTimeout),
		reindexed: make(chan bool, 1)}
	s.reindexed <- false
	return s
}

func (s *Store) logKey(id rooms.LogID) string {
	key := s.prefix + ":{" + id.Room + "}:log"
	if id.Channel != "" {
		key += ":" + id.Channel
	}
	return key
}

func (s *Store) balanceKey(room string) string { return s.prefix + ":{" + room + "}:balance" }
func (s *Store) roomsKey() string              { return s.prefix + ":rooms" }

func (s *Store) dimensionKey(room, dimension string) string {
	return s.balanceKey(room) + ":" + dimension
}

// entryID is the stream entry ID of the event with seq. Sequence numbers
// start at 1, and "0-0" is only ever used as the position before them.
func entryID(seq uint64) string { return strconv.FormatUint(seq, 10) + "-0" }

// seqOf is the inverse of entryID.
func seqOf(id string) (uint64, error) {
	seq, _, _ := strings.Cut(id, "-")
	return strconv.ParseUint(seq, 10, 64)
}

// appendScript compares and appends. KEYS[1] is the room's stream, ARGV[1]
// the sequence the caller expects the log to be at, then pairs of entry ID
// and event JSON. It returns {1, last} when it appended and {0, last} when
// the log was at last instead. Sequences stay strings: Lua numbers are
// doubles, and formatting big ones goes wrong.
var appendScript = redis.NewScript(`
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local last = '0'
if #top > 0 then
  last = string.match(top[1][1], '^%d+')
end
if last ~= ARGV[1] then
  return {0, last}
end
for i = 2, #ARGV, 2 do
  redis.call('XADD', KEYS[1], ARGV[i], 'e', ARGV[i + 1])
end
return {1, last}
`)

// Append implements rooms.Store. Apart from an error wrapping
// rooms.ErrConflict, which means nothing was appended, an error leaves the
// outcome unknown, as with any lost reply: read the log to find out.
func (s *Store) Append(ctx context.Context, id rooms.LogID, expected uint64, events []rooms.Event) ([]rooms.Event, error) {
	if len(events) == 0 {
		return nil, fmt.Errorf("redisstore: append to log %q: no events: %w", id, rooms.ErrInvalid)
	}
	out := slices.Clone(events)
	args := make([]any, 0, 1+2*len(out))
	args = append(args, strconv.FormatUint(expected, 10))
	for i := range out {
		// The stored JSON carries Seq, so an entry is a whole event even
		// without its ID.
		out[i].Seq = expected + uint64(i) + 1
		b, err := json.Marshal(out[i])
		if err != nil {
			return nil, fmt.Errorf("redisstore: append to log %q: encoding event %d: %w: %w", id, out[i].Seq, err, rooms.ErrInvalid)
		}
		args = append(args, entryID(out[i].Seq), b)
	}

	if expected == 0 && id.Channel == "" {
		// Indexed before the first event, so that a failure leaves no room
		// half-created: Rooms skips the id until its log has events.
		if err := s.c.SAdd(ctx, s.roomsKey(), id.Room).Err(); err != nil {
			return nil, fmt.Errorf("redisstore: append to log %q: adding it to %s: %w", id, s.roomsKey(), fault(ctx, err))
		}
	}
	reply, confirmed, err := s.runAppend(ctx, s.logKey(id), args)
	if err != nil {
		return nil, fmt.Errorf("redisstore: append to log %q: %w", id, fault(ctx, err))
	}
	appended, last, ok := parseAppendReply(reply)
	if !ok {
		return nil, fmt.Errorf("redisstore: append to log %q: unexpected script reply %v", id, reply)
	}
	if !appended {
		return nil, fmt.Errorf("redisstore: append to log %q at %d: log is at %s: %w", id, expected, last, rooms.ErrConflict)
	}
	if confirmed < s.replicas {
		return nil, fmt.Errorf("redisstore: append to log %q: appended, but %d of %d replicas confirmed it within %s: %w",
			id, confirmed, s.replicas, s.wait, rooms.ErrUnavailable)
	}
	return out, nil
}

// runAppend runs appendScript on key and returns its reply and, when the
// store waits for replicas, how many confirmed the append. WAIT counts
// the replicas that have the writes of its own connection, so it goes in
// one pipeline with the script.
func (s *Store) runAppend(ctx context.Context, key string, args []any) (reply []any, confirmed int, err error) {
	keys := []string{key}
	if s.replicas == 0 {
		reply, err = appendScript.Run(ctx, s.c, keys, args...).Slice()
		return reply, 0, err
	}
	var script *redis.Cmd
	var wait *redis.Cmd
	run := func(eval func(context.Context, redis.Scripter, []string, ...any) *redis.Cmd) error {
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			script = eval(ctx, p, keys, args...)
			wait = p.Do(ctx, "wait", s.replicas, s.wait.Milliseconds())
			return nil
		})
		return err
	}
	err = run(appendScript.EvalSha)
	if redis.HasErrorPrefix(script.Err(), "NOSCRIPT") {
		// Redis lost its scripts (a restart, a failover): send it whole.
		err = run(appendScript.Eval)
	}
	if err != nil {
		return nil, 0, err
	}
	if reply, err = script.Slice(); err != nil {
		return nil, 0, err
	}
	n, err := wait.Int()
	return reply, n, err
}

func parseAppendReply(reply []any) (appended bool, last string, ok bool) {
	if len(reply) != 2 {
		return false, "", false
	}
	flag, ok1 := reply[0].(int64)
	last, ok2 := reply[1].(string)
	return flag == 1, last, ok1 && ok2
}

// page is how many entries one XRANGE or XREAD asks for, so a long log
// comes in replies of bounded size.
const page = 1000

// Read implements rooms.Store.
func (s *Store) Read(ctx context.Context, id rooms.LogID, after uint64, limit int) ([]rooms.Event, error) {
	key := s.logKey(id)
	events := []rooms.Event{}
	for limit <= 0 || len(events) < limit {
		count := page
		if limit > 0 {
			count = min(count, limit-len(events))
		}
		msgs, err := s.c.XRangeN(ctx, key, entryID(after+1), "+", int64(count)).Result()
		if err != nil {
			return nil, fmt.Errorf("redisstore: read log %q: %w", id, fault(ctx, err))
		}
		for _, m := range msgs {
			e, seq, err := decodeEntry(m)
			if err != nil {
				return nil, fmt.Errorf("redisstore: read log %q: %w", id, err)
			}
			events = append(events, e)
			after = seq
		}
		if len(msgs) < count {
			break
		}
	}
	return events, nil
}

// decodeEntry returns the event in a stream entry and the sequence number
// its ID says, which is where the next read starts.
func decodeEntry(m redis.XMessage) (rooms.Event, uint64, error) {
	var e rooms.Event
	seq, err := seqOf(m.ID)
	if err != nil {
		return e, 0, fmt.Errorf("entry %s: %w", m.ID, err)
	}
	data, ok := m.Values["e"].(string)
	if !ok {
		return e, 0, fmt.Errorf("entry %s has no event", m.ID)
	}
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		return e, 0, fmt.Errorf("entry %s: %w", m.ID, err)
	}
	return e, seq, nil
}

// LastSeq implements rooms.Store.
func (s *Store) LastSeq(ctx context.Context, id rooms.LogID) (uint64, error) {
	msgs, err := s.c.XRevRangeN(ctx, s.logKey(id), "+", "-", 1).Result()
	if err != nil {
		return 0, fmt.Errorf("redisstore: last seq of log %q: %w", id, fault(ctx, err))
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	seq, err := seqOf(msgs[0].ID)
	if err != nil {
		return 0, fmt.Errorf("redisstore: last seq of log %q: entry %s: %w", id, msgs[0].ID, err)
	}
	return seq, nil
}

// Rooms implements rooms.Store: the indexed rooms whose logs have events,
// checked in one pipeline (which a cluster client splits by master). A
// store's first listing repairs the index first (reindex.go).
func (s *Store) Rooms(ctx context.Context) ([]string, error) {
	if err := s.reindexOnce(ctx); err != nil {
		return nil, fmt.Errorf("redisstore: list rooms: %w", err)
	}
	ids, err := s.c.SMembers(ctx, s.roomsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: list rooms: %w", fault(ctx, err))
	}
	lens := make([]*redis.IntCmd, len(ids))
	if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			lens[i] = p.XLen(ctx, s.logKey(rooms.RoomLog(id)))
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("redisstore: list rooms: reading %d logs' lengths: %w", len(ids), fault(ctx, err))
	}
	open := ids[:0]
	for i, id := range ids {
		if lens[i].Val() > 0 {
			open = append(open, id)
		}
	}
	slices.Sort(open)
	return open, nil
}

// Close implements rooms.Store by closing the clients.
func (s *Store) Close() error {
	err := s.c.Close()
	s.mu.Lock()
	if s.tail != nil && s.tail != s.c {
		err = errors.Join(err, s.tail.Close())
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("redisstore: close: %w", err)
	}
	return nil
}

// mirrorAttempts bounds how often MirrorBalance retries when another node
// mirrors the same room at the same moment.
const mirrorAttempts = 5

// MirrorBalance implements rooms.BalanceMirror. It replaces the room's
// balance hashes in one transaction, deleting first so that categories and
// dimensions b no longer has disappear. Figures older than those already
// mirrored (a lower seq, from a node that fell behind) are left out, so a
// dashboard never goes backwards.
func (s *Store) MirrorBalance(ctx context.Context, room string, seq uint64, b rooms.Balance) error {
	totals := s.balanceKey(room)
	replace := func(tx *redis.Tx) error {
		old, err := tx.HMGet(ctx, totals, "seq", "dimensions").Result()
		if err != nil {
			return err
		}
		if mirrored, ok := old[0].(string); ok {
			if n, err := strconv.ParseUint(mirrored, 10, 64); err == nil && n > seq {
				return nil
			}
		}
		// Replace every hash of the old mirror and of the new one. Dimension
		// names are configuration ids, so a comma-separated list holds them.
		dimensions := slices.Sorted(maps.Keys(b.Dimensions))
		replaced := []string{totals}
		if was, ok := old[1].(string); ok && was != "" {
			for _, d := range strings.Split(was, ",") {
				replaced = append(replaced, s.dimensionKey(room, d))
			}
		}
		for _, d := range dimensions {
			replaced = append(replaced, s.dimensionKey(room, d))
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, replaced...)
			p.HSet(ctx, totals,
				"seq", seq,
				"measure", b.Measure,
				"requests", b.Totals.Requests,
				"turns", b.Totals.Turns,
				"seconds", b.Totals.Seconds,
				"dimensions", strings.Join(dimensions, ","))
			for _, d := range dimensions {
				if len(b.Dimensions[d]) == 0 {
					continue
				}
				fields := make([]any, 0, 8*len(b.Dimensions[d]))
				for _, c := range b.Dimensions[d] {
					fields = append(fields,
						c.Category+".requests", c.Requests,
						c.Category+".turns", c.Turns,
						c.Category+".seconds", c.Seconds,
						c.Category+".target", c.Target)
				}
				p.HSet(ctx, s.dimensionKey(room, d), fields...)
			}
			return nil
		})
		return err
	}

	var err error
	for range mirrorAttempts {
		if err = s.c.Watch(ctx, replace, totals); !errors.Is(err, redis.TxFailedErr) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("redisstore: mirror balance of room %q: %w", room, fault(ctx, err))
	}
	return nil
}
