package rooms

import (
	"sync"
	"time"
)

const (
	// idleEviction is how long a log's folded state stays in memory with
	// nobody following it and nothing asked of it.
	idleEviction = 15 * time.Minute
	// closedEviction is the same for a log that can no longer change (a
	// closed room): short, but long enough that the readers of a room
	// just closed (the record, the exports) share one load.
	closedEviction = time.Minute
	// sweepEvery is how often, at most, a cache looks for what to evict.
	sweepEvery = 10 * time.Second
)

// cache keeps the folded state of the logs a node serves (rooms, transcript
// channels), each under a lock of its own, and lets go of what nobody uses:
// an evicted log is folded afresh from the store on its next use. Every use
// pins its entry, so an entry in use is never evicted and nobody ever acts
// on an evicted one.
//
// Lock order: cache.mu, then (only by TryLock, never waiting) an entry's
// mu; the callbacks run under cache.mu and may take locks that come after
// it (the follower's, another cache's) but never an entry's.
type cache[K comparable, S folded] struct {
	now func() time.Time
	// kept reports whether k must stay cached whatever its use: while it
	// is followed for live clients.
	kept func(k K) bool
	// final reports whether k's state s will not change any more (a closed
	// room, a channel whose room has gone), so it may go sooner.
	final func(k K, s S) bool

	mu      sync.Mutex
	entries map[K]*entry[S]
	swept   time.Time
}

// entry is one cached log's state, guarded by mu.
type entry[S any] struct {
	mu    sync.Mutex
	state S
	// pins counts the uses in progress; used is when the last one began
	// or ended.
	// Both are guarded by cache.mu.
	pins int
	used time.Time
}

func newCache[K comparable, S folded](now func() time.Time, kept func(K) bool, final func(K, S) bool) *cache[K, S] {
	return &cache[K, S]{now: now, kept: kept, final: final, entries: map[K]*entry[S]{}, swept: now()}
}

// get returns k's entry pinned, and the function that unpins it; the
// caller must call it once done with the entry. When k is not cached, get
// caches create's state, unless create is nil (it returns a nil entry) or
// fails; create runs under c.mu (see countLocked).
func (c *cache[K, S]) get(k K, create func() (S, error)) (*entry[S], func(), error) {
	return c.pin(k, create, true)
}

// peek is get of a cached entry for a look that is no use of it: a
// housekeeping look does not keep an entry from going idle.
func (c *cache[K, S]) peek(k K) (*entry[S], func()) {
	e, unpin, _ := c.pin(k, nil, false)
	return e, unpin
}

func (c *cache[K, S]) pin(k K, create func() (S, error), use bool) (*entry[S], func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.sweepLocked(now)
	e, ok := c.entries[k]
	if !ok {
		if create == nil {
			return nil, nil, nil
		}
		s, err := create()
		if err != nil {
			return nil, nil, err
		}
		e = &entry[S]{state: s}
		c.entries[k] = e
	}
	e.pins++
	if use {
		e.used = now
	}
	return e, sync.OnceFunc(func() { c.unpin(e, use) }), nil
}

func (c *cache[K, S]) unpin(e *entry[S], use bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.pins--
	if use {
		e.used = c.now()
	}
}

// drop evicts e, k's entry, at once even if it is in use, unless another
// has taken its place: for a log the store no longer has. Whoever holds e
// finishes with it on their own.
func (c *cache[K, S]) drop(k K, e *entry[S]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[k] == e {
		delete(c.entries, k)
	}
}

// has reports whether k is cached.
func (c *cache[K, S]) has(k K) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[k]
	return ok
}

// keys lists what is cached now.
func (c *cache[K, S]) keys() []K {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweepLocked(c.now())
	ks := make([]K, 0, len(c.entries))
	for k := range c.entries {
		ks = append(ks, k)
	}
	return ks
}

// countLocked counts the cached keys that match; for create, which runs
// with c.mu held.
func (c *cache[K, S]) countLocked(match func(K) bool) int {
	n := 0
	for k := range c.entries {
		if match(k) {
			n++
		}
	}
	return n
}

// sweepLocked evicts, at most once per sweepEvery, every entry that is
// neither in use nor kept and has been unused for idleEviction, or for
// closedEviction if it is final.
func (c *cache[K, S]) sweepLocked(now time.Time) {
	if now.Sub(c.swept) < sweepEvery {
		return
	}
	c.swept = now
	for k, e := range c.entries {
		unused := now.Sub(e.used)
		if e.pins > 0 || unused < closedEviction || c.kept(k) {
			continue
		}
		if unused >= idleEviction || c.isFinal(k, e) {
			delete(c.entries, k)
		}
	}
}

// isFinal asks final about an unpinned entry. Nobody holds an unpinned
// entry's lock, so TryLock only guards against a caller breaking the rule.
func (c *cache[K, S]) isFinal(k K, e *entry[S]) bool {
	if !e.mu.TryLock() {
		return false
	}
	defer e.mu.Unlock()
	return c.final(k, e.state)
}
