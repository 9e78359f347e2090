package rooms

import (
	"context"
	"errors"
	"fmt"
)

// maxAttempts bounds how often a command is re-checked when other writers
// keep winning the race to append; past it the caller gets ErrConflict.
const maxAttempts = 16

// folded is the state a log folds into: a room's State or a transcript
// Channel.
type folded interface {
	Apply(Event)
	lastSeq() uint64
}

func (s *State) lastSeq() uint64   { return s.Seq }
func (c *Channel) lastSeq() uint64 { return c.Seq }

// commit is compare-and-append on one log: it catches f up with the log,
// asks decide for events against that state, and appends them at the
// state's seq. When another writer appended first it starts over, so decide
// never acts on a stale view. Every event folded in, caught up or
// appended, is passed to applied. The caller holds the lock guarding f.
func commit(ctx context.Context, store Store, id LogID, f folded, decide func() ([]Event, error), applied func(Event)) ([]Event, error) {
	for range maxAttempts {
		if err := catchUp(ctx, store, id, f, applied); err != nil {
			return nil, err
		}
		drafts, err := decide()
		if err != nil || len(drafts) == 0 {
			return nil, err
		}
		appended, err := store.Append(ctx, id, f.lastSeq(), drafts)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("log %q: %w", id, err)
		}
		for _, e := range appended {
			f.Apply(e)
			applied(e)
		}
		return appended, nil
	}
	return nil, fmt.Errorf("log %q: %w after %d attempts", id, ErrConflict, maxAttempts)
}

// catchUp folds in whatever the log holds beyond f.
func catchUp(ctx context.Context, store Store, id LogID, f folded, applied func(Event)) error {
	evs, err := store.Read(ctx, id, f.lastSeq(), 0)
	if err != nil {
		return fmt.Errorf("log %q: read: %w", id, err)
	}
	for _, e := range evs {
		f.Apply(e)
		applied(e)
	}
	return nil
}
