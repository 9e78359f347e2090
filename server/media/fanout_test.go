package media

import (
	"fmt"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
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

// countingWriter records the sequence numbers written to one track.
type countingWriter struct {
	ssrc uint32
	seqs []uint16
	bad  int // packets with another track's SSRC
}

func (w *countingWriter) WriteRTP(h *rtp.Header, _ []byte) (int, error) {
	if h.SSRC != w.ssrc {
		w.bad++
	}
	w.seqs = append(w.seqs, h.SequenceNumber)
	return 0, nil
}

func (w *countingWriter) Write(b []byte) (int, error) { return len(b), nil }

// TestAWideFanoutWritesEveryTrackOnceInOrder covers the fan-out split
// over several goroutines (more than chunkTracks subscribers): each track
// gets every packet once, in order, with its own SSRC.
func TestAWideFanoutWritesEveryTrackOnceInOrder(t *testing.T) {
	f := newFanout()
	const tracks, packets = 3*chunkTracks + 7, 20
	writers := make([]*countingWriter, tracks)
	for i := range writers {
		writers[i] = &countingWriter{ssrc: uint32(1000 + i)}
		tr := newOutTrack("audio", "s", webrtc.MimeTypeOpus)
		tr.bound.Store(&binding{ssrc: writers[i].ssrc, pt: 111, w: writers[i]})
		f.add(tr)
	}
	for i := range packets {
		f.forward(1, rtp.Header{Version: 2, SequenceNumber: uint16(500 + i), Timestamp: uint32(i) * 960}, []byte{byte(i)})
	}
	for i, w := range writers {
		if len(w.seqs) != packets || w.bad != 0 {
			t.Fatalf("track %d: %d packets, %d with another SSRC; want %d, 0", i, len(w.seqs), w.bad, packets)
		}
		for j, seq := range w.seqs {
			if seq != uint16(500+j) {
				t.Fatalf("track %d: packet %d has seq %d, want %d", i, j, seq, 500+j)
			}
		}
	}
}
