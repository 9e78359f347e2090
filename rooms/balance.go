package rooms

import (
	"maps"
	"slices"
	"time"

	"github.com/parley-hub/parley/queue"
)

// Balance is who has asked for and who has had the floor, per dimension and
// category, with each category's share and its target share. Seconds count
// the turn in progress up to AsOf; while Running, the categories marked
// Speaking gain a second a second, so screens can keep the figures live
// between events.
type Balance struct {
	Seq        uint64                       `json:"seq"`
	Measure    string                       `json:"measure"`
	AsOf       time.Time                    `json:"as_of"`
	Running    bool                         `json:"running"`
	Totals     Totals                       `json:"totals"`
	Dimensions map[string][]CategoryBalance `json:"dimensions"`
}

// Totals are the room-wide sums the shares are taken of.
type Totals struct {
	Requests int     `json:"requests"`
	Turns    int     `json:"turns"`
	Seconds  float64 `json:"seconds"`
}

// CategoryBalance is one category's figures in one dimension. Shares are
// fractions in [0, 1] of the room totals.
type CategoryBalance struct {
	Category     string  `json:"category"`
	Requests     int     `json:"requests"`
	Turns        int     `json:"turns"`
	Seconds      float64 `json:"seconds"`
	RequestShare float64 `json:"request_share"`
	TurnShare    float64 `json:"turn_share"`
	TimeShare    float64 `json:"time_share"`
	Target       float64 `json:"target"`
	// Speaking marks the categories of whoever holds the floor.
	Speaking bool `json:"speaking,omitempty"`
}

// Balance is the room's figures per dimension and category, against
// targets, as of now: the turn in progress counts its seconds so far, the
// figures its release will record.
func (s *State) Balance(now time.Time) Balance {
	return s.balanceOf(s.record, s.floor, now)
}

// BalanceFor is the figures of agenda item alone: the requests made, the
// turns given and the time spoken while it was the item ("" before any
// was set). Targets are the room's.
func (s *State) BalanceFor(item string, now time.Time) Balance {
	f := s.floor
	if f != nil && f.AgendaItem != item {
		f = nil
	}
	return s.balanceOf(s.byItem[item], f, now)
}

// AgendaItems are the items anything was counted under, in the order they
// first were.
func (s *State) AgendaItems() []string { return slices.Clone(s.items) }

// balanceOf is rec's figures, with f's turn so far when f is not nil.
func (s *State) balanceOf(rec queue.Record, f *floorState, now time.Time) Balance {
	b := Balance{Seq: s.Seq, Measure: s.Policy.Measure, AsOf: now, Dimensions: map[string][]CategoryBalance{}}
	speaking := map[string]string(nil)
	if f != nil {
		speaking = f.Speaker.Categories()
		b.Running = !f.Paused
		all := rec
		rec = make(queue.Record, len(all))
		for dim, cats := range all {
			rec[dim] = maps.Clone(cats)
		}
		for dim, cat := range speaking {
			t := rec[dim][cat]
			t.Seconds += f.elapsed(now).Seconds()
			rec[dim][cat] = t
		}
	}
	pending := make([]queue.Request, len(s.pending))
	for i, p := range s.pending {
		pending[i] = p.Request
	}
	targets := queue.TargetShares(s.Policy, rec, pending)
	// Any one dimension's tallies sum to the totals when every speaker
	// declares it; take the largest so a missing attribute never shrinks the
	// totals. Sums run in sorted order: float addition in map order would
	// let two nodes disagree in the last digit.
	for _, dim := range slices.Sorted(maps.Keys(rec)) {
		cats := rec[dim]
		var t Totals
		for _, c := range slices.Sorted(maps.Keys(cats)) {
			t.Requests += cats[c].Requests
			t.Turns += cats[c].Turns
			t.Seconds += cats[c].Seconds
		}
		b.Totals.Requests = max(b.Totals.Requests, t.Requests)
		b.Totals.Turns = max(b.Totals.Turns, t.Turns)
		b.Totals.Seconds = max(b.Totals.Seconds, t.Seconds)
	}
	for dim, cats := range rec {
		names := slices.Collect(maps.Keys(cats))
		for c := range targets[dim] {
			if _, ok := cats[c]; !ok {
				names = append(names, c)
			}
		}
		slices.Sort(names)
		list := make([]CategoryBalance, 0, len(names))
		for _, c := range names {
			t := cats[c]
			list = append(list, CategoryBalance{
				Category: c, Requests: t.Requests, Turns: t.Turns, Seconds: t.Seconds,
				RequestShare: share(float64(t.Requests), float64(b.Totals.Requests)),
				TurnShare:    share(float64(t.Turns), float64(b.Totals.Turns)),
				TimeShare:    share(t.Seconds, b.Totals.Seconds),
				Target:       targets[dim][c],
				Speaking:     speaking[dim] == c,
			})
		}
		b.Dimensions[dim] = list
	}
	return b
}

func share(part, total float64) float64 {
	if total <= 0 {
		return 0
	}
	return part / total
}
