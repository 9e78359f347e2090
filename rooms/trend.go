package rooms

import (
	"maps"
	"slices"
	"time"
)

// Bounds on a trend, so that no request makes an unbounded answer.
const (
	MinTrendEvery = time.Minute
	MaxTrendSteps = 500
)

// Trend is the speaking time of one dimension's categories through the
// session, in steps of Every from the room's creation to AsOf: each step
// the seconds spoken in it and the shares of all the time spoken up to its
// end. A turn's seconds spread evenly over its span, pauses included, so
// a turn across a step's end counts in both steps.
type Trend struct {
	Dimension  string      `json:"dimension"`
	EveryS     float64     `json:"every_s"`
	AsOf       time.Time   `json:"as_of"`
	Categories []string    `json:"categories"`
	Steps      []TrendStep `json:"steps"`
}

// TrendStep is one step of a Trend.
type TrendStep struct {
	Start   time.Time          `json:"start"`
	End     time.Time          `json:"end"`
	Seconds map[string]float64 `json:"seconds"`
	// Shares are each category's fraction of the time spoken from the
	// start of the session to End; empty while nobody has spoken.
	Shares map[string]float64 `json:"shares"`
}

// Trend is dim's trend in steps of every (at least MinTrendEvery, and
// longer when the session would need more than MaxTrendSteps), up to now.
func (s *State) Trend(dim string, every time.Duration, now time.Time) Trend {
	start := s.Created
	if s.Closed || now.Before(s.last) {
		now = s.last
	}
	span := max(now.Sub(start), 0)
	every = max(every, MinTrendEvery, (span+MaxTrendSteps-1)/MaxTrendSteps)
	n := max(int((span+every-1)/every), 1)
	tr := Trend{Dimension: dim, EveryS: every.Seconds(), AsOf: now, Steps: make([]TrendStep, n)}
	for i := range tr.Steps {
		st := &tr.Steps[i]
		st.Start, st.End = start.Add(time.Duration(i)*every), start.Add(time.Duration(i+1)*every)
		st.Seconds, st.Shares = map[string]float64{}, map[string]float64{}
	}
	turns := s.interventions
	if f := s.floor; f != nil {
		turns = append(slices.Clip(turns), Intervention{Speaker: f.Speaker, Start: f.StartedAt, End: now, DurationS: f.elapsed(now).Seconds()})
	}
	for _, iv := range turns {
		cat, ok := iv.Speaker.Categories()[dim]
		if !ok {
			continue
		}
		spread(tr.Steps, cat, iv, start, every)
	}
	total, sums := 0.0, map[string]float64{}
	for i := range tr.Steps {
		st := &tr.Steps[i]
		for _, c := range slices.Sorted(maps.Keys(st.Seconds)) {
			sums[c] += st.Seconds[c]
			total += st.Seconds[c]
		}
		for c, v := range sums {
			st.Shares[c] = share(v, total)
		}
	}
	tr.Categories = slices.Sorted(maps.Keys(sums))
	return tr
}

// spread adds iv's seconds to cat in the steps its span covers, each step
// its part of the span; a turn of no span counts where it starts.
func spread(steps []TrendStep, cat string, iv Intervention, start time.Time, every time.Duration) {
	from, to := iv.Start.Sub(start), iv.End.Sub(start)
	last := len(steps) - 1
	step := func(d time.Duration) int { return min(max(int(d/every), 0), last) }
	if to <= from {
		steps[step(from)].Seconds[cat] += iv.DurationS
		return
	}
	for i := step(from); i <= step(to); i++ {
		lo, hi := max(from, time.Duration(i)*every), min(to, time.Duration(i+1)*every)
		if i == last {
			hi = to
		}
		if hi > lo {
			steps[i].Seconds[cat] += iv.DurationS * float64(hi-lo) / float64(to-from)
		}
	}
}
