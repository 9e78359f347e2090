package rooms_test

import (
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

// Each queue entry carries the length its turn is expected to take, as the
// queue plans waits: the speaker's own average turn, the room's for someone
// who has not spoken, two minutes before anyone has.
func TestQueueEntriesCarryTheirExpectedTurn(t *testing.T) {
	for _, tc := range []struct {
		name  string
		turns []time.Duration // amina's, then carlos's, then amina's...
		want  map[string]float64
	}{
		{"nobody has spoken", nil, map[string]float64{"amina": 120, "carlos": 120, "mei": 120}},
		{"amina spoke a minute", []time.Duration{time.Minute}, map[string]float64{"amina": 60, "carlos": 60, "mei": 60}},
		{"both spoke", []time.Duration{time.Minute, 3 * time.Minute}, map[string]float64{"amina": 60, "carlos": 180, "mei": 120}},
		{"amina twice", []time.Duration{time.Minute, 3 * time.Minute, 2 * time.Minute}, map[string]float64{"amina": 90, "carlos": 180, "mei": 120}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
			for i, d := range tc.turns {
				r.speak([]rooms.Participant{amina, carlos}[i%2], time.Second, d)
			}
			for _, who := range []rooms.Participant{amina, carlos, mei} {
				r.do(who, cmd(rooms.CmdRaiseHand))
			}
			got := map[string]float64{}
			for _, e := range r.snapshot().Queue {
				got[e.Sub] = e.ExpectedS
			}
			for sub, want := range tc.want {
				if got[sub] != want {
					t.Errorf("%s expected_s = %v, want %v (all %v)", sub, got[sub], want, got)
				}
			}
		})
	}
}
