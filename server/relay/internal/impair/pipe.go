package impair

import (
	"math/rand/v2"
	"sync"
	"time"
)

// burst is how much the token bucket lets through at once after the link
// has been idle: one full-size packet and a bit, as tc's tbf needs at least.
const burst = 3000

// Direction counts what went one way through a link.
type Direction struct {
	// Datagrams and Bytes are what came in: UDP datagrams, and the bytes
	// of UDP and TCP alike.
	Datagrams, Bytes uint64
	// Lost, Overflow and Cut are UDP datagrams dropped: at random, by the
	// rate limit's full queue, and during a cut.
	Lost, Overflow, Cut uint64
}

// pipe is one direction of a link: its token bucket, its generator of
// losses and its counters. It does no I/O and reads no clock: admit is
// told the time, so it is tested with made-up ones.
type pipe struct {
	delay time.Duration
	loss  float64
	rate  int // bits per second, 0: unlimited
	queue int // bytes

	mu  sync.Mutex
	rng *rand.Rand
	// free is when the link will have sent everything admitted so far; a
	// time before now is credit the bucket has (at most burst's worth).
	free  time.Time
	count Direction
}

func newPipe(cfg Config, seed uint64) *pipe {
	return &pipe{delay: cfg.Delay, loss: cfg.Loss, rate: cfg.Rate, queue: cfg.Queue, rng: rand.New(rand.NewPCG(cfg.Seed, seed))}
}

// verdict is what admit decided of a packet.
type verdict struct {
	// ok is false for a datagram dropped; deliver is when a packet kept
	// reaches the far end.
	ok      bool
	deliver time.Time
	// wait is how long a TCP reader should wait before its next chunk, so
	// that no more than the queue's bytes wait for the rate.
	wait time.Duration
}

// admit takes n bytes arriving at now, a datagram or a TCP chunk, which
// may not leave before notBefore (the end of a cut that stalls TCP).
func (p *pipe) admit(now, notBefore time.Time, n int, datagram bool) verdict {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count.Bytes += uint64(n)
	if datagram {
		p.count.Datagrams++
		// One draw per datagram, kept or not: the same seed loses the same
		// datagrams of the same traffic.
		if p.rng.Float64() < p.loss {
			p.count.Lost++
			return verdict{}
		}
	}
	start := now
	if notBefore.After(start) {
		start = notBefore
	}
	release := start
	var wait time.Duration
	if p.rate > 0 {
		base := p.free
		if credit := start.Add(-p.duration(burst)); base.Before(credit) {
			base = credit
		}
		if datagram && p.bytes(base.Sub(start))+n > p.queue {
			p.count.Overflow++
			return verdict{}
		}
		p.free = base.Add(p.duration(n))
		if p.free.After(release) {
			release = p.free
		}
		wait = max(0, p.free.Sub(now)-p.duration(p.queue))
	}
	return verdict{ok: true, deliver: release.Add(p.delay), wait: wait}
}

// note counts one more in c, a counter of p.count.
func (p *pipe) note(c *uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*c++
}

// drop counts a datagram dropped during a cut.
func (p *pipe) drop(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count.Bytes += uint64(n)
	p.count.Datagrams++
	p.count.Cut++
}

// duration is how long n bytes take at the rate.
func (p *pipe) duration(n int) time.Duration {
	return time.Duration(n) * 8 * time.Second / time.Duration(p.rate)
}

// bytes is how many bytes the rate sends in d (none for d <= 0).
func (p *pipe) bytes(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(d * time.Duration(p.rate) / (8 * time.Second))
}

func (p *pipe) counters() Direction {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}
