package media

import (
	"sync/atomic"

	"github.com/pion/rtcp"
)

// Stats are the media plane's figures, for monitoring.
type Stats struct {
	// Publishers (WHIP) and Subscribers (WHEP) are this plane's sessions
	// open now.
	Publishers, Subscribers int
	// Forwarded counts the RTP packets written to subscribers' tracks, once
	// per subscriber, retransmissions aside; Lost those the subscribers'
	// receiver reports (RFC 3550 §6.4.1, cumulative loss) say never
	// arrived, so after NACK retransmissions. Both count every plane of
	// the process, since it started.
	Forwarded, Lost uint64
}

// traffic counts the packets of every plane: a process runs one, and a
// counter read by Prometheus must never go down, as one kept per room
// would when the room's media ends.
var traffic struct{ forwarded, lost atomic.Uint64 }

// Stats counts the plane's sessions now, and the packets so far.
func (p *Plane) Stats() Stats {
	p.mu.Lock()
	rooms := make([]*room, 0, len(p.rooms))
	for _, r := range p.rooms {
		rooms = append(rooms, r)
	}
	p.mu.Unlock()
	st := Stats{Forwarded: traffic.forwarded.Load(), Lost: traffic.lost.Load()}
	for _, r := range rooms {
		for _, s := range r.all() {
			switch {
			case s.stopped.Load():
			case s.kind == kindViewer:
				st.Subscribers++
			default:
				st.Publishers++
			}
		}
	}
	return st
}

// countLost counts what the subscriber's receiver reports say it lost of
// t since its last report. Only t's RTCP reader calls it.
func (t *outTrack) countLost(reports []rtcp.ReceptionReport) {
	b := t.bound.Load()
	if b == nil {
		return
	}
	for _, r := range reports {
		// The cumulative loss may go down (duplicates count against it);
		// only its rise past the highest seen is new loss.
		if r.SSRC == b.ssrc && r.TotalLost > t.lost {
			traffic.lost.Add(uint64(r.TotalLost - t.lost))
			t.lost = r.TotalLost
		}
	}
}
