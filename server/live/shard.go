package live

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// shards are the hub's writers: GOMAXPROCS goroutines, each serving a
// fixed share of the clients, so that one event's 5,000 writes run on
// every core without waking 5,000 goroutines. A shard writes a client's
// queued frames only as far as its socket takes them without waiting
// (rawWriter); what is left goes to a writer goroutine of the client's own
// (client.write), so a slow client still falls behind alone.
type shards struct {
	all  []*shard
	next atomic.Uint64 // the shard of the next client
	done chan struct{} // closed to stop them, once no client is left
	once sync.Once
	wg   sync.WaitGroup
}

// shard is one writer goroutine and the clients it has to visit. Its lock
// is a leaf: it is taken under client.mu.
type shard struct {
	mu    sync.Mutex
	ready []*client
	spare []*client // the previous round's slice, reused
	wake  chan struct{}
}

func startShards() *shards {
	s := &shards{all: make([]*shard, runtime.GOMAXPROCS(0)), done: make(chan struct{})}
	for i := range s.all {
		sh := &shard{wake: make(chan struct{}, 1)}
		s.all[i] = sh
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			sh.run(s.done)
		}()
	}
	return s
}

// pick assigns a new client its shard, in turn.
func (s *shards) pick() *shard {
	return s.all[(s.next.Add(1)-1)%uint64(len(s.all))]
}

// stop ends the shards; call it once every client has finished.
func (s *shards) stop() {
	s.once.Do(func() { close(s.done) })
	s.wg.Wait()
}

// schedule has the shard visit c. The caller holds c.mu and has set
// c.writing, so c is in at most one shard's list at a time.
func (sh *shard) schedule(c *client) {
	sh.mu.Lock()
	sh.ready = append(sh.ready, c)
	sh.mu.Unlock()
	select {
	case sh.wake <- struct{}{}:
	default:
	}
}

func (sh *shard) run(done <-chan struct{}) {
	for {
		select {
		case <-sh.wake:
		case <-done:
			return
		}
		for {
			// The two slices take turns, so that rounds allocate nothing.
			sh.mu.Lock()
			round := sh.ready
			sh.ready, sh.spare = sh.spare[:0], nil
			sh.mu.Unlock()
			for i, c := range round {
				c.flush()
				round[i] = nil
			}
			sh.mu.Lock()
			sh.spare = round[:0]
			sh.mu.Unlock()
			if len(round) == 0 {
				break
			}
		}
	}
}
