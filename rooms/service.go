package rooms

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parley-hub/parley/queue"
)

var (
	roomIDPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	channelPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	languagePattern = regexp.MustCompile(`^[a-z]{2,8}(-[a-z0-9]{1,8}){0,3}$`)
)

// ValidRoomID reports whether id can name a room: lower-case letters, digits,
// '-' and '_', at most 64 characters, safe in URLs, file names and Redis keys.
func ValidRoomID(id string) bool { return roomIDPattern.MatchString(id) }

// Service runs rooms over a Store: it keeps each room's folded state in
// memory, catches up from the log before every decision, and appends with
// compare-and-append so that several nodes sharing a store agree.
//
// Locks: createMu, then a room's mu, then the rooms' cache, then mu (see
// the package doc).
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
	// observers learn of every event folded in (see Subscribe).
	observers observers[Observer]
	// node names this process among those sharing the store.
	node string
	// maxRooms bounds the rooms the store may hold (0: no bound).
	maxRooms int

	// createMu makes counting the rooms and opening one a single step on
	// this node.
	createMu sync.Mutex

	rooms *cache[string, *State]
	// follow reads, for this node, what other nodes append to the logs of
	// its rooms and transcripts; foldChannel folds the entries of logs
	// other than rooms' event logs.
	follow      *follower
	foldChannel func(ctx context.Context, log LogID, entries []Event)
	// checkChannel checks a channel the follower found shorter than read.
	checkChannel func(ctx context.Context, log LogID)

	// recordKey signs checkpoints of the record (checkpoint.go), every
	// checkpointEvery while rooms run.
	recordKey       ed25519.PrivateKey
	checkpointEvery time.Duration

	mu sync.Mutex
	// lastLoss is the latest log found shorter than what this node held,
	// and when.
	lastLoss   *LostError
	lastLossAt time.Time
}

type room = entry[*State]

// DefaultMaxRooms is how many rooms a store may hold unless WithMaxRooms
// says otherwise: far more than the sessions of a week-long conference, few
// enough that a node caching all of them stays within a small machine.
const DefaultMaxRooms = 1000

// Option tunes a Service.
type Option func(*Service)

// WithMaxRooms bounds the rooms the store may hold; opening one more is
// refused with ErrRoomLimit. n <= 0 means no bound.
func WithMaxRooms(n int) Option {
	return func(s *Service) { s.maxRooms = max(n, 0) }
}

// NewService returns a Service over store. now may be nil for the wall clock.
func NewService(store Store, log *slog.Logger, now func() time.Time, opts ...Option) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{store: store, log: log, now: now, node: newNodeID(), maxRooms: DefaultMaxRooms}
	s.follow = newFollower(store, log, s.foldFollowed, s.checkFollowed)
	s.rooms = newCache(now,
		func(id string) bool { return s.follow.following(RoomLog(id)) },
		func(_ string, st *State) bool { return st.Closed })
	for _, o := range opts {
		o(s)
	}
	return s
}

// RoomSpec is what opening a room takes.
type RoomSpec struct {
	ID         string        `json:"id"`
	Title      string        `json:"title"`
	Policy     *queue.Policy `json:"policy,omitempty"`
	TimeLimitS float64       `json:"time_limit_s,omitempty"`
	// Categories extends DefaultCategories, e.g. {"group": ["youth"]}.
	Categories Categories `json:"categories,omitempty"`
	// Record says who may read the room's record once it is closed.
	Record *RecordSpec `json:"record,omitempty"`
}

// DecodeRoomSpec parses a room spec strictly, like DecodeCommand.
func DecodeRoomSpec(data []byte) (RoomSpec, error) {
	var spec RoomSpec
	err := decodeStrict(data, &spec)
	return spec, err
}

// Result is what a command appended.
type Result struct {
	Seq    uint64  `json:"seq"`
	Events []Event `json:"events"`
}

// Create opens a room. The actor must be an admin, or a chair whose token
// names this room (the caller checks the token's room).
func (s *Service) Create(ctx context.Context, actor Participant, spec RoomSpec) (Snapshot, error) {
	if !actor.chairs() {
		return Snapshot{}, fmt.Errorf("%w: only an admin or the room's chair may open a room", ErrForbidden)
	}
	created, err := spec.event()
	if err != nil {
		return Snapshot{}, err
	}
	s.createMu.Lock()
	defer s.createMu.Unlock()
	if err := s.roomFor(ctx, spec.ID); err != nil {
		return Snapshot{}, err
	}
	r, done, _ := s.rooms.get(spec.ID, newState(spec.ID))
	defer done()
	r.mu.Lock()
	defer r.mu.Unlock()
	first, err := link(RoomLog(spec.ID), 0, "", []Event{draft(s.now(), actor.Actor(), EvRoomCreated, created)})
	if err != nil {
		return Snapshot{}, fmt.Errorf("open room %q: %w", spec.ID, err)
	}
	if _, err := s.store.Append(ctx, RoomLog(spec.ID), 0, first); err != nil {
		if errors.Is(err, ErrConflict) {
			return Snapshot{}, fmt.Errorf("%w: room %q is open already", ErrExists, spec.ID)
		}
		return Snapshot{}, fmt.Errorf("open room %q: %w", spec.ID, err)
	}
	if held := r.state.Seq; held > 0 {
		// The store had no room where this node held one: it lost the log
		// (a Redis restarted empty). What was cached is not this room.
		r.state.reset()
		s.recover(ctx, r, &LostError{Log: RoomLog(spec.ID), Held: held})
	}
	if err := s.catchUp(ctx, r); err != nil {
		return Snapshot{}, err
	}
	s.log.InfoContext(ctx, "room opened", "room", spec.ID, "by", actor.Sub)
	return r.state.Snapshot(s.now()), nil
}

func (spec RoomSpec) event() (RoomCreated, error) {
	if !ValidRoomID(spec.ID) {
		return RoomCreated{}, fmt.Errorf("%w: room id %q: use 1 to 64 lower-case letters, digits, '-' or '_'", ErrInvalid, spec.ID)
	}
	title := strings.TrimSpace(spec.Title)
	if title == "" {
		title = spec.ID
	}
	if len([]rune(title)) > MaxTitleLen {
		return RoomCreated{}, fmt.Errorf("%w: title is longer than %d characters", ErrInvalid, MaxTitleLen)
	}
	var policy queue.Policy
	if spec.Policy != nil {
		policy = *spec.Policy
	}
	policy, err := policy.Normalize()
	if err != nil {
		return RoomCreated{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	limit := spec.TimeLimitS
	if limit == 0 {
		limit = DefaultTimeLimit.Seconds()
	}
	if limit < 1 || limit > MaxTimeLimit {
		return RoomCreated{}, fmt.Errorf("%w: time_limit_s must be between 1 and %d", ErrInvalid, MaxTimeLimit)
	}
	cats, err := DefaultCategories().Extend(spec.Categories)
	if err != nil {
		return RoomCreated{}, err
	}
	return RoomCreated{Title: title, Policy: policy, TimeLimitS: limit, Categories: cats, Record: spec.Record}, nil
}

// roomFor checks that the store may hold room id: it does already, or it
// holds fewer rooms than maxRooms. The caller holds createMu; other nodes
// sharing the store may each pass the bound by the rooms they open at the
// same moment.
func (s *Service) roomFor(ctx context.Context, id string) error {
	if s.maxRooms == 0 {
		return nil
	}
	ids, err := s.store.Rooms(ctx)
	if err != nil {
		return fmt.Errorf("open room %q: counting rooms: %w", id, err)
	}
	if len(ids) < s.maxRooms {
		return nil
	}
	if _, found := slices.BinarySearch(ids, id); found {
		return fmt.Errorf("%w: room %q is open already", ErrExists, id)
	}
	return fmt.Errorf("open room %q: %w: this server holds %d rooms, as many as it is set to hold; its operator can raise the limit (parley serve --max-rooms)", id, ErrRoomLimit, len(ids))
}

// Execute checks cmd from actor against room's latest state and appends the
// events it causes. If another node appended first, the command is checked
// again against the newer state, so it never acts on a stale view.
func (s *Service) Execute(ctx context.Context, roomID string, actor Participant, cmd Command) (Result, error) {
	r, done, err := s.existing(ctx, roomID)
	if err != nil {
		return Result{}, err
	}
	defer done()
	r.mu.Lock()
	defer r.mu.Unlock()
	appended, err := commit(ctx, s.store, RoomLog(roomID), r.state, s.now, func() ([]Event, error) {
		if err := r.state.admit(ctx); err != nil {
			return nil, err
		}
		return r.state.Decide(s.now(), actor, cmd)
	}, s.applied(roomID, r.state))
	if err != nil {
		return Result{}, s.recover(ctx, r, fmt.Errorf("room %q: %s: %w", roomID, cmd.Type, err))
	}
	s.closedCheckpoint(ctx, r, appended)
	s.mirror(ctx, roomID, r.state)
	return Result{Seq: r.state.Seq, Events: appended}, nil
}

// addLanguage records that room's transcript has a channel in lang, once.
func (s *Service) addLanguage(ctx context.Context, roomID string, actor Participant, lang string) error {
	return s.record(ctx, roomID, "add language "+lang, func(st *State) []Event {
		if _, found := slices.BinarySearch(st.Languages, lang); found {
			return nil
		}
		return []Event{draft(s.now(), actor.Actor(), EvLanguageAdded, Language{Lang: lang})}
	})
}

// record appends the events events makes of room's latest state, if any:
// facts Parley itself notes (what), not commands a person gives.
func (s *Service) record(ctx context.Context, roomID, what string, events func(*State) []Event) error {
	r, done, err := s.existing(ctx, roomID)
	if err != nil {
		return err
	}
	defer done()
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err = commit(ctx, s.store, RoomLog(roomID), r.state, s.now, func() ([]Event, error) {
		return events(r.state), nil
	}, s.applied(roomID, r.state))
	if err != nil {
		return s.recover(ctx, r, fmt.Errorf("room %q: %s: %w", roomID, what, err))
	}
	return nil
}

// View runs fn on room's latest state under its lock; fn must not keep the
// state or anything it returns that aliases it. It refuses, without
// running fn, a holder ctx carries that the room has revoked (WithHolder).
func (s *Service) View(ctx context.Context, roomID string, fn func(*State)) error {
	r, done, err := s.existing(ctx, roomID)
	if err != nil {
		return err
	}
	defer done()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := s.catchUp(ctx, r); err != nil {
		return err
	}
	if !r.state.exists() {
		// Reloaded from a store that lost the room.
		s.forget(r)
		return fmt.Errorf("%w: there is no room %q", ErrNotFound, roomID)
	}
	if err := r.state.admit(ctx); err != nil {
		return err
	}
	fn(r.state)
	return nil
}

// Snapshot returns room as of now.
func (s *Service) Snapshot(ctx context.Context, roomID string) (Snapshot, error) {
	var snap Snapshot
	err := s.View(ctx, roomID, func(st *State) { snap = st.Snapshot(s.now()) })
	return snap, err
}

// Events returns up to limit events of room after seq (limit <= 0: all).
// A holder ctx carries is checked as View checks it: the page read from
// the log may not reach the revocation, so that costs a read of the room.
func (s *Service) Events(ctx context.Context, roomID string, after uint64, limit int) ([]Event, error) {
	if _, ok := holderOf(ctx); ok {
		if err := s.View(ctx, roomID, func(*State) {}); err != nil {
			return nil, err
		}
	}
	_, done, err := s.existing(ctx, roomID)
	if err != nil {
		return nil, err
	}
	done()
	return s.store.Read(ctx, RoomLog(roomID), after, limit)
}

// lossAlarm is how long Ready fails after a log was found shorter than
// what this node held: the room is reloaded at once, but monitoring must
// see that the store lost data.
const lossAlarm = time.Minute

// Ready reports whether the store answers (an error wrapping
// ErrUnavailable if not), and whether it has lost events in the last
// lossAlarm (an error wrapping ErrLost).
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		if !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}
	s.mu.Lock()
	lost, at := s.lastLoss, s.lastLossAt
	s.mu.Unlock()
	if lost != nil && s.now().Sub(at) < lossAlarm {
		return fmt.Errorf("%w: room %q, %s ago: the store held %d of the %d events this server had", ErrLost, lost.Log.Room, s.now().Sub(at).Round(time.Second), lost.Has, lost.Held)
	}
	return nil
}

// Loaded is how many rooms this node holds in memory now, for monitoring.
func (s *Service) Loaded() int { return len(s.rooms.keys()) }

// fault passes err on, and if it says the store lost events, logs that at
// ERROR and fails Ready for a while. The log's state is already emptied
// (see catchUp); recover reloads it.
func (s *Service) fault(ctx context.Context, err error) error {
	var lost *LostError
	if !errors.As(err, &lost) {
		return err
	}
	s.log.ErrorContext(ctx, "the store has lost events this node held; the room is reloaded from what the store has",
		"room", lost.Log.Room, "log", lost.Log.String(), "held", lost.Held, "store_has", lost.Has,
		"hint", "check that Redis keeps its data across restarts (appendonly yes) and was not flushed or restored from an older backup")
	s.mu.Lock()
	s.lastLoss, s.lastLossAt = lost, s.now()
	s.mu.Unlock()
	return err
}

func newState(id string) func() (*State, error) {
	return func() (*State, error) { return NewState(id), nil }
}

// existing returns the cached room, pinned until done is called, loading
// it if another node opened it or it was evicted, or ErrNotFound. Unknown
// ids are not cached, so probing for rooms cannot grow memory.
func (s *Service) existing(ctx context.Context, id string) (r *room, done func(), err error) {
	if !ValidRoomID(id) {
		return nil, nil, fmt.Errorf("%w: there is no room %q", ErrNotFound, id)
	}
	if r, done, _ := s.rooms.get(id, nil); r != nil {
		return r, done, nil
	}
	seq, err := s.store.LastSeq(ctx, RoomLog(id))
	if err != nil {
		return nil, nil, fmt.Errorf("room %q: %w", id, err)
	}
	if seq == 0 {
		return nil, nil, fmt.Errorf("%w: there is no room %q", ErrNotFound, id)
	}
	r, done, _ = s.rooms.get(id, newState(id))
	return r, done, nil
}

// forget drops r from the cache, unless another has taken its place.
func (s *Service) forget(r *room) { s.rooms.drop(r.state.ID, r) }

// catchUp folds in whatever the log holds beyond the cached state, and
// starts the hash chain of a log written before it (upgradeChain).
func (s *Service) catchUp(ctx context.Context, r *room) error {
	if err := s.recover(ctx, r, catchUp(ctx, s.store, RoomLog(r.state.ID), r.state, s.applied(r.state.ID, r.state))); err != nil {
		return err
	}
	s.upgradeChain(ctx, r)
	return nil
}

// upgradeChain starts the chain of a room whose log was written before
// events were hashed as soon as the room is opened, not at its next write,
// which a closed room never has; a closed room's record is then signed,
// as if it had closed now. A failure is logged and the room served all
// the same: the next opening tries again. The caller holds r's lock.
func (s *Service) upgradeChain(ctx context.Context, r *room) {
	if r.state.Seq == 0 || r.state.Head != "" {
		return
	}
	id := r.state.ID
	_, err := commit(ctx, s.store, RoomLog(id), r.state, s.now, func() ([]Event, error) {
		if r.state.Closed {
			return s.checkpointEvents(ctx, r.state, CheckpointClosed), nil
		}
		return nil, nil
	}, s.applied(id, r.state))
	if err != nil {
		s.log.WarnContext(ctx, "starting the hash chain of a room written before it failed; it is tried again at the room's next opening", "room", id, "err", err)
		return
	}
	s.log.InfoContext(ctx, "the room's log was written before events were hashed: its chain starts now", "room", id, "after", r.state.Seq)
}

// recover passes err on through fault; when it says the store lost r's
// log, r (emptied by catchUp) is reloaded at once from what the store
// has, and the observers are told (Observer.Reset), so nobody goes on
// with seqs of the old log. The caller holds r's lock.
func (s *Service) recover(ctx context.Context, r *room, err error) error {
	err = s.fault(ctx, err)
	if !errors.Is(err, ErrLost) {
		return err
	}
	id := r.state.ID
	if err := reload(ctx, s.store, RoomLog(id), r.state); err != nil {
		s.log.WarnContext(ctx, "reloading a room after the store lost events failed; it is dropped until its next use", "room", id, "err", err)
	}
	s.observers.each(func(o Observer) { o.Reset(id, r.state) })
	if !r.state.exists() {
		s.forget(r)
	}
	return err
}

// applied tells the observers of each event folded into st.
func (s *Service) applied(roomID string, st *State) func(Event) {
	return func(e Event) {
		s.observers.each(func(o Observer) { o.Applied(roomID, e, st) })
	}
}

func (s *Service) mirror(ctx context.Context, roomID string, st *State) {
	m, ok := s.store.(BalanceMirror)
	if !ok {
		return
	}
	if err := m.MirrorBalance(ctx, roomID, st.Seq, st.Balance(s.now())); err != nil {
		s.log.WarnContext(ctx, "balance mirror failed; the log is intact", "room", roomID, "seq", st.Seq, "err", err)
	}
}
