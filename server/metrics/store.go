package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// storeOps are the store round trips counted, by op label.
var storeOps = []string{
	"append", "read", "last_seq", "rooms", "ping",
	"follow", "share_presence", "claim_media", "release_media", "mirror_balance",
	"announce_node", "withdraw_node", "live_nodes", "media_holder",
}

// Store returns s with its round trips counted. A store shared between
// nodes (the Redis store: rooms.Follower, rooms.PresenceBoard,
// rooms.Leases, rooms.BalanceMirror and rooms.Nodes) keeps all five,
// counted too, so the room service and the media plane find in it what
// they find in s. A store with some of the first four but not all is
// returned as it is, uncounted, rather than with any of them hidden;
// rooms.Nodes alone (the embedded store's) is of no use without leases.
func (m *Metrics) Store(s rooms.Store) rooms.Store {
	base := &store{inner: s, m: m}
	if sh, ok := s.(sharedStore); ok {
		return &shared{store: base, inner: sh}
	}
	_, follower := s.(rooms.Follower)
	_, board := s.(rooms.PresenceBoard)
	_, leases := s.(rooms.Leases)
	_, mirror := s.(rooms.BalanceMirror)
	if follower || board || leases || mirror {
		return s
	}
	return base
}

// store counts the round trips of a rooms.Store.
type store struct {
	inner rooms.Store
	m     *Metrics
}

var _ rooms.Store = (*store)(nil)

// timed counts one round trip of op that began at start and ended in err.
func (s *store) timed(op string, start time.Time, err error) {
	s.m.storeRequests.WithLabelValues(op).Inc()
	s.m.storeDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	s.failed(op, err)
}

// failed counts err, if it is the store's failure: losing a
// compare-and-append race is how the store says "look again", and a
// cancelled caller is no fault of the store's.
func (s *store) failed(op string, err error) {
	if err != nil && !errors.Is(err, rooms.ErrConflict) && !errors.Is(err, context.Canceled) {
		s.m.storeErrors.WithLabelValues(op).Inc()
	}
}

func (s *store) Append(ctx context.Context, log rooms.LogID, expected uint64, events []rooms.Event) ([]rooms.Event, error) {
	start := time.Now()
	out, err := s.inner.Append(ctx, log, expected, events)
	s.timed("append", start, err)
	return out, err
}

func (s *store) Read(ctx context.Context, log rooms.LogID, after uint64, limit int) ([]rooms.Event, error) {
	start := time.Now()
	out, err := s.inner.Read(ctx, log, after, limit)
	s.timed("read", start, err)
	return out, err
}

func (s *store) LastSeq(ctx context.Context, log rooms.LogID) (uint64, error) {
	start := time.Now()
	seq, err := s.inner.LastSeq(ctx, log)
	s.timed("last_seq", start, err)
	return seq, err
}

func (s *store) Rooms(ctx context.Context) ([]string, error) {
	start := time.Now()
	ids, err := s.inner.Rooms(ctx)
	s.timed("rooms", start, err)
	return ids, err
}

func (s *store) Ping(ctx context.Context) error {
	start := time.Now()
	err := s.inner.Ping(ctx)
	s.timed("ping", start, err)
	return err
}

func (s *store) Close() error { return s.inner.Close() }

// sharedStore is a store shared between nodes, as the Redis store is.
type sharedStore interface {
	rooms.Store
	rooms.Follower
	rooms.PresenceBoard
	rooms.Leases
	rooms.BalanceMirror
	rooms.Nodes
}

// shared counts the round trips of a sharedStore.
type shared struct {
	*store
	inner sharedStore
}

var _ sharedStore = (*shared)(nil)

// Follow counts one request per call, and its error, but no duration: it
// runs as long as the node follows logs.
func (s *shared) Follow(ctx context.Context, logs func() map[rooms.LogID]uint64, fn func(context.Context, rooms.LogID, []rooms.Event), shorter func(context.Context, rooms.LogID, uint64)) error {
	s.m.storeRequests.WithLabelValues("follow").Inc()
	err := s.inner.Follow(ctx, logs, fn, shorter)
	s.failed("follow", err)
	return err
}

func (s *shared) SharePresence(ctx context.Context, node string, local map[string]rooms.Presence, ttl time.Duration) (map[string]rooms.Presence, error) {
	start := time.Now()
	all, err := s.inner.SharePresence(ctx, node, local, ttl)
	s.timed("share_presence", start, err)
	return all, err
}

func (s *shared) ClaimMedia(ctx context.Context, room, node string, ttl time.Duration) (string, error) {
	start := time.Now()
	holder, err := s.inner.ClaimMedia(ctx, room, node, ttl)
	s.timed("claim_media", start, err)
	return holder, err
}

func (s *shared) ReleaseMedia(ctx context.Context, room, node string) error {
	start := time.Now()
	err := s.inner.ReleaseMedia(ctx, room, node)
	s.timed("release_media", start, err)
	return err
}

func (s *shared) MirrorBalance(ctx context.Context, room string, seq uint64, b rooms.Balance) error {
	start := time.Now()
	err := s.inner.MirrorBalance(ctx, room, seq, b)
	s.timed("mirror_balance", start, err)
	return err
}

func (s *shared) Announce(ctx context.Context, node string, ttl time.Duration) error {
	start := time.Now()
	err := s.inner.Announce(ctx, node, ttl)
	s.timed("announce_node", start, err)
	return err
}

func (s *shared) Withdraw(ctx context.Context, node string) error {
	start := time.Now()
	err := s.inner.Withdraw(ctx, node)
	s.timed("withdraw_node", start, err)
	return err
}

func (s *shared) Live(ctx context.Context) ([]string, error) {
	start := time.Now()
	live, err := s.inner.Live(ctx)
	s.timed("live_nodes", start, err)
	return live, err
}

func (s *shared) MediaHolder(ctx context.Context, room string) (string, error) {
	start := time.Now()
	holder, err := s.inner.MediaHolder(ctx, room)
	s.timed("media_holder", start, err)
	return holder, err
}
