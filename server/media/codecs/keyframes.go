package codecs

import (
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// KeyframeGap is the least time between two keyframe requests to one
// camera: a burst of joining receivers costs it one keyframe.
const KeyframeGap = 250 * time.Millisecond

// Throttle runs a request at most once per KeyframeGap: one asked for
// within the gap runs at its end, once however many were asked for.
type Throttle struct {
	mu      sync.Mutex
	last    time.Time
	pending bool
}

// Do runs send now (on a goroutine of its own) or at the end of the gap.
func (k *Throttle) Do(send func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.pending {
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
