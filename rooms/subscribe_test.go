package rooms_test

import (
	"slices"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

// recorder keeps the seqs it is told of.
type recorder struct{ seqs *[]uint64 }

func (r recorder) Applied(_ string, e rooms.Event, st *rooms.State) {
	if e.Seq != st.Seq {
		panic("observer called before the event was folded in")
	}
	*r.seqs = append(*r.seqs, e.Seq)
}

func (r recorder) SegmentChanged(_, _ string, e rooms.Event, _ rooms.Segment) {
	*r.seqs = append(*r.seqs, e.Seq)
}

func (recorder) Reset(string, *rooms.State) {}

func (recorder) ChannelReset(string, string, *rooms.Channel) {}

// Any number of observers each see every event, in order, until they
// cancel; cancelling one leaves the others subscribed.
func TestSubscribersSeeEveryEventUntilTheyCancel(t *testing.T) {
	r := newTranscriptRoom(t)
	var a, b, segs []uint64
	cancelA := r.svc.Subscribe(recorder{&a})
	cancelB := r.svc.Subscribe(recorder{&b})
	defer cancelB()
	defer r.tr.Subscribe(recorder{&segs})()

	r.do(t, amina, rooms.Command{Type: rooms.CmdRaiseHand})
	r.do(t, chair, rooms.Command{Type: rooms.CmdCallNext})
	cancelA()
	cancelA() // a second cancel is harmless
	r.do(t, chair, rooms.Command{Type: rooms.CmdRelease})
	r.post(t, "en", 1, "One.\n")

	if want := []uint64{2, 3}; !slices.Equal(a, want) {
		t.Errorf("cancelled observer saw %v, want %v", a, want)
	}
	// b also sees the language the first caption added to the room.
	if want := []uint64{2, 3, 4, 5}; !slices.Equal(b, want) {
		t.Errorf("observer saw %v, want %v", b, want)
	}
	if want := []uint64{1}; !slices.Equal(segs, want) {
		t.Errorf("transcript observer saw %v, want %v", segs, want)
	}
}
