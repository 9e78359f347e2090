package rooms

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/parley-hub/parley/queue"
)

// QueueEntry is one position of the ordered queue.
type QueueEntry struct {
	Position int    `json:"position"`
	ID       string `json:"id"`
	Speaker
	Kind     queue.RequestKind `json:"kind"`
	Note     string            `json:"note,omitempty"`
	RaisedAt time.Time         `json:"raised_at"`
	Reason   string            `json:"reason"`
	// Why is the reason as a code and figures, for pages to translate.
	Why queue.Why `json:"why"`
	// slot is the rotation slot the policy placed the request in, kept so
	// call_next can advance the rotation.
	slot int
}

// WhyMoved is the reason code of a request the chair moved; its Note is
// the chair's own words.
const WhyMoved = "moved"

// Snapshot is a room at one sequence number, as every screen starts from.
type Snapshot struct {
	Room       string       `json:"room"`
	Seq        uint64       `json:"seq"`
	Title      string       `json:"title"`
	AgendaItem string       `json:"agenda_item"`
	ListOpen   bool         `json:"list_open"`
	Closed     bool         `json:"closed"`
	Policy     queue.Policy `json:"policy"`
	TimeLimitS float64      `json:"time_limit_s"`
	Languages  []string     `json:"languages"`
	Floor      *Floor       `json:"floor"`
	Queue      []QueueEntry `json:"queue"`
	Balance    Balance      `json:"balance"`
	ServerTime time.Time    `json:"server_time"`
}

// Snapshot returns the room as of now.
func (s *State) Snapshot(now time.Time) Snapshot {
	snap := Snapshot{
		Room: s.ID, Seq: s.Seq, Title: s.Title, AgendaItem: s.AgendaItem,
		ListOpen: s.ListOpen, Closed: s.Closed, Policy: s.Policy,
		TimeLimitS: s.TimeLimit.Seconds(), Languages: slices.Clone(s.Languages), Queue: s.Queue(), Balance: s.Balance(),
		ServerTime: now,
	}
	if snap.Languages == nil {
		snap.Languages = []string{}
	}
	if s.floor != nil {
		snap.Floor = s.floor.view(now)
	}
	return snap
}

// Queue is the pending requests in the order the policy and the chair's
// moves give them, each with its reason.
func (s *State) Queue() []QueueEntry {
	if s.order != nil {
		return s.order
	}
	byID := make(map[string]*pendingRequest, len(s.pending))
	reqs := make([]queue.Request, len(s.pending))
	for i, p := range s.pending {
		reqs[i] = p.Request
		byID[p.ID] = p
	}
	ordered := queue.Order(queue.Input{Pending: reqs, Record: s.record, Policy: s.Policy, Cursor: s.cursor})
	entries := make([]QueueEntry, 0, len(ordered))
	for _, o := range ordered {
		p := byID[o.Request.ID]
		entries = append(entries, QueueEntry{
			ID: p.ID, Speaker: p.Speaker, Kind: p.Kind, Note: p.Note,
			RaisedAt: p.RaisedAt, Reason: o.Reason, Why: o.Why, slot: o.Slot,
		})
	}
	for _, pin := range s.pins {
		i := slices.IndexFunc(entries, func(e QueueEntry) bool { return e.ID == pin.Request })
		if i < 0 {
			continue
		}
		e := entries[i]
		e.Reason = "moved by the chair: " + pin.Reason
		e.Why = queue.Why{Code: WhyMoved, Note: pin.Reason}
		entries = slices.Delete(entries, i, i+1)
		entries = slices.Insert(entries, min(pin.Position-1, len(entries)), e)
	}
	for i := range entries {
		entries[i].Position = i + 1
	}
	s.order = entries
	return entries
}

// Interventions is the record of turns so far, oldest first.
func (s *State) Interventions() []Intervention {
	return slices.Clone(s.interventions)
}

// Balance is the room's figures per dimension and category, against targets.
func (s *State) Balance() Balance {
	b := Balance{Seq: s.Seq, Measure: s.Policy.Measure, Dimensions: map[string][]CategoryBalance{}}
	pending := make([]queue.Request, len(s.pending))
	for i, p := range s.pending {
		pending[i] = p.Request
	}
	targets := queue.TargetShares(s.Policy, s.record, pending)
	// Any one dimension's tallies sum to the totals when every speaker
	// declares it; take the largest so a missing attribute never shrinks the
	// totals. Sums run in sorted order: float addition in map order would
	// let two nodes disagree in the last digit.
	for _, dim := range slices.Sorted(maps.Keys(s.record)) {
		cats := s.record[dim]
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
	for dim, cats := range s.record {
		names := make([]string, 0, len(cats))
		for c := range cats {
			names = append(names, c)
		}
		for c := range targets[dim] {
			if _, ok := cats[c]; !ok {
				names = append(names, c)
			}
		}
		sort.Strings(names)
		list := make([]CategoryBalance, 0, len(names))
		for _, c := range names {
			t := cats[c]
			list = append(list, CategoryBalance{
				Category: c, Requests: t.Requests, Turns: t.Turns, Seconds: t.Seconds,
				RequestShare: share(float64(t.Requests), float64(b.Totals.Requests)),
				TurnShare:    share(float64(t.Turns), float64(b.Totals.Turns)),
				TimeShare:    share(t.Seconds, b.Totals.Seconds),
				Target:       targets[dim][c],
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
