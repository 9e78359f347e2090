package impair

import (
	"cmp"
	"errors"
	"io"
	"sync"
	"time"
)

const (
	// DefaultQueue is how many bytes wait for the rate each way.
	DefaultQueue = 32 << 10
	// DefaultLifetime is how long a link lives unless closed before.
	DefaultLifetime = 10 * time.Minute
	// maxFlows bounds a link's UDP flows and TCP connections.
	maxFlows = 64
)

// ErrClosed is a proxy asked of a closed link.
var ErrClosed = errors.New("impair: the link is closed")

// Config is what a link does to what it carries; the zero Config passes
// everything through untouched.
type Config struct {
	// Delay is the one-way delay, the same each way: 150 ms is a round
	// trip of 300 ms.
	Delay time.Duration
	// Loss is the share of UDP datagrams dropped at random each way (0.03:
	// 3%).
	Loss float64
	// Rate is the rate each way in bits per second (0: unlimited).
	Rate int
	// Queue bounds the bytes waiting for the rate each way (0:
	// DefaultQueue): a datagram that would wait beyond it is dropped, TCP
	// waits.
	Queue int
	// Seed seeds the losses: the same seed and traffic lose the same
	// datagrams.
	Seed uint64
	// Lifetime closes the link after it (0: DefaultLifetime).
	Lifetime time.Duration
}

// CutMode is what a cut does to TCP.
type CutMode int

const (
	// Reset resets every TCP connection and refuses new ones until the
	// cut ends, as a router that answers RST.
	Reset CutMode = iota
	// Stall keeps TCP connections open and holds what they carry until
	// the cut ends, as a silent blackhole does while TCP retransmits (but
	// with none of the kernel's backoff: data moves again at once).
	Stall
)

// Stats is what went through a link.
type Stats struct {
	// Up is from the proxies' clients to their targets; Down back.
	Up, Down Direction
}

// Link is an impaired link shared by the proxies made from it.
type Link struct {
	cfg      Config
	up, down *pipe
	done     chan struct{} // closed by Close
	wg       sync.WaitGroup
	lifetime *time.Timer

	mu       sync.Mutex
	closed   bool
	cutUntil time.Time
	cutMode  CutMode
	closers  map[io.Closer]struct{} // listeners and UDP flows' sockets
	conns    map[*tcpConn]struct{}
	flows    int
}

// New makes a link of cfg; it runs until Close or its lifetime.
func New(cfg Config) *Link {
	cfg.Queue = cmp.Or(cfg.Queue, DefaultQueue)
	cfg.Lifetime = cmp.Or(cfg.Lifetime, DefaultLifetime)
	l := &Link{
		cfg: cfg, up: newPipe(cfg, 1), down: newPipe(cfg, 2), done: make(chan struct{}),
		closers: map[io.Closer]struct{}{}, conns: map[*tcpConn]struct{}{},
	}
	l.lifetime = time.AfterFunc(cfg.Lifetime, l.Close)
	return l
}

// Cut blackholes the link for d from now, in mode, and returns when the
// cut ends. A cut made during another replaces it.
func (l *Link) Cut(d time.Duration, mode CutMode) time.Time {
	l.mu.Lock()
	l.cutUntil, l.cutMode = time.Now().Add(d), mode
	until := l.cutUntil
	var reset []*tcpConn
	if mode == Reset {
		for c := range l.conns {
			reset = append(reset, c)
		}
	}
	l.mu.Unlock()
	for _, c := range reset {
		c.reset()
	}
	return until
}

// cut says whether the link is cut at now, in which mode and until when.
func (l *Link) cut(now time.Time) (bool, CutMode, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return now.Before(l.cutUntil), l.cutMode, l.cutUntil
}

// Stats counts what went through the link so far.
func (l *Link) Stats() Stats { return Stats{Up: l.up.counters(), Down: l.down.counters()} }

// Close stops every proxy of the link and waits for their goroutines.
func (l *Link) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		l.wg.Wait()
		return
	}
	l.closed = true
	close(l.done)
	l.lifetime.Stop()
	closers, conns := l.closers, l.conns
	l.closers, l.conns = map[io.Closer]struct{}{}, map[*tcpConn]struct{}{}
	l.mu.Unlock()
	for c := range closers {
		c.Close()
	}
	for c := range conns {
		c.close()
	}
	l.wg.Wait()
}

// track keeps c to close with the link, and counts it as a flow if it is
// one; false if the link is closed or has all the flows it may.
func (l *Link) track(c io.Closer, flow bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || (flow && l.flows >= maxFlows) {
		return false
	}
	if flow {
		l.flows++
	}
	l.closers[c] = struct{}{}
	return true
}

// untrack forgets c, a flow if flow.
func (l *Link) untrack(c io.Closer, flow bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.closers[c]; ok && flow {
		l.flows--
	}
	delete(l.closers, c)
}

// sleep waits until t, or until the link closes or stop is closed: false
// then.
func (l *Link) sleep(t time.Time, stop <-chan struct{}) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-l.done:
			return false
		case <-stop:
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-l.done:
		return false
	case <-stop:
		return false
	}
}
