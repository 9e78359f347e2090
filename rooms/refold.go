package rooms

import (
	"context"
	"fmt"
)

// Refold folds room's log afresh from the store, as a node loading the room
// does, and calls fn with each event after `after`, in order, and the state
// right after it: what an Observer's Applied saw on the node that folded
// the event live. A node that did not follow the room then can still send
// a client the events it missed (the log is the record). fn must not keep
// st. It returns the seq folded up to.
func (s *Service) Refold(ctx context.Context, roomID string, after uint64, fn func(e Event, st *State)) (uint64, error) {
	events, err := s.store.Read(ctx, RoomLog(roomID), 0, 0)
	if err != nil {
		return 0, fmt.Errorf("room %q: refold: %w", roomID, err)
	}
	st := NewState(roomID)
	for _, e := range events {
		st.Apply(e)
		if e.Seq > after {
			fn(e, st)
		}
	}
	return st.Seq, nil
}
