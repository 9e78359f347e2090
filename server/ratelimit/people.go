package ratelimit

import (
	"cmp"
	"errors"
	"sync"
	"time"
)

// Defaults of Limits.
const (
	// DefaultRate is the messages a second one person may send, over HTTP
	// and live together, with bursts of twice as many: far above what the
	// pages or CART software send, while one person's flood cannot
	// monopolise a room. A refused caption post changes nothing, so CART
	// software retries it with the same seq and loses no text.
	DefaultRate = 20
	// DefaultMaxConns is how many live connections one person may hold
	// open: tabs and devices, not a thousand sockets.
	DefaultMaxConns = 8
)

// Errors a refusal wraps.
var (
	ErrRateLimited        = errors.New("too many requests with this token: slow down and retry")
	ErrTooManyConnections = errors.New("too many live connections with this token: close one (another tab or device) first")
)

// Limits are what one person may do on a node; zeros take the defaults.
type Limits struct {
	// Rate is the messages a second one person may send; Burst how many at
	// once (twice Rate by default).
	Rate, Burst float64
	// MaxConns caps one person's open live connections.
	MaxConns int
}

// People keeps each person's bucket and count of live connections. Idle
// people are forgotten, so it holds as many as were active lately.
type People struct {
	limits Limits

	mu      sync.Mutex
	bySub   map[string]*person
	sweepAt int // the size past which idle people are swept out
}

type person struct {
	Bucket
	conns int
}

// minSweep is the size below which People is never swept.
const minSweep = 1024

// NewPeople returns People within limits.
func NewPeople(limits Limits) *People {
	limits.Rate = cmp.Or(limits.Rate, DefaultRate)
	limits.Burst = cmp.Or(limits.Burst, 2*limits.Rate)
	limits.MaxConns = cmp.Or(limits.MaxConns, DefaultMaxConns)
	return &People{limits: limits, bySub: map[string]*person{}, sweepAt: minSweep}
}

// Limits are the limits in force, defaults filled in.
func (p *People) Limits() Limits { return p.limits }

// MaxConns is the cap on one person's live connections.
func (p *People) MaxConns() int { return p.limits.MaxConns }

// Allow spends one of sub's tokens if they have one.
func (p *People) Allow(sub string, now time.Time) bool { return p.Spend(sub, 1, now) }

// Spend spends n of sub's tokens, for something that costs as much as n
// messages (opening a media session), if they have as many.
func (p *People) Spend(sub string, n float64, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.get(sub, now).TakeN(n, now)
}

// Connect counts a live connection of sub, unless they hold MaxConns
// already. Each Connect that returns true needs one Disconnect.
func (p *People) Connect(sub string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	who := p.get(sub, now)
	if who.conns >= p.limits.MaxConns {
		return false
	}
	who.conns++
	return true
}

// Disconnect counts a live connection of sub out.
func (p *People) Disconnect(sub string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if who, ok := p.bySub[sub]; ok && who.conns > 0 {
		who.conns--
	}
}

// get returns sub's entry, making it. The caller holds p.mu.
func (p *People) get(sub string, now time.Time) *person {
	who, ok := p.bySub[sub]
	if !ok {
		if len(p.bySub) >= p.sweepAt {
			p.sweep(now)
		}
		who = &person{Bucket: *New(p.limits.Rate, p.limits.Burst, now)}
		p.bySub[sub] = who
	}
	return who
}

// sweep forgets people with no connection whose bucket has refilled: a new
// entry for them would be the same. Sweeping when the map has doubled keeps
// the cost per new person constant.
func (p *People) sweep(now time.Time) {
	for sub, who := range p.bySub {
		if who.conns == 0 && who.full(now) {
			delete(p.bySub, sub)
		}
	}
	p.sweepAt = max(minSweep, 2*len(p.bySub))
}
