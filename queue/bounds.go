package queue

import "time"

// bound keeps anyone from waiting for ever while the balance decides: it
// names the request that must go next instead of the best-scoring one.
// Ranks are positions in arrival order.
type bound interface {
	// due returns the rank that must go next instead of best, or -1 when
	// best may go; why says why, before call.
	due(best int) (int, Why)
	// call records that rank i is taken next.
	call(i int)
}

// newBound is the bound on waiting in seconds when the policy sets one and
// in knows the time, and the bound on passes otherwise.
func newBound(speak []Request, ahead []Entry, rec Record, p Policy, now time.Time) bound {
	if p.MaxWaitS > 0 && !now.IsZero() {
		return newWaitBound(speak, ahead, rec, p.MaxWaitS, now)
	}
	return newPassBound(speak, p.MaxPasses)
}

// passBound lets nobody be passed by later requests more than max times.
type passBound struct {
	speak   []Request
	max     int
	passes  *rangeTree
	initial []float64 // by rank: Passes as counted towards the bound
}

func newPassBound(speak []Request, most int) *passBound {
	b := &passBound{speak: speak, max: most, initial: make([]float64, len(speak))}
	for i, r := range speak {
		b.initial[i] = float64(min(max(r.Passes, 0), most))
	}
	b.passes = newRangeTree(b.initial)
	return b
}

// due is the earliest request passed over max times, whoever is best.
func (b *passBound) due(int) (int, Why) {
	i := b.passes.firstAtLeast(float64(b.max))
	if i < 0 {
		return -1, Why{}
	}
	return i, Why{Code: WhyOverdue, Passes: max(b.speak[i].Passes, 0) + int(b.passes.get(i)-b.initial[i])}
}

// call passes every request still waiting that came before i once more.
func (b *passBound) call(i int) {
	b.passes.remove(i)
	b.passes.addRange(0, i, 1)
}

// waitBound plans the queue in seconds: each request must start within
// maxWait of being raised, counting each speaker's expected length. Taking
// the requests left in arrival order meets every deadline if any order
// does (all deadlines are the same span after asking), so a request may go
// next only if each earlier one can still start in time after it; when the
// best-scoring one cannot, the earliest request goes.
type waitBound struct {
	speak   []Request
	maxWait int
	length  []float64  // by rank: expected seconds
	latest  *rangeTree // by rank: minus the latest start, in seconds after now, if those left went in arrival order
	elapsed float64    // seconds after now when the next pick starts
	first   int        // the earliest rank not taken
	taken   []bool
}

func newWaitBound(speak []Request, ahead []Entry, rec Record, maxWait int, now time.Time) *waitBound {
	turn := AverageTurn(rec)
	b := &waitBound{speak: speak, maxWait: maxWait, length: make([]float64, len(speak)), taken: make([]bool, len(speak))}
	for _, e := range ahead {
		b.elapsed += expectedSeconds(e.Request, turn)
	}
	latest := make([]float64, len(speak))
	before := 0.0
	for i, r := range speak {
		b.length[i] = expectedSeconds(r, turn)
		latest[i] = -(r.RaisedAt.Sub(now).Seconds() + float64(maxWait) - before)
		before += b.length[i]
	}
	b.latest = newRangeTree(latest)
	return b
}

// due is the earliest request when best going next would leave someone
// raised before best unable to start in time.
func (b *waitBound) due(best int) (int, Why) {
	if best == b.first || b.latest.maxBefore(best) <= -(b.elapsed+b.length[best])+scoreEpsilon {
		return -1, Why{}
	}
	return b.first, Why{Code: WhyDue, AskedAt: b.speak[b.first].RaisedAt, MaxWaitS: b.maxWait}
}

// call starts i: those after it no longer wait for it, those before it wait
// as long again.
func (b *waitBound) call(i int) {
	b.taken[i] = true
	for b.first < len(b.taken) && b.taken[b.first] {
		b.first++
	}
	b.latest.remove(i)
	b.latest.addRange(i+1, len(b.speak), -b.length[i])
	b.elapsed += b.length[i]
}

// expectedSeconds is how long r's turn is planned to take.
func expectedSeconds(r Request, turn time.Duration) float64 {
	return ExpectedTurn(r, turn).Seconds()
}

// ExpectedTurn is how long r's turn is planned to take: the speaker's own
// average turn so far, or turn (the room's, AverageTurn) for someone who
// has not spoken. Pages estimate waits with it as the bound on waiting
// plans with it.
func ExpectedTurn(r Request, turn time.Duration) time.Duration {
	if r.Expected > 0 {
		return r.Expected
	}
	return turn
}

// AverageTurn is the record's average turn, from the dimension that counts
// the most turns, or DefaultTurn before anyone has spoken.
func AverageTurn(rec Record) time.Duration {
	turns, seconds := 0, 0.0
	for _, d := range sortedKeys(rec) {
		n, s := 0, 0.0
		for _, c := range sortedKeys(rec[d]) {
			n += max(rec[d][c].Turns, 0)
			s += finite(rec[d][c].Seconds)
		}
		if n > turns {
			turns, seconds = n, s
		}
	}
	if turns == 0 || seconds <= 0 {
		return DefaultTurn
	}
	return time.Duration(seconds / float64(turns) * float64(time.Second))
}
