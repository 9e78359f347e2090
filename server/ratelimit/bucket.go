// Package ratelimit is the token bucket that bounds how fast one client may
// send commands and captions, over HTTP and live alike.
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
func (b *Bucket) Take(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
