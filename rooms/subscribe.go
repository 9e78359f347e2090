package rooms

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Observer learns of the events this node folds into rooms' states.
//
// Contract: Applied is called for every event folded in, whether it was
// appended here or by another node, in log order per room, with the room's
// lock held. So it must be quick (capture what it needs; encode and send
// elsewhere), must not call back into the Service, and must not keep st or
// anything it returns that aliases st beyond the call. Different rooms'
// events may be delivered concurrently.
//
// When the store is found to have lost events this node had folded in (a
// *LostError), the room is reloaded at once from what the store has, and
// Reset is called instead of Applied for the events of that reload: seqs
// start again from what the store holds, so whatever an observer kept of
// the old log (seqs, a window of events) no longer applies.
type Observer interface {
	// Applied is called right after e was folded into st.
	Applied(room string, e Event, st *State)
	// Reset is called, under the same contract, once st has been reloaded
	// after a loss; st.Seq is 0 if the store no longer has the room.
	Reset(room string, st *State)
}

// TranscriptObserver learns of the transcript entries this node folds in,
// under the same contract as Observer: every entry, in log order per
// channel, with the channel's lock held, quickly, without calling back in.
type TranscriptObserver interface {
	// SegmentChanged is called after e changed seg in room's channel lang.
	SegmentChanged(room, lang string, e Event, seg Segment)
	// ChannelReset is called, as Observer.Reset is, once room's channel
	// lang has been reloaded after the store lost entries of it; ch.Seq is
	// 0 if the store has none left.
	ChannelReset(room, lang string, ch *Channel)
}

// Subscribe adds o to the observers of every room until cancel is called.
// Any number may subscribe; each sees every event. After cancel returns, no
// new call to o begins.
func (s *Service) Subscribe(o Observer) (cancel func()) { return s.observers.add(o) }

// Subscribe adds o to the observers of every transcript channel until
// cancel is called, as Service.Subscribe does.
func (t *Transcripts) Subscribe(o TranscriptObserver) (cancel func()) {
	return t.observers.add(o)
}

// observers is a set of listeners read on every event without a lock: the
// list is replaced, never changed in place.
type observers[O any] struct {
	mu   sync.Mutex // serialises changes to list
	list atomic.Pointer[[]*O]
}

func (obs *observers[O]) add(o O) (cancel func()) {
	entry := &o
	obs.mu.Lock()
	defer obs.mu.Unlock()
	obs.store(append(obs.load(), entry))
	var once sync.Once
	return func() {
		once.Do(func() {
			obs.mu.Lock()
			defer obs.mu.Unlock()
			obs.store(slices.DeleteFunc(slices.Clone(obs.load()), func(e *O) bool { return e == entry }))
		})
	}
}

func (obs *observers[O]) load() []*O {
	if l := obs.list.Load(); l != nil {
		return *l
	}
	return nil
}

func (obs *observers[O]) store(l []*O) { obs.list.Store(&l) }

// each calls fn for every observer subscribed now.
func (obs *observers[O]) each(fn func(O)) {
	for _, o := range obs.load() {
		fn(*o)
	}
}
