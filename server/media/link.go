package media

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
)

// Link is a hub's link to the plenary as the main server measures it: the
// receiver reports the hub's session (its relay's, or its console's) sends
// back for the plenary audio. Each figure is null until reported.
type Link struct {
	Sub string `json:"sub"`
	Hub string `json:"hub"`
	// RTT is the round trip, from the report's echo of the server's last
	// sender report (RFC 3550 LSR and DLSR).
	RTT *float64 `json:"rtt_s"`
	// Loss is the share of packets lost since the previous report.
	Loss *float64 `json:"loss"`
	// Jitter is the interarrival jitter, in seconds.
	Jitter *float64 `json:"jitter_s"`
	// At is when the last report came.
	At time.Time `json:"at"`
}

// heard keeps what a hub's receiver report says of t, the plenary audio it
// receives; reports of other tracks, and of people other than hubs, are
// not kept.
func (s *session) heard(t *outTrack, rr *rtcp.ReceiverReport, now time.Time) {
	b := t.bound.Load()
	if s.who.Role != rooms.RoleHub || b == nil || !strings.EqualFold(t.mime, webrtc.MimeTypeOpus) {
		return
	}
	for _, r := range rr.Reports {
		if r.SSRC != b.ssrc {
			continue
		}
		l := Link{Sub: s.who.Sub, Hub: s.who.Hub, At: now,
			Loss: ptr(float64(r.FractionLost) / 256), Jitter: ptr(float64(r.Jitter) / audioClock)}
		if r.LastSenderReport != 0 {
			// Middle 32 bits of the NTP time, in 1/65536 s, wrapping.
			rtt := ntpMiddle(now) - r.LastSenderReport - r.Delay
			l.RTT = ptr(float64(rtt) / 65536)
		}
		s.link.Store(&l)
	}
}

// audioClock is the RTP clock of the plenary's audio (Opus).
const audioClock = 48000

// ntpEpoch is 1900-01-01, where NTP time starts, in Unix seconds.
const ntpEpoch = 2208988800

func ntpMiddle(t time.Time) uint32 {
	secs := uint64(t.Unix() + ntpEpoch)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return uint32((secs<<32 | frac) >> 16)
}

func ptr[T any](v T) *T { return &v }

// Links lists the room's hubs' links now, by hub then sub, for the chair
// (or an admin) who asks.
func (p *Plane) Links(roomID string, who rooms.Participant) ([]Link, error) {
	if who.Role != rooms.RoleChair && who.Role != rooms.RoleAdmin {
		return nil, fmt.Errorf("%w: only the chair sees the hubs' links", rooms.ErrForbidden)
	}
	out := []Link{}
	r := p.roomOf(roomID)
	if r == nil {
		return out, nil
	}
	for _, s := range r.all() {
		if l := s.link.Load(); l != nil && !s.stopped.Load() {
			out = append(out, *l)
		}
	}
	slices.SortFunc(out, func(a, b Link) int { return cmp.Or(cmp.Compare(a.Hub, b.Hub), cmp.Compare(a.Sub, b.Sub)) })
	return out, nil
}
