package rooms_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// BenchmarkFold100k folds a room of 100,000 events into its state, as a node
// does when it loads a room: the part of a replay that is not the store's.
func BenchmarkFold100k(b *testing.B) {
	log := meetingLog(b, 100_000)
	b.ResetTimer()
	for b.Loop() {
		st := rooms.NewState("plenary")
		for _, e := range log {
			st.Apply(e)
		}
		st.Snapshot(t0)
	}
}

// meetingLog makes a log of n events from a long plenary: hands raised from
// 12 speakers in turn, each called, speaking, and yielding the floor.
func meetingLog(b *testing.B, n int) []rooms.Event {
	r := &room{state: rooms.NewState("plenary"), now: t0}
	r.append(rooms.Event{Time: t0, Actor: chair.Actor(), Type: rooms.EvRoomCreated, Data: []byte(`{"title":"Plenary","policy":{"kind":"balanced"},"time_limit_s":120}`)})
	groups := []string{"government", "private-sector", "civil-society", "technical-community", "academia", "intergovernmental"}
	genders := []string{"woman", "man", "non-binary"}
	speakers := make([]rooms.Participant, 12)
	for i := range speakers {
		speakers[i] = rooms.Participant{Sub: fmt.Sprint("s", i), Name: fmt.Sprint("Speaker ", i), Role: rooms.RoleParticipant,
			Group: groups[i%len(groups)], Gender: genders[i%len(genders)], Region: "africa", Mode: rooms.ModeRemote}
	}
	for i := 0; len(r.log) < n; i++ {
		p := speakers[i%len(speakers)]
		evs, err := r.state.Decide(r.now, p, rooms.Command{Type: rooms.CmdRaiseHand})
		if err == nil {
			r.append(evs...)
		}
		r.now = r.now.Add(20 * time.Second)
		if i%3 == 2 {
			evs, err := r.state.Decide(r.now, chair, rooms.Command{Type: rooms.CmdCallNext})
			if err != nil {
				b.Fatal(err)
			}
			r.append(evs...)
		}
	}
	return r.log[:n]
}
