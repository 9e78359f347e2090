package media

import (
	"fmt"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
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

func TestALostPacketIsResentOnNACK(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publish("hall", "venue", 100)
	// Replay protection would drop the resent copy of a packet this
	// client did receive; a client that lost it has no such copy.
	api := clientAPIWith(t, func(se *webrtc.SettingEngine) { se.DisableSRTPReplayProtection(true) })
	v := r.viewWith(newViewerOf(t, api, 1), "whep", "viewer", rooms.RoleParticipant)
	got := r.hears(v, 0, venue, venue.sent+5)
	lost := got[len(got)-3]
	v.mu.Lock()
	ssrc := v.ssrcs[v.mids[0]]
	v.mu.Unlock()
	if err := v.pc.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{MediaSSRC: ssrc, Nacks: []rtcp.NackPair{{PacketID: lost.seq}}}}); err != nil {
		t.Fatal(err)
	}
	r.until(fmt.Sprintf("packet %d comes again", lost.seq), func() bool {
		n := 0
		for _, p := range v.got(0) {
			if p.seq == lost.seq && p.counter == lost.counter {
				n++
			}
		}
		return n == 2
	})
}
