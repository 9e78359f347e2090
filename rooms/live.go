package rooms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Follower is implemented by stores shared between nodes (Redis): it lets a
// node learn promptly of events another node appended.
type Follower interface {
	// Follow calls fn for each event of the log after seq, in order, as
	// they are appended, until ctx is done or fn returns an error.
	Follow(ctx context.Context, log LogID, after uint64, fn func(Event) error) error
}

// Watch keeps room's state current with events appended by other nodes, so
// observers see them promptly, until ctx is done. With a store that is not
// shared it returns at once: every event passes through this node.
func (s *Service) Watch(ctx context.Context, roomID string) error {
	if _, ok := s.store.(Follower); !ok {
		return nil
	}
	r, err := s.existing(ctx, roomID)
	if err != nil {
		return err
	}
	return watchLog(ctx, s.store, RoomLog(roomID), &r.mu, r.state, s.applied(roomID, r.state))
}

// watchLog folds into f, under mu, whatever other nodes append to log id,
// until ctx is done, which is the normal end. store must be a Follower.
func watchLog(ctx context.Context, store Store, id LogID, mu *sync.Mutex, f folded, applied func(Event)) error {
	mu.Lock()
	after := f.lastSeq()
	mu.Unlock()
	err := store.(Follower).Follow(ctx, id, after, func(e Event) error {
		mu.Lock()
		defer mu.Unlock()
		if e.Seq > f.lastSeq() {
			return catchUp(ctx, store, id, f, applied)
		}
		return nil
	})
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return fmt.Errorf("log %q: watch: %w", id, err)
}

// Snapshot keys that an event can change; a live client replaces each key an
// event message carries.
const (
	KeyFloor      = "floor"
	KeyQueue      = "queue"
	KeyBalance    = "balance"
	KeyTitle      = "title"
	KeyAgendaItem = "agenda_item"
	KeyListOpen   = "list_open"
	KeyClosed     = "closed"
	KeyPolicy     = "policy"
	KeyTimeLimit  = "time_limit_s"
	KeyLanguages  = "languages"
)

// changedKeys lists, per event type, the snapshot keys it changes. The queue
// and balance move with the record as well as with the requests, because the
// balanced policy's order and reasons depend on who has spoken.
var changedKeys = map[string][]string{
	EvRoomCreated:    {KeyTitle, KeyPolicy, KeyTimeLimit, KeyListOpen, KeyQueue, KeyBalance},
	EvHandRaised:     {KeyQueue, KeyBalance},
	EvHandWithdrawn:  {KeyQueue},
	EvRequestMoved:   {KeyQueue},
	EvRequestSkipped: {KeyQueue},
	EvRequestRemoved: {KeyQueue},
	EvFloorGranted:   {KeyFloor, KeyQueue, KeyBalance},
	EvFloorReleased:  {KeyFloor, KeyQueue, KeyBalance},
	EvFloorPaused:    {KeyFloor, KeyBalance},
	EvFloorResumed:   {KeyFloor, KeyBalance},
	EvFloorExtended:  {KeyFloor},
	EvTimeLimitSet:   {KeyTimeLimit},
	EvPolicySet:      {KeyPolicy, KeyQueue, KeyBalance},
	EvListClosed:     {KeyListOpen},
	EvListOpened:     {KeyListOpen},
	EvAgendaItemSet:  {KeyAgendaItem},
	EvRoomClosed:     {KeyClosed, KeyListOpen, KeyFloor},
	EvLanguageAdded:  {KeyLanguages},
}

// Changes returns the parts of the snapshot that event type typ changed, as
// of now, keyed as in the snapshot's JSON.
func (s *State) Changes(typ string, now time.Time) map[string]any {
	keys := changedKeys[typ]
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		switch k {
		case KeyFloor:
			if s.floor != nil {
				out[k] = s.floor.view(now)
			} else {
				out[k] = nil
			}
		case KeyQueue:
			out[k] = s.Queue()
		case KeyBalance:
			out[k] = s.Balance(now)
		case KeyTitle:
			out[k] = s.Title
		case KeyAgendaItem:
			out[k] = s.AgendaItem
		case KeyListOpen:
			out[k] = s.ListOpen
		case KeyClosed:
			out[k] = s.Closed
		case KeyPolicy:
			out[k] = s.Policy
		case KeyTimeLimit:
			out[k] = s.TimeLimit.Seconds()
		case KeyLanguages:
			out[k] = slices.Clone(s.Languages)
		}
	}
	return out
}
