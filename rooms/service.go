package rooms

import (
	"context"
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
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
	// observers learn of every event folded in (see Subscribe).
	observers observers[Observer]
	// node names this process among those sharing the store.
	node string

	mu    sync.Mutex
	rooms map[string]*room
}

type room struct {
	mu    sync.Mutex
	state *State
}

// NewService returns a Service over store. now may be nil for the wall clock.
func NewService(store Store, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, log: log, now: now, rooms: map[string]*room{}, node: newNodeID()}
}

// RoomSpec is what opening a room takes.
type RoomSpec struct {
	ID         string        `json:"id"`
	Title      string        `json:"title"`
	Policy     *queue.Policy `json:"policy,omitempty"`
	TimeLimitS float64       `json:"time_limit_s,omitempty"`
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
	r := s.room(spec.ID)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := s.store.Append(ctx, RoomLog(spec.ID), 0, []Event{draft(s.now(), actor.Actor(), EvRoomCreated, created)}); err != nil {
		if errors.Is(err, ErrConflict) {
			return Snapshot{}, fmt.Errorf("room %q: %w", spec.ID, ErrExists)
		}
		return Snapshot{}, fmt.Errorf("open room %q: %w", spec.ID, err)
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
	return RoomCreated{Title: title, Policy: policy, TimeLimitS: limit}, nil
}

// Execute checks cmd from actor against room's latest state and appends the
// events it causes. If another node appended first, the command is checked
// again against the newer state, so it never acts on a stale view.
func (s *Service) Execute(ctx context.Context, roomID string, actor Participant, cmd Command) (Result, error) {
	r, err := s.existing(ctx, roomID)
	if err != nil {
		return Result{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	appended, err := commit(ctx, s.store, RoomLog(roomID), r.state, func() ([]Event, error) {
		return r.state.Decide(s.now(), actor, cmd)
	}, s.applied(roomID, r.state))
	if err != nil {
		return Result{}, fmt.Errorf("room %q: %s: %w", roomID, cmd.Type, err)
	}
	s.mirror(ctx, roomID, r.state)
	return Result{Seq: r.state.Seq, Events: appended}, nil
}

// addLanguage records that room's transcript has a channel in lang, once.
func (s *Service) addLanguage(ctx context.Context, roomID string, actor Participant, lang string) error {
	r, err := s.existing(ctx, roomID)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err = commit(ctx, s.store, RoomLog(roomID), r.state, func() ([]Event, error) {
		if _, found := slices.BinarySearch(r.state.Languages, lang); found {
			return nil, nil
		}
		return []Event{draft(s.now(), actor.Actor(), EvLanguageAdded, Language{Lang: lang})}, nil
	}, s.applied(roomID, r.state))
	if err != nil {
		return fmt.Errorf("room %q: add language %s: %w", roomID, lang, err)
	}
	return nil
}

// View runs fn on room's latest state under its lock; fn must not keep the
// state or anything it returns that aliases it.
func (s *Service) View(ctx context.Context, roomID string, fn func(*State)) error {
	r, err := s.existing(ctx, roomID)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := s.catchUp(ctx, r); err != nil {
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
func (s *Service) Events(ctx context.Context, roomID string, after uint64, limit int) ([]Event, error) {
	if _, err := s.existing(ctx, roomID); err != nil {
		return nil, err
	}
	return s.store.Read(ctx, RoomLog(roomID), after, limit)
}

// Ready reports whether the store answers.
func (s *Service) Ready(ctx context.Context) error {
	return s.store.Ping(ctx)
}

func (s *Service) room(id string) *room {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rooms[id]
	if !ok {
		r = &room{state: NewState(id)}
		s.rooms[id] = r
	}
	return r
}

// existing returns the cached room, loading it from the store if another
// node opened it, or ErrNotFound. Unknown ids are not cached, so probing
// for rooms cannot grow memory.
func (s *Service) existing(ctx context.Context, id string) (*room, error) {
	if !ValidRoomID(id) {
		return nil, fmt.Errorf("room %q: %w", id, ErrNotFound)
	}
	s.mu.Lock()
	r, ok := s.rooms[id]
	s.mu.Unlock()
	if ok {
		return r, nil
	}
	seq, err := s.store.LastSeq(ctx, RoomLog(id))
	if err != nil {
		return nil, fmt.Errorf("room %q: %w", id, err)
	}
	if seq == 0 {
		return nil, fmt.Errorf("room %q: %w", id, ErrNotFound)
	}
	return s.room(id), nil
}

// catchUp folds in whatever the log holds beyond the cached state.
func (s *Service) catchUp(ctx context.Context, r *room) error {
	return catchUp(ctx, s.store, RoomLog(r.state.ID), r.state, s.applied(r.state.ID, r.state))
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
	if err := m.MirrorBalance(ctx, roomID, st.Seq, st.Balance()); err != nil {
		s.log.WarnContext(ctx, "balance mirror failed; the log is intact", "room", roomID, "seq", st.Seq, "err", err)
	}
}
