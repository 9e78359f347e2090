package rooms

import (
	"context"
	"encoding/json"
	"fmt"
)

// RecordSpec is who may read a room's record once it is closed: its event
// log, interventions, balance and transcripts in the public view. Public
// is true unless set false; it is set when the room is opened, and is part
// of the record as such.
type RecordSpec struct {
	Public *bool `json:"public,omitempty"`
}

// Published reports whether room's record answers without a token: the
// room is closed and was not opened with "record": {"public": false}.
func (s *Service) Published(ctx context.Context, roomID string) (bool, error) {
	closed := false
	if err := s.View(ctx, roomID, func(st *State) { closed = st.Closed }); err != nil || !closed {
		return false, err
	}
	first, err := s.store.Read(ctx, RoomLog(roomID), 0, 1)
	if err != nil {
		return false, fmt.Errorf("room %q: %w", roomID, err)
	}
	var created RoomCreated
	if len(first) == 0 || json.Unmarshal(first[0].Data, &created) != nil {
		return false, nil
	}
	return created.Record == nil || created.Record.Public == nil || *created.Record.Public, nil
}

// Log returns every event of one of room's logs, its event log or a
// transcript channel, in order. Unlike View it does not check a holder
// ctx carries (WithHolder), which would cost each log a read of the room:
// a request that serves a log reads the room through View before it
// answers.
func (s *Service) Log(ctx context.Context, log LogID) ([]Event, error) {
	_, done, err := s.existing(ctx, log.Room)
	if err != nil {
		return nil, err
	}
	done()
	evs, err := s.store.Read(ctx, log, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("log %q: %w", log, err)
	}
	return evs, nil
}
