package impair

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 4, 23, 9, 0, 0, 0, time.UTC)

func TestAPipeDelaysEachWay(t *testing.T) {
	p := newPipe(Config{Delay: 150 * time.Millisecond}, 1)
	for i := range 10 {
		now := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		if v := p.admit(now, time.Time{}, 100, true); !v.ok || !v.deliver.Equal(now.Add(150*time.Millisecond)) || v.wait != 0 {
			t.Fatalf("datagram %d: %+v, want it delivered 150 ms after it came", i, v)
		}
	}
	// A stalled chunk leaves when the stall ends.
	end := t0.Add(time.Second)
	if v := p.admit(t0, end, 100, false); !v.deliver.Equal(end.Add(150 * time.Millisecond)) {
		t.Errorf("stalled chunk delivered at %v, want 150 ms after the stall", v.deliver.Sub(t0))
	}
}

// TestAPipeLimitsTheRate: what arrives faster than the rate leaves at the
// rate, after a burst; datagrams past the queue are dropped, and TCP is
// told to wait instead.
func TestAPipeLimitsTheRate(t *testing.T) {
	const rate, size = 512_000, 1000
	cfg := Config{Rate: rate, Queue: 32 << 10}
	p := newPipe(cfg, 1)
	var kept int
	var last time.Time
	for range 100 { // 100 kB at once
		if v := p.admit(t0, time.Time{}, size, true); v.ok {
			kept++
			last = v.deliver
		}
	}
	if want := (cfg.Queue + burst) / size; kept < want-1 || kept > want+1 {
		t.Errorf("%d datagrams of a burst kept, want about %d (the queue and the bucket's burst)", kept, want)
	}
	if c := p.counters(); c.Overflow != uint64(100-kept) || c.Datagrams != 100 {
		t.Errorf("counters %+v, want %d overflows of 100", c, 100-kept)
	}
	wantLast := t0.Add(time.Duration(kept*size-burst) * 8 * time.Second / rate)
	if d := last.Sub(wantLast); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("last kept datagram leaves at %v, want %v", last.Sub(t0), wantLast.Sub(t0))
	}

	// A steady stream over the rate goes at the rate once the queue is full.
	p = newPipe(cfg, 1)
	var bytes int
	var first, end time.Time
	for i := range 2000 { // 1 MB/s offered for 2 s
		now := t0.Add(time.Duration(i) * time.Millisecond)
		if v := p.admit(now, time.Time{}, size, true); v.ok {
			if first.IsZero() {
				first = v.deliver
			}
			end, bytes = v.deliver, bytes+size
		}
	}
	got := float64(bytes-size) * 8 / end.Sub(first).Seconds()
	if math.Abs(got-rate)/rate > 0.05 {
		t.Errorf("a stream over the rate left at %.0f bit/s, want %d", got, rate)
	}

	// TCP is never dropped, and waits so that the queue holds no more than
	// its bytes.
	p = newPipe(cfg, 1)
	now := t0
	for i := range 200 {
		v := p.admit(now, time.Time{}, segment, false)
		if !v.ok {
			t.Fatalf("TCP chunk %d dropped", i)
		}
		if queued := p.bytes(p.free.Sub(now)); queued > cfg.Queue+segment {
			t.Fatalf("chunk %d: %d bytes queued, more than the queue's %d", i, queued, cfg.Queue)
		}
		now = now.Add(v.wait)
	}
}

// TestAPipeLosesItsShareRepeatably: 3% of datagrams, the same ones for the
// same seed, and never a TCP chunk.
func TestAPipeLosesItsShareRepeatably(t *testing.T) {
	const n = 100_000
	cfg := Config{Loss: 0.03, Seed: 7}
	lost := func(cfg Config) []bool {
		p := newPipe(cfg, 1)
		out := make([]bool, n)
		for i := range out {
			out[i] = !p.admit(t0, time.Time{}, 100, true).ok
		}
		if v := p.admit(t0, time.Time{}, 100, false); !v.ok {
			t.Error("a TCP chunk was lost")
		}
		return out
	}
	a, b := lost(cfg), lost(cfg)
	var count int
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("datagram %d: lost in one run and not the other of the same seed", i)
		}
		if a[i] {
			count++
		}
	}
	// 3% of 100,000 is 3,000 with a standard deviation of about 54.
	if share := float64(count) / n; math.Abs(share-0.03) > 0.003 {
		t.Errorf("lost %.4f of the datagrams, want 0.03", share)
	}
	cfg.Seed++
	c := lost(cfg)
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("another seed lost the same datagrams")
	}
}
