package queue_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/parley-hub/parley/queue"
)

// TestReasonsAreTrueOfTheirQueue checks every reason against the queue it
// labels and the record as it is: what it says of those ahead, and the
// figures it quotes.
func TestReasonsAreTrueOfTheirQueue(t *testing.T) {
	for pi, p := range propertyPolicies {
		t.Run(fmt.Sprintf("%d-%s", pi, p.Kind), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(pi), 21))
			for range 150 {
				in := withChairActions(rng, randomInput(rng, rng.IntN(50), p))
				checkReasons(t, in, queue.Order(in))
			}
		})
	}
}

// withChairActions adds a few moves and skips of pending requests.
func withChairActions(rng *rand.Rand, in queue.Input) queue.Input {
	for range rng.IntN(3) {
		if len(in.Pending) > 0 {
			r := in.Pending[rng.IntN(len(in.Pending))]
			in.Moves = append(in.Moves, queue.Move{ID: r.ID, Position: 1 + rng.IntN(len(in.Pending)), Note: "moved " + r.ID})
		}
	}
	for range rng.IntN(3) {
		if len(in.Pending) > 0 {
			r := in.Pending[rng.IntN(len(in.Pending))]
			in.Skips = append(in.Skips, queue.Skip{ID: r.ID, Note: "skipped " + r.ID})
		}
	}
	return in
}

// scorer figures, independently of the balancer, how far each request's
// categories stand below target now: the sum over weighted dimensions of
// weight * (target - share).
type scorer struct {
	p       queue.Policy
	shares  map[string]map[string]float64
	targets map[string]map[string]float64
	dimOf   map[string]string // category -> dimension
}

func newScorer(in queue.Input) scorer {
	p, _ := in.Policy.Normalize()
	s := scorer{p: p, shares: map[string]map[string]float64{}, targets: queue.TargetShares(p, in.Record, in.Pending), dimOf: map[string]string{}}
	for d, cats := range s.targets {
		total := 0.0
		had := map[string]float64{}
		for c := range cats {
			s.dimOf[c] = d
			t := in.Record[d][c]
			v := t.Seconds
			if p.Measure == queue.MeasureTurns {
				v = float64(t.Turns)
			}
			if v > 0 && !math.IsInf(v, 0) {
				had[c] = v
				total += v
			}
		}
		s.shares[d] = map[string]float64{}
		for c := range cats {
			if total > 0 {
				s.shares[d][c] = had[c] / total
			}
		}
	}
	return s
}

func (s scorer) score(r queue.Request) float64 {
	sum := 0.0
	for d, w := range s.p.Weights {
		if c, ok := r.Categories[d]; ok && c != "" && w > 0 {
			sum += w * (s.targets[d][c] - s.shares[d][c])
		}
	}
	return sum
}

func checkReasons(t *testing.T, in queue.Input, out []queue.Entry) {
	t.Helper()
	s := newScorer(in)
	p := s.p
	waits := p.Kind == queue.PolicyBalanced && p.MaxWaitS > 0 && !in.Now.IsZero()
	moved, skipped := map[string]string{}, map[string]string{}
	for _, m := range in.Moves {
		moved[m.ID] = m.Note
	}
	for _, k := range in.Skips {
		skipped[k.ID] = k.Note
	}
	chairs := func(e queue.Entry) bool {
		return e.Request.Kind != queue.KindPointOfOrder && (moved[e.Request.ID] != "" || skipped[e.Request.ID] != "")
	}
	speaker := func(e queue.Entry) bool {
		return e.Request.Kind != queue.KindPointOfOrder && e.Request.Kind != queue.KindReply && !chairs(e)
	}
	figures := func(e queue.Entry, w queue.Why) {
		d := s.dimOf[w.Category]
		if w.Dimension != d {
			t.Fatalf("%s: %q names %s of dimension %q, which is of %q", e.Request.ID, e.Reason, w.Category, w.Dimension, d)
		}
		if math.Abs(w.Share-s.shares[d][w.Category]) > 1e-9 || math.Abs(w.Target-s.targets[d][w.Category]) > 1e-9 || w.Measure != p.Measure {
			t.Fatalf("%s: %q quotes %v of %v against %v, the record has %v against %v",
				e.Request.ID, e.Reason, w.Share, w.Measure, w.Target, s.shares[d][w.Category], s.targets[d][w.Category])
		}
	}
	bound := func(e queue.Entry) bool { return e.Why.Code == queue.WhyOverdue || e.Why.Code == queue.WhyDue }
	for k, e := range out {
		r, w := e.Request, e.Why
		var ahead, later, behindEarlier []queue.Entry
		for _, a := range out[:k] {
			if speaker(a) {
				ahead = append(ahead, a)
				if arrival(a.Request, r) > 0 {
					later = append(later, a)
				}
			}
		}
		for _, b := range out[k+1:] {
			if speaker(b) && arrival(b.Request, r) < 0 {
				behindEarlier = append(behindEarlier, b)
			}
		}
		fail := func(why string) {
			t.Fatalf("%s at %d: %q is not true: %s\nqueue %q", r.ID, k+1, e.Reason, why, reasons(out))
		}
		if r.Kind == queue.KindPointOfOrder {
			if w.Code != queue.WhyPointOfOrder || slices.ContainsFunc(out[:k], func(a queue.Entry) bool { return a.Request.Kind != queue.KindPointOfOrder }) {
				fail("a point of order comes first")
			}
			continue
		}
		switch w.Code {
		case queue.WhyMoved:
			if moved[r.ID] == "" || w.Note != moved[r.ID] {
				fail("the chair did not move it")
			}
		case queue.WhySkipped:
			if skipped[r.ID] == "" || w.Note != skipped[r.ID] {
				fail("the chair did not skip it")
			}
		case queue.WhyReply:
			if r.Kind != queue.KindReply || len(ahead) > 0 {
				fail("replies come before speakers")
			}
		case queue.WhyFIFO:
			if len(later) > 0 || !w.AskedAt.Equal(r.RaisedAt) {
				fail("someone who asked later is ahead")
			}
		case queue.WhyWaiting:
			if len(later) > 0 || w.Ahead != len(ahead) {
				fail(fmt.Sprintf("%d ahead, %d of them later", len(ahead), len(later)))
			}
		case queue.WhyShare, queue.WhyBefore:
			if len(ahead) > 0 || len(behindEarlier) == 0 {
				fail("it is first, ahead of an earlier request")
			}
			own := r.Categories[s.dimOf[w.Category]] == w.Category
			if own != (w.Code == queue.WhyShare) || own != (w.Share < w.Target) {
				fail("its own category below target, or another's above")
			}
			figures(e, w)
		case queue.WhyAfter:
			if len(later) == 0 || w.Ahead != len(later) {
				fail(fmt.Sprintf("%d later requests ahead", len(later)))
			}
			for _, a := range later {
				if !bound(a) && s.score(a.Request) <= s.score(r) {
					fail(fmt.Sprintf("%s, ahead, stands no further below target (%v, against %v)", a.Request.ID, s.score(a.Request), s.score(r)))
				}
			}
			if w.Category == "" && slices.ContainsFunc(later, func(a queue.Entry) bool { return !bound(a) }) {
				fail("only requests the bound placed are ahead")
			}
			if w.Category == "" && (w.MaxWaitS != p.MaxWaitS || (w.MaxWaitS > 0) != waits) {
				fail(fmt.Sprintf("the bound is on %s", map[bool]string{true: "seconds", false: "passes"}[waits]))
			}
			if w.Category != "" {
				own := r.Categories[s.dimOf[w.Category]] == w.Category
				if own != (w.Share > w.Target) {
					fail("its own category above target, or a category ahead below")
				}
				figures(e, w)
			}
		case queue.WhyDue:
			checkDue(t, in, p, out, k, s, fail)
		case queue.WhyOverdue:
			if waits {
				fail("waits are bounded in seconds, not passes")
			}
			if w.Passes < p.MaxPasses || w.Passes != max(r.Passes, 0)+len(later) {
				fail(fmt.Sprintf("passed %d times before, %d in this queue, bound %d", r.Passes, len(later), p.MaxPasses))
			}
		case queue.WhyRotation, queue.WhyNoSlot:
			if p.Kind != queue.PolicyRotate {
				fail("not a rotation")
			}
		default:
			fail("unknown code")
		}
	}
}

// checkDue checks a due reason at position k of out: the earliest request
// from there on, asked when it says, and the best-scoring request from there
// on, taken first, would keep someone raised before it waiting past the
// bound.
func checkDue(t *testing.T, in queue.Input, p queue.Policy, out []queue.Entry, k int, s scorer, fail func(string)) {
	t.Helper()
	e := out[k]
	if !e.Why.AskedAt.Equal(e.Request.RaisedAt) || e.Why.MaxWaitS != p.MaxWaitS || p.MaxWaitS == 0 || in.Now.IsZero() {
		fail("not asked then, or another bound")
	}
	pl := newPlan(in, p, out)
	at := slices.IndexFunc(pl.entries, func(x queue.Entry) bool { return x.Request.ID == e.Request.ID })
	rest := pl.order(at, -1)
	if len(rest) == 0 || rest[0] != at {
		fail("someone who asked earlier is behind it")
	}
	top := math.Inf(-1)
	for _, j := range rest {
		top = max(top, s.score(pl.entries[j].Request))
	}
	for _, j := range rest {
		if j != at && s.score(pl.entries[j].Request) >= top-1e-9 {
			for _, l := range pl.late(at, pl.order(at, j)) {
				if arrival(pl.entries[l].Request, pl.entries[j].Request) < 0 {
					return // j would make l late
				}
			}
		}
	}
	fail("the next in balance keeps everyone within the bound")
}

// The queues the issue reported: the reasons there must now be true.
func TestReasonsOfTheReportedQueues(t *testing.T) {
	// Fifth behind four people of other categories, who asked later.
	rec := turns(nil, "group", map[string]int{"private-sector": 6, "civil-society": 1, "academia": 1, "government": 1})
	pending := []queue.Request{
		req("ps", 1, "group=private-sector"),
		req("cs", 2, "group=civil-society"), req("ac", 3, "group=academia"),
		req("go", 4, "group=government"), req("cs2", 5, "group=civil-society"),
	}
	in := queue.Input{Pending: pending, Record: rec, Policy: queue.Policy{Kind: queue.PolicyBalanced, Measure: queue.MeasureTurns}}
	out := queue.Order(in)
	checkReasons(t, in, out)
	if last := out[len(out)-1]; last.Request.ID != "ps" || last.Why.Code != queue.WhyAfter || last.Why.Ahead != 4 {
		t.Errorf("the private sector's request: %q", reasons(out))
	}

	// A man third, behind two women who asked later: the reason says why
	// they go first, in the present tense.
	rec = turns(nil, "gender", map[string]int{"man": 7, "woman": 3})
	pending = []queue.Request{req("m", 1, "gender=man"), req("w1", 2, "gender=woman"), req("w2", 3, "gender=woman")}
	in = queue.Input{Pending: pending, Record: rec, Policy: queue.Policy{Kind: queue.PolicyBalanced, Measure: queue.MeasureTurns}}
	out = queue.Order(in)
	checkReasons(t, in, out)
	want := []string{
		"w1: women have had 30% of turns against a 50% target",
		"w2: behind 1 request made earlier",
		"m: 2 later requests go first: women have had 30% of turns against a 50% target",
	}
	if got := reasons(out); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// Undisclosed counts in the shares but is never balanced: its target is
// what it has had, and the declared categories share the rest.
func TestUndisclosedIsCountedButNotBalanced(t *testing.T) {
	rec := turns(nil, "gender", map[string]int{"woman": 3, "man": 5, "undisclosed": 2})
	p := queue.Policy{Kind: queue.PolicyBalanced, Measure: queue.MeasureTurns, Weights: map[string]float64{"gender": 1}}
	got := queue.TargetShares(p, rec, nil)["gender"]
	if want := map[string]float64{"woman": 0.4, "man": 0.4, "undisclosed": 0.2}; !approx(got, want) {
		t.Errorf("targets %v, want %v", got, want)
	}
	// An undisclosed request goes before a man (above target) and after a
	// woman (below), whatever their arrival.
	pending := []queue.Request{req("m", 1, "gender=man"), req("u", 2, "gender=undisclosed"), req("w", 3, "gender=woman")}
	if got := ids(queue.Order(queue.Input{Pending: pending, Record: rec, Policy: p})); !slices.Equal(got, []string{"w", "u", "m"}) {
		t.Errorf("order %v, want w u m", got)
	}
}

func approx(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if math.Abs(v-b[k]) > 1e-9 {
			return false
		}
	}
	return true
}

func TestChairPlacesAfterPointsOfOrder(t *testing.T) {
	pending := []queue.Request{
		req("a", 1, "group=civil-society"), req("b", 2, "group=government"), req("c", 3, "group=academia"),
		withKind(req("order", 4), queue.KindPointOfOrder),
	}
	in := queue.Input{Pending: pending, Policy: queue.Policy{Kind: queue.PolicyFIFO},
		Moves: []queue.Move{{ID: "c", Position: 1, Note: "host"}}}
	want := []string{
		"order: point of order: taken before other speakers",
		"c: moved by the chair: host",
		"a: first come, first served: asked at 09:01:00 UTC",
		"b: first come, first served: asked at 09:02:00 UTC",
	}
	if got := reasons(queue.Order(in)); !slices.Equal(got, want) {
		t.Errorf("move to the top: got %q\nwant %q", got, want)
	}

	in.Moves, in.Skips = nil, []queue.Skip{{ID: "a", Note: "not in the room"}}
	want = []string{
		"order: point of order: taken before other speakers",
		"b: first come, first served: asked at 09:02:00 UTC",
		"a: passed over once by the chair: not in the room",
		"c: first come, first served: asked at 09:03:00 UTC",
	}
	if got := reasons(queue.Order(in)); !slices.Equal(got, want) {
		t.Errorf("skip: got %q\nwant %q", got, want)
	}

	// A point of order is never placed by the chair.
	in.Skips = []queue.Skip{{ID: "order", Note: "x"}}
	in.Moves = []queue.Move{{ID: "order", Position: 3, Note: "x"}}
	if got := queue.Order(in); got[0].Request.ID != "order" || got[0].Why.Code != queue.WhyPointOfOrder {
		t.Errorf("placed a point of order: %q", reasons(got))
	}
}
