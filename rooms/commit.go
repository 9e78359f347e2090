package rooms

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// maxAttempts bounds how often a command is re-checked when other writers
// keep winning the race to append; past it the caller gets ErrConflict.
const maxAttempts = 16

// folded is the state a log folds into: a room's State or a transcript
// Channel.
type folded interface {
	Apply(Event)
	lastSeq() uint64
	// head is the hash of the last event folded in, "" before the chain
	// starts.
	head() string
	// reset forgets every event folded in, so that the next catch-up
	// loads the log again from its start.
	reset()
}

func (s *State) lastSeq() uint64   { return s.Seq }
func (c *Channel) lastSeq() uint64 { return c.Seq }
func (s *State) head() string      { return s.Head }
func (c *Channel) head() string    { return c.Head }

// reset empties the state in place: whoever holds it (a watcher, the
// cache) sees the reload.
func (s *State) reset()   { *s = *NewState(s.ID) }
func (c *Channel) reset() { *c = *NewChannel(c.Room, c.Lang) }

// commit is compare-and-append on one log: it catches f up with the log,
// asks decide for events against that state, and appends them at the
// state's seq, chained to its head. When another writer appended first it
// starts over, so decide never acts on a stale view. A log written before
// the chain gets the event that starts it first, on its own, as decide
// numbers requests by seq. Every event folded in, caught up or appended,
// is passed to applied; now times the start of the chain. The caller
// holds the lock guarding f.
func commit(ctx context.Context, store Store, id LogID, f folded, now func() time.Time, decide func() ([]Event, error), applied func(Event)) ([]Event, error) {
	for range maxAttempts {
		if err := catchUp(ctx, store, id, f, applied); err != nil {
			return nil, err
		}
		var drafts []Event
		unchained := f.lastSeq() > 0 && f.head() == ""
		if unchained {
			drafts = []Event{chainStart(now(), f.lastSeq())}
		} else {
			var err error
			if drafts, err = decide(); err != nil || len(drafts) == 0 {
				return nil, err
			}
		}
		appended, err := appendChained(ctx, store, id, f, drafts, applied)
		switch {
		case errors.Is(err, ErrConflict), err == nil && unchained:
			continue
		case err != nil:
			return nil, err
		}
		return appended, nil
	}
	busy := fmt.Errorf("%w: other changes kept arriving first; try again", ErrConflict)
	return nil, fmt.Errorf("log %q: %d attempts: %w", id, maxAttempts, busy)
}

// appendChained chains drafts to f's head, appends them at f's seq, and
// folds them in.
func appendChained(ctx context.Context, store Store, id LogID, f folded, drafts []Event, applied func(Event)) ([]Event, error) {
	chained, err := link(id, f.lastSeq(), f.head(), drafts)
	if err != nil {
		return nil, fmt.Errorf("log %q: %w", id, err)
	}
	appended, err := store.Append(ctx, id, f.lastSeq(), chained)
	if err != nil {
		return nil, fmt.Errorf("log %q: %w", id, err)
	}
	for _, e := range appended {
		f.Apply(e)
		applied(e)
	}
	return appended, nil
}

// catchUp folds in whatever the log holds beyond f. It reads f's last
// event back as well, to check that the store still has it: a log shorter
// than what f holds is a fault, a *LostError, and f is emptied so that the
// next catch-up loads the log from what the store has.
//
// Only the length is checked: a log replaced by another at least as long
// (lost, then rewritten past this node's seq before it looked) is not told
// apart.
func catchUp(ctx context.Context, store Store, id LogID, f folded, applied func(Event)) error {
	held := f.lastSeq()
	evs, err := store.Read(ctx, id, held-min(held, 1), 0)
	if err != nil {
		return fmt.Errorf("log %q: read: %w", id, err)
	}
	if held > 0 {
		if len(evs) == 0 || evs[0].Seq != held {
			return lost(ctx, store, id, f)
		}
		evs = evs[1:]
	}
	for _, e := range evs {
		f.Apply(e)
		applied(e)
	}
	return nil
}

// reloadWait bounds a reload after a loss, which runs whatever becomes
// of the request that found the loss.
const reloadWait = 10 * time.Second

// reload folds f, emptied after a loss, afresh from what the store has,
// telling no observer of each event: the caller tells them of the reload
// as one reset. If that fails f is left empty.
func reload(ctx context.Context, store Store, id LogID, f folded) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reloadWait)
	defer cancel()
	if err := catchUp(ctx, store, id, f, func(Event) {}); err != nil {
		f.reset()
		return err
	}
	return nil
}

// LostError says that the store holds fewer events of a log than this
// node had folded in. It wraps ErrLost.
type LostError struct {
	Log LogID
	// Held is the seq this node had; Has is the store's last seq (0 if
	// even that could not be read).
	Held, Has uint64
}

func (e *LostError) Error() string {
	return fmt.Sprintf("%s: the store holds %d of the %d events this server had; it is reloaded from what the store has: look at it again before you retry", ErrLost, e.Has, e.Held)
}

func (e *LostError) Unwrap() error { return ErrLost }

// lost empties f, whose log the store no longer holds in full, and says so.
func lost(ctx context.Context, store Store, id LogID, f folded) error {
	held := f.lastSeq()
	f.reset()
	has, err := store.LastSeq(ctx, id)
	lostErr := &LostError{Log: id, Held: held, Has: has}
	if err != nil {
		return fmt.Errorf("log %q: %w (reading its last seq: %v)", id, lostErr, err)
	}
	return fmt.Errorf("log %q: %w", id, lostErr)
}
