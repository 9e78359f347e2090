package media

import (
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/parley-hub/parley/server/media/codecs"
)

// opusRate is Opus's RTP clock rate.
const opusRate = codecs.OpusRate

// historySize is how many packets a fanout keeps to answer NACKs: 10 s
// of 20 ms frames, more than any retransmission can still be in time for.
const historySize = 512

// fanout is one continuous RTP stream written to every subscribed track.
// Packets may come from several sources over time (a venue replaced, one
// speaker after another); the fanout rewrites sequence numbers and
// timestamps so that each switch continues the stream where it was. It
// keeps one copy of each recent packet for every subscriber's NACKs.
type fanout struct {
	// rate is the RTP clock rate of what it carries.
	rate   uint32
	mu     sync.Mutex
	tracks []*outTrack
	// src is the source of the last packet written, 0 before the first.
	src     uint64
	seqOff  uint16
	tsOff   uint32
	lastSeq uint16
	lastTS  uint32
	lastAt  time.Time
	now     func() time.Time
	history [historySize]kept
}

// kept is a packet as the fanout wrote it, by output sequence number.
type kept struct {
	ok      bool
	header  rtp.Header
	payload []byte
}

// newFanout is a fanout of Opus audio; newFanoutAt of a clock rate.
func newFanout() *fanout { return newFanoutAt(opusRate) }

func newFanoutAt(rate uint32) *fanout { return &fanout{rate: rate, now: time.Now} }

func (f *fanout) add(t *outTrack) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tracks = append(f.tracks, t)
}

func (f *fanout) remove(t *outTrack) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tracks = slices.DeleteFunc(f.tracks, func(x *outTrack) bool { return x == t })
}

// forward writes a packet (header h, which it rewrites, and payload) from
// source src to every track, once each.
func (f *fanout) forward(src uint64, h rtp.Header, payload []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rewrite(src, &h)
	k := &f.history[h.SequenceNumber%historySize]
	k.ok, k.header, k.payload = true, h, append(k.payload[:0], payload...)
	writeAll(f.tracks, &k.header, k.payload)
	traffic.forwarded.Add(uint64(len(f.tracks)))
}

// chunkTracks is how many subscribers one goroutine writes a packet to
// before the fan-out takes another CPU: about 3 ms of writes, which a
// packet can spare of its 20.
const chunkTracks = 256

// writeAll writes one packet to every track, on one goroutine up to
// chunkTracks of them and split over the CPUs beyond that, so that a
// room's fan-out is not bound to one core and its last subscriber does not
// wait for a thousand writes before its own. Each track is written by one
// goroutine, and writeAll returns once all are done: the fanout's lock,
// held throughout, still orders every write to a track.
func writeAll(tracks []*outTrack, h *rtp.Header, payload []byte) {
	parts := min(runtime.GOMAXPROCS(0), (len(tracks)+chunkTracks-1)/chunkTracks)
	if parts <= 1 {
		writeEach(tracks, h, payload)
		return
	}
	size := (len(tracks) + parts - 1) / parts
	var wg sync.WaitGroup
	for part := range slices.Chunk(tracks[size:], size) {
		wg.Go(func() { writeEach(part, h, payload) })
	}
	writeEach(tracks[:size], h, payload)
	wg.Wait()
}

func writeEach(tracks []*outTrack, h *rtp.Header, payload []byte) {
	for _, t := range tracks {
		t.write(h, payload)
	}
}

// resend writes to t again the packets its subscriber reported lost that
// the history still has (RFC 4585 generic NACK, on the same SSRC).
func (f *fanout) resend(t *outTrack, nack *rtcp.TransportLayerNack) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range nack.Nacks {
		nack.Nacks[i].Range(func(seq uint16) bool {
			if k := &f.history[seq%historySize]; k.ok && k.header.SequenceNumber == seq {
				t.write(&k.header, k.payload)
			}
			return true
		})
	}
}

// rewrite maps h from src onto the output stream. A new source's first
// packet follows the last one written: the next sequence number, and a
// timestamp advanced by the wall time since (at least one 20 ms frame), so
// players neither see a gap to conceal nor a jump to resynchronise on.
func (f *fanout) rewrite(src uint64, h *rtp.Header) {
	now := f.now()
	if src != f.src {
		if f.src != 0 {
			// Capped so that the product stays in range; timestamps wrap anyway.
			silence := min(now.Sub(f.lastAt), time.Hour)
			gap := max(uint32(silence*time.Duration(f.rate)/time.Second), f.rate/50)
			f.seqOff = f.lastSeq + 1 - h.SequenceNumber
			f.tsOff = f.lastTS + gap - h.Timestamp
			// For audio the marker starts a talkspurt; for video it ends a
			// frame, which is the source's to say.
			h.Marker = h.Marker || f.rate == opusRate
		}
		f.src = src
		f.lastSeq, f.lastTS = h.SequenceNumber+f.seqOff-1, h.Timestamp+f.tsOff
	}
	h.SequenceNumber += f.seqOff
	h.Timestamp += f.tsOff
	// Extensions were negotiated with the publisher, not the subscribers;
	// contributing sources are the publisher's business too.
	h.Extension, h.Extensions, h.CSRC = false, nil, nil
	if int16(h.SequenceNumber-f.lastSeq) > 0 {
		f.lastSeq, f.lastTS, f.lastAt = h.SequenceNumber, h.Timestamp, now
	}
}
