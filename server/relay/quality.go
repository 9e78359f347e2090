package relay

import (
	"sync"
	"time"
)

// LinkQuality is the relay's upstream link as the relay measures it, for
// a hub console that cannot measure it itself (its microphone's session
// ends at the relay). Each figure is null until measured, and again once
// what measured it has ended.
type LinkQuality struct {
	// RTT is the round trip of the live connection's last ping answered.
	RTT *float64 `json:"rtt_s"`
	// Loss is the share of the plenary audio's packets that never came,
	// after NACK recovery, over the last window (lossWindow) in which some
	// were due.
	Loss *float64 `json:"loss"`
	// Jitter is the plenary audio's interarrival jitter (RFC 3550), the
	// larger of its lines'.
	Jitter *float64 `json:"jitter_s"`
}

// pingID names the relay's pings upstream, whose pongs it times.
const pingID = "relay-ping"

// quality is what LinkQuality is made of; Relay.mu guards it.
type quality struct {
	pingAt time.Time     // when the unanswered ping went, zero if none
	rtt    time.Duration // 0 until a pong
	// loss and jitter are the last window's, nil without a media session.
	loss, jitter *float64
}

func (q quality) status() LinkQuality {
	s := LinkQuality{Loss: q.loss, Jitter: q.jitter}
	if q.rtt > 0 {
		s.RTT = ptr(q.rtt.Seconds())
	}
	return s
}

// pinged notes a ping written upstream now; while one is unanswered its
// time stands, so a late answer is timed from the ping it may answer.
func (q *quality) pinged() {
	if q.pingAt.IsZero() {
		q.pingAt = time.Now()
	}
}

// ponged times the answer to the last ping.
func (q *quality) ponged() {
	if !q.pingAt.IsZero() {
		q.rtt, q.pingAt = max(time.Since(q.pingAt), time.Nanosecond), time.Time{}
	}
}

// linkDown forgets the round trip of a connection that has gone.
func (q *quality) linkDown() { q.rtt, q.pingAt = 0, time.Time{} }

func ptr[T any](v T) *T { return &v }

// audioClock is the RTP clock of the plenary's audio (Opus).
const audioClock = 48000

// jitter estimates one audio line's interarrival jitter as RFC 3550 does,
// in RTP clock units. A step past a second is a new source or a restart,
// not jitter, and starts the estimate over from there.
type jitter struct {
	mu      sync.Mutex
	started bool
	arrived time.Time
	ts      uint32
	j       float64
}

func (e *jitter) add(ts uint32, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		d := float64(now.Sub(e.arrived))*audioClock/float64(time.Second) - float64(int32(ts-e.ts))
		if d < 0 {
			d = -d
		}
		if d <= audioClock {
			e.j += (d - e.j) / 16
		}
	}
	e.started, e.arrived, e.ts = true, now, ts
}

// seconds is the estimate in seconds; ok is false before any packet.
func (e *jitter) seconds() (s float64, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.j / audioClock, e.started
}
