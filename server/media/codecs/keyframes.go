package codecs

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// KeyframeGap is the least time between two keyframe requests to one
// camera: a burst of joining receivers costs it one keyframe.
const KeyframeGap = 250 * time.Millisecond

// Throttle runs a source's keyframe requests at most once per
// KeyframeGap: one asked for within the gap runs at its end, once however
// many were asked for. Asked for, a keyframe is asked for again as the
// source's packets come (Saw) until one of them starts a keyframe: a
// request can be lost (RTCP is UDP) or made before the source's first
// packet.
type Throttle struct {
	mu      sync.Mutex
	last    time.Time
	pending bool
	send    func() // the request Ask was last given
	wanted  atomic.Bool
}

// Ask has send request a keyframe, now (on a goroutine of its own) or at
// the end of the gap, and again until one comes.
func (k *Throttle) Ask(send func()) {
	k.wanted.Store(true)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.send = send
	k.schedule()
}

// Saw is told each packet of the source, in codec mime, as it passes: a
// keyframe ends the asking, another packet asks again while one is wanted.
func (k *Throttle) Saw(mime string, payload []byte) {
	if !k.wanted.Load() {
		return
	}
	if StartsKeyframe(mime, payload) {
		k.wanted.Store(false)
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.schedule()
}

// schedule runs the request now or at the end of the gap. The caller
// holds k.mu.
func (k *Throttle) schedule() {
	send := k.send
	if k.pending || send == nil {
		return
	}
	wait := time.Until(k.last.Add(KeyframeGap))
	if wait <= 0 {
		k.last = time.Now()
		go send()
		return
	}
	k.pending = true
	time.AfterFunc(wait, func() {
		k.mu.Lock()
		k.pending, k.last = false, time.Now()
		k.mu.Unlock()
		send()
	})
}

// ReadRTCP reads a sender's RTCP until its connection closes (reading it
// is what feeds the interceptors: sender reports, a NACK responder) and
// calls keyframe, unless nil, for each request for a keyframe (PLI or
// FIR) among it.
func ReadRTCP(s *webrtc.RTPSender, keyframe func()) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if keyframe != nil {
					keyframe()
				}
			}
		}
	}
}
