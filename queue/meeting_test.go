package queue_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
)

// person is one participant of the skewed meeting.
type person struct {
	sub        string
	categories map[string]string
	speech     float64 // seconds: each person's speeches are of their own length
}

// The skewed meeting's constants: three hours, the floor open from the
// first minute, speeches of 45 s to 4 min, each person asking again 1 to
// 10 minutes after speaking.
const (
	meetingLength = 3 * 3600.0
	meetingOpens  = 60.0
	longestSpeech = 240.0
	meanReturn    = 330.0
)

var (
	otherGroups = []string{"government", "private-sector", "technical-community", "academia"}
	modeNames   = []string{"in-room", "remote", "hub"}
)

// skewedMeeting is 30 people: 14 of civil society and 4 of each other
// group, 22 men and 8 women (gender independent of group), each person's
// region and mode drawn uniformly at random, each speaking for their own
// length between 45 s and 4 min. Assignments are drawn from seed, the same
// every run.
func skewedMeeting(seed uint64) []person {
	rng := rand.New(rand.NewPCG(seed, 2014))
	gender := shuffled(rng, []string{"woman", "man"}, 8, 22)
	people := make([]person, 30)
	for i := range people {
		people[i] = newPerson(i, gender[i], regions[rng.IntN(len(regions))], modeNames[rng.IntN(len(modeNames))], rng)
	}
	return people
}

// plenaryMeeting is the skewed meeting as a plenary's list of speakers has
// it where the issue says nothing: the same 30 people, 14 of civil society
// and 22 men (gender independent of group), each speaking for their own
// length, but six speakers from each UN region and most in the room: 20 in
// the room, 7 remote, 3 from hubs, dealt at random.
func plenaryMeeting(seed uint64) []person {
	rng := rand.New(rand.NewPCG(seed, 2014))
	gender := shuffled(rng, []string{"woman", "man"}, 8, 22)
	region := shuffled(rng, regions, 6, 6, 6, 6, 6)
	mode := shuffled(rng, modeNames, 20, 7, 3)
	people := make([]person, 30)
	for i := range people {
		people[i] = newPerson(i, gender[i], region[i], mode[i], rng)
	}
	return people
}

// newPerson is the i-th person: civil society for the first 14, then the
// other groups in turn.
func newPerson(i int, gender, region, mode string, rng *rand.Rand) person {
	group := "civil-society"
	if i >= 14 {
		group = otherGroups[(i-14)%len(otherGroups)]
	}
	return person{
		sub: fmt.Sprintf("p%02d", i),
		categories: map[string]string{
			queue.DimGroup: group, queue.DimGender: gender, queue.DimRegion: region, queue.DimMode: mode,
		},
		speech: 45 + rng.Float64()*(longestSpeech-45),
	}
}

// shuffled deals counts[i] of each category cats[i] in a random order.
func shuffled(rng *rand.Rand, cats []string, counts ...int) []string {
	var out []string
	for i, c := range cats {
		for range counts[i] {
			out = append(out, c)
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// demandBound is, per dimension, a distance from the equal targets that no
// policy can come under in a draw of the meeting. Two bounds hold whatever
// the order:
//   - demand: a category cannot speak more than its members would if each
//     were called the moment they ask (from the opening, asking again after
//     the mean return of 330 s), against at least the meeting's length less
//     the first minute spoken in all (the floor is never idle here);
//   - once: with any bound on waiting shorter than the meeting, everyone
//     who asks at the opening speaks, so a category has at least its
//     members' speeches once each, against at most the meeting's length
//     with the last speech's overrun.
//
// The distance is at least the shares missing below the demand bounds, and
// at least the shares in excess above the once bounds.
func demandBound(people []person) map[string]float64 {
	minTotal, maxTotal := meetingLength-meetingOpens, meetingLength-meetingOpens+longestSpeech
	demand, once := map[string]map[string]float64{}, map[string]map[string]float64{}
	for _, who := range people {
		for d, c := range who.categories {
			if demand[d] == nil {
				demand[d], once[d] = map[string]float64{}, map[string]float64{}
			}
			demand[d][c] += who.most()
			once[d][c] += who.speech
		}
	}
	return distanceBeyond(demand, minTotal, once, maxTotal)
}

// most is how long who would speak in the meeting if called the moment they
// ask, asking again after the mean return.
func (who person) most() float64 {
	most := 0.0
	for start := meetingOpens; start < meetingLength; start += who.speech + meanReturn {
		most += who.speech
	}
	return most
}

// couplingBound is, for each pair of dimensions "a+b", a sum of their two
// distances from the equal targets that no policy bounding waits within the
// meeting can come under in a draw: where a category b of one dimension has
// its members in few categories of the other, it can have no more of the
// time than those categories' targets leave once their other members have
// spoken once each (and no more than its members' demand there), and what
// the other dimension overshoots its targets by adds at most as much.
func couplingBound(people []person) map[string]float64 {
	minTotal, maxTotal := meetingLength-meetingOpens, meetingLength-meetingOpens+longestSpeech
	cats := map[string][]string{}
	for _, d := range meetingDims {
		seen := map[string]bool{}
		for _, who := range people {
			seen[who.categories[d]] = true
		}
		cats[d] = slices.Sorted(maps.Keys(seen))
	}
	// short is how far b (of dimension db) must fall short of its target
	// when dimension da keeps to its targets.
	short := func(da, db, b string) float64 {
		most := 1 / float64(len(cats[db]))
		for _, a := range cats[da] {
			demand, others := 0.0, 0.0
			for _, who := range people {
				switch {
				case who.categories[da] != a:
				case who.categories[db] == b:
					demand += who.most()
				default:
					others += who.speech
				}
			}
			most -= min(demand/minTotal, max(0, 1/float64(len(cats[da]))-others/maxTotal))
		}
		return max(0, most)
	}
	out := map[string]float64{}
	for i, da := range meetingDims {
		for _, db := range meetingDims[i+1:] {
			k := 0.0
			for _, b := range cats[db] {
				k = max(k, short(da, db, b))
			}
			for _, a := range cats[da] {
				k = max(k, short(db, da, a))
			}
			out[da+"+"+db] = k
		}
	}
	return out
}

// steadyBound is, per dimension, the distance from the equal targets that
// no policy keeping every wait within maxWait can come under in a meeting
// that goes on for many times maxWait: each person then speaks at least
// once in every span of maxWait, their speech and the mean return, so a
// category has at least the sum over its members of speech / (maxWait +
// speech + 330 s) of the time.
func steadyBound(people []person, maxWait float64) map[string]float64 {
	least, none := map[string]map[string]float64{}, map[string]map[string]float64{}
	for _, who := range people {
		for d, c := range who.categories {
			if least[d] == nil {
				least[d], none[d] = map[string]float64{}, map[string]float64{}
			}
			least[d][c] += who.speech / (maxWait + who.speech + meanReturn)
			none[d][c] = 1 // no upper bound from demand: the time is 1
		}
	}
	return distanceBeyond(none, 1, least, 1)
}

// distanceBeyond is, per dimension, the least total variation distance from
// equal targets of shares each at most most[c]/mostTotal and at least
// least[c]/leastTotal: the shares missing below the first, or in excess
// above the second, whichever is more.
func distanceBeyond(most map[string]map[string]float64, mostTotal float64, least map[string]map[string]float64, leastTotal float64) map[string]float64 {
	out := map[string]float64{}
	for d := range most {
		target := 1 / float64(len(most[d]))
		below, above := 0.0, 0.0
		for c := range most[d] {
			below += max(0, target-min(1, most[d][c]/mostTotal))
			above += max(0, least[d][c]/leastTotal-target)
		}
		out[d] = max(below, above)
	}
	return out
}

// meetingResult is what a run of the skewed meeting shows.
type meetingResult struct {
	distance map[string]float64 // total variation distance of time shares from the targets, per dimension
	longest  float64            // seconds: the longest anyone waited, called or still waiting at the end
	idle     float64            // seconds the floor stood empty, nobody waiting
	turns    int
}

// runMeeting plays three hours of the skewed meeting under p: everyone asks
// at the opening, each person asks again a while after speaking (1 to 10
// minutes), the head of the queue always speaks next, for their own length.
func runMeeting(p queue.Policy, people []person, seed uint64) meetingResult {
	const length = meetingLength
	rng := rand.New(rand.NewPCG(seed, 42))
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	var pending []queue.Request
	ask := func(who person, when float64, n int) {
		pending = append(pending, queue.Request{
			ID: fmt.Sprintf("%s-%03d", who.sub, n), Sub: who.sub, Kind: queue.KindSpeak,
			RaisedAt: at(when), Categories: who.categories,
		})
	}
	asks := map[string]int{}
	for i, who := range people {
		ask(who, float64(i), 0)
	}
	type later struct {
		who  person
		when float64
	}
	var returning []later
	rec := queue.Record{}
	spoken := map[string][]float64{} // sub -> lengths of their speeches so far
	res := meetingResult{}
	now := meetingOpens
	for now < length {
		for _, l := range returning {
			if l.when <= now {
				asks[l.who.sub]++
				ask(l.who, l.when, asks[l.who.sub])
			}
		}
		returning = slices.DeleteFunc(returning, func(l later) bool { return l.when <= now })
		if len(pending) == 0 {
			next := returning[0].when
			for _, l := range returning {
				next = min(next, l.when)
			}
			res.idle += next - now
			now = next
			continue
		}
		for i, r := range pending {
			// What a room knows of a speaker's length: their own average so far.
			pending[i].Expected = 0
			if own := spoken[r.Sub]; len(own) > 0 {
				pending[i].Expected = time.Duration(mean(own) * float64(time.Second))
			}
		}
		head := queue.Order(queue.Input{Pending: pending, Record: rec, Policy: p, Now: at(now)})[0].Request
		res.longest = max(res.longest, now-head.RaisedAt.Sub(t0).Seconds())
		var who person
		for _, q := range people {
			if q.sub == head.Sub {
				who = q
			}
		}
		pending = speaks(rec, pending, head, who.speech)
		spoken[who.sub] = append(spoken[who.sub], who.speech)
		now += who.speech
		res.turns++
		returning = append(returning, later{who, now + 60 + rng.Float64()*(2*meanReturn-120)})
	}
	for _, r := range pending {
		res.longest = max(res.longest, now-r.RaisedAt.Sub(t0).Seconds())
	}
	targets := queue.TargetShares(p, rec, pending)
	res.distance = map[string]float64{}
	for d, cats := range targets {
		total := 0.0
		for _, t := range rec[d] {
			total += t.Seconds
		}
		for c, target := range cats {
			res.distance[d] += math.Abs(rec[d][c].Seconds/total-target) / 2
		}
	}
	return res
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// meetingRun is one policy's figures over the draws of a meeting: the
// mean of each dimension's distance, the mean longest wait and the worst.
type meetingRun struct {
	distance       map[string]float64
	longest, worst float64
	turns          int
}

// playDraws plays p on draws of the meeting people makes and logs the figures.
func playDraws(t *testing.T, model string, people func(uint64) []person, name string, p queue.Policy) meetingRun {
	t.Helper()
	const draws = 8
	avg := meetingRun{distance: map[string]float64{}}
	for seed := range uint64(draws) {
		r := runMeeting(p, people(seed), seed)
		if r.idle > 0 {
			t.Errorf("%s, %s, draw %d: the floor stood empty for %.0f s, which the bounds assume it never does", model, name, seed, r.idle)
		}
		avg.longest += r.longest / draws
		avg.worst = max(avg.worst, r.longest)
		avg.turns += r.turns
		for _, d := range meetingDims {
			avg.distance[d] += r.distance[d] / draws
		}
	}
	t.Logf("%-8s %-15s group %.3f gender %.3f region %.3f mode %.3f from the targets; longest wait %5.0f s (worst draw %5.0f s); %d turns",
		model, name, avg.distance[queue.DimGroup], avg.distance[queue.DimGender], avg.distance[queue.DimRegion], avg.distance[queue.DimMode],
		avg.longest, avg.worst, avg.turns/draws)
	return avg
}

var meetingDims = []string{queue.DimGroup, queue.DimGender, queue.DimRegion, queue.DimMode}

// boundDraws logs, per dimension, the mean over the draws of demandBound
// and how many draws it puts beyond 0.05, and returns the means.
func boundDraws(t *testing.T, model, name string, people func(uint64) []person, bound func([]person) map[string]float64) map[string]float64 {
	t.Helper()
	const draws = 8
	mean, beyond := map[string]float64{}, map[string]int{}
	for seed := range uint64(draws) {
		for d, b := range bound(people(seed)) {
			mean[d] += b / draws
			if b > 0.05 {
				beyond[d]++
			}
		}
	}
	t.Logf("%-8s %-15s group %.3f gender %.3f region %.3f mode %.3f at least, whatever the order; beyond 0.05 in %d, %d, %d, %d of %d draws",
		model, name, mean[queue.DimGroup], mean[queue.DimGender], mean[queue.DimRegion], mean[queue.DimMode],
		beyond[queue.DimGroup], beyond[queue.DimGender], beyond[queue.DimRegion], beyond[queue.DimMode], draws)
	return mean
}

// couplingDraws logs, per pair of dimensions, the mean over the draws of
// couplingBound, and returns the most that half of one puts on either
// dimension of its pair: the mean distance that no policy bounding waits
// within the meeting can keep both dimensions of that pair under.
func couplingDraws(t *testing.T, model string, people func(uint64) []person) float64 {
	t.Helper()
	const draws = 8
	mean := map[string]float64{}
	for seed := range uint64(draws) {
		for pair, k := range couplingBound(people(seed)) {
			mean[pair] += k / draws
		}
	}
	var line []string
	most := 0.0
	for _, pair := range slices.Sorted(maps.Keys(mean)) {
		line = append(line, fmt.Sprintf("%s %.3f", pair, mean[pair]))
		most = max(most, mean[pair]/2)
	}
	t.Logf("%-8s %-15s %s together at least, bounding waits; so one of a pair at least %.3f", model, "coupled", strings.Join(line, ", "), most)
	return most
}

// TestBalancedOnASkewedMeeting plays the skewed meeting (30 people, 14 of
// civil society, 22 men, speeches of each person's own length) for three
// hours in two models, regions and modes drawn at random per person
// (random) and as a plenary has them (plenary: six per region, 20 in the
// room, 7 remote, 3 hubs), under first come, first served, the default
// policy (balanced, measure time, passes bounded), without a bound, and with
// the wait bounded in seconds, eight draws each. It logs how far each
// dimension's shares of speaking time end from the targets (total
// variation distance, the mean of the draws), the longest wait (the mean of
// the draws' longest, and the worst draw's), and two bounds no order can
// beat: demandBound (no category's demand falls short of its target in any
// draw: 0.05 is not ruled out by demand) and steadyBound at the default's
// longest wait (in a meeting that goes on, civil society alone keeps groups
// beyond 0.05 in most draws).
//
// Balancing must end closer to the targets than arrival order in group,
// gender and mode (region too in the random model; in the plenary, arrival
// order is already near even there), without more than doubling the longest
// wait; in the random model, bounding the wait at 105 minutes (max_wait_s
// 6300) must end closer than the default in every dimension with a shorter
// longest wait. No policy here reaches 0.05 in every dimension within the
// default's longest wait: the test says so, and fails when one does.
func TestBalancedOnASkewedMeeting(t *testing.T) {
	balanced := queue.Policy{Kind: queue.PolicyBalanced, Measure: queue.MeasureTime}
	waits := func(s int) queue.Policy { p := balanced; p.MaxWaitS = s; return p }
	runs := []struct {
		name   string
		policy queue.Policy
	}{
		{"fifo", queue.Policy{Kind: queue.PolicyFIFO}},
		{"balanced", balanced},
		{"max_passes 1000", queue.Policy{Kind: queue.PolicyBalanced, Measure: queue.MeasureTime, MaxPasses: 1000}},
		{"max_wait_s 5400", waits(5400)},
		{"max_wait_s 6000", waits(6000)},
		{"max_wait_s 6300", waits(6300)},
		{"max_wait_s 7200", waits(7200)},
	}
	for _, model := range []struct {
		name   string
		people func(uint64) []person
	}{{"random", skewedMeeting}, {"plenary", plenaryMeeting}} {
		demand := boundDraws(t, model.name, "any order", model.people, demandBound)
		coupled := couplingDraws(t, model.name, model.people)
		figures := map[string]meetingRun{}
		for _, run := range runs {
			figures[run.name] = playDraws(t, model.name, model.people, run.name, run.policy)
		}
		fifo, dflt := figures["fifo"], figures["balanced"]
		steady := boundDraws(t, model.name, fmt.Sprintf("waits <= %.0f s", dflt.longest), model.people,
			func(p []person) map[string]float64 { return steadyBound(p, dflt.longest) })
		for _, d := range meetingDims {
			if demand[d] > 0.01 {
				t.Errorf("%s, %s: demand keeps the shares %.3f from the targets", model.name, d, demand[d])
			}
			if d != queue.DimRegion && dflt.distance[d] >= fifo.distance[d] {
				t.Errorf("%s, %s: balanced ends %.3f from the targets, fifo %.3f", model.name, d, dflt.distance[d], fifo.distance[d])
			}
		}
		if dflt.longest > 2*fifo.longest {
			t.Errorf("%s: balanced's longest wait %.0f s, more than twice fifo's %.0f s", model.name, dflt.longest, fifo.longest)
		}
		if steady[queue.DimGroup] <= 0.05 {
			t.Errorf("%s: waits within the default's allow groups within %.3f of their targets in a long meeting", model.name, steady[queue.DimGroup])
		}
		for name, f := range figures {
			if f.longest <= dflt.longest && !slices.ContainsFunc(meetingDims, func(d string) bool { return f.distance[d] > 0.05 }) {
				t.Errorf("%s: %s reaches 0.05 in every dimension within the default's longest wait: say so", model.name, name)
			}
		}
		// The random model's bounds leave 0.05 possible; the plenary's few
		// hubs cannot have a third of the time without their groups having
		// more than theirs.
		if ruledOut := coupled > 0.05; ruledOut != (model.name == "plenary") {
			t.Errorf("%s: the coupling bound puts a dimension %.3f from its targets at least", model.name, coupled)
		}
		if model.name == "random" {
			bounded := figures["max_wait_s 6300"]
			for _, d := range meetingDims {
				if bounded.distance[d] >= dflt.distance[d] {
					t.Errorf("%s: max_wait_s 6300 ends %.3f from the targets, the default %.3f", d, bounded.distance[d], dflt.distance[d])
				}
			}
			if bounded.longest >= dflt.longest {
				t.Errorf("max_wait_s 6300: longest wait %.0f s, the default's %.0f s", bounded.longest, dflt.longest)
			}
			if dflt.distance[queue.DimRegion] >= fifo.distance[queue.DimRegion] {
				t.Errorf("random, region: balanced ends %.3f from the targets, fifo %.3f", dflt.distance[queue.DimRegion], fifo.distance[queue.DimRegion])
			}
		}
	}
}
