// Package ratelimit bounds what one person (token sub) may do on a node,
// over HTTP and live alike: a token bucket for everything they send, and a
// cap on their open live connections (People). People is safe for
// concurrent use; its one lock is never held while it calls out.
package ratelimit

import "time"

// Bucket is a token bucket: rate tokens a second, at most burst at once. It
// is not safe for concurrent use; its owner guards it.
type Bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

// New returns a full bucket.
func New(rate, burst float64, now time.Time) *Bucket {
	return &Bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// Take spends one token if there is one.
func (b *Bucket) Take(now time.Time) bool { return b.TakeN(1, now) }

// TakeN spends n tokens if there are as many; a cost above the burst
// spends the whole burst, so that it is possible at all.
func (b *Bucket) TakeN(n float64, now time.Time) bool {
	b.refill(now)
	n = min(n, b.burst)
	if b.tokens < n {
		return false
	}
	b.tokens -= n
	return true
}

func (b *Bucket) refill(now time.Time) {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
}

// full reports whether the bucket has refilled by now.
func (b *Bucket) full(now time.Time) bool {
	b.refill(now)
	return b.tokens >= b.burst
}
