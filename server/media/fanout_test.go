package media

import (
	"testing"
)

func TestVenueReachesEverySubscriberInOrder(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publish("hall", "venue", 65000)
	const subscribers, packets = 5, 200
	var viewers []*viewer
	for i := range subscribers {
		viewers = append(viewers, r.view("v"+string(rune('a'+i)), 2))
	}
	r.until("every subscriber hears the venue", func() bool {
		for _, v := range viewers {
			if len(v.got(0)) == 0 {
				venue.send(1)
				return false
			}
		}
		return true
	})
	first := venue.sent + 1
	for sent := 0; sent < packets; sent += 10 {
		venue.sendRead(r, 10)
	}
	last := venue.sent
	for i, v := range viewers {
		r.until("every packet arrives", func() bool {
			got := v.got(0)
			return got[len(got)-1].counter >= last
		})
		var from []received
		for _, p := range v.got(0) {
			if p.counter >= first {
				from = append(from, p)
			}
		}
		if len(from) != packets {
			t.Fatalf("subscriber %d: %d packets of %d", i, len(from), packets)
		}
		for j, p := range from {
			if p.counter != first+uint64(j) {
				t.Fatalf("subscriber %d: packet %d is counter %d, want %d", i, j, p.counter, first+uint64(j))
			}
			if j > 0 && p.seq != from[j-1].seq+1 {
				t.Fatalf("subscriber %d: seq %d after %d", i, p.seq, from[j-1].seq)
			}
		}
		if got := v.got(1); len(got) != 0 {
			t.Fatalf("subscriber %d: the floor track carried %d packets while nobody held the floor", i, len(got))
		}
	}
}
