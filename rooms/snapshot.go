package rooms

import (
	"slices"
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
	// RepliesTo is the intervention a reply answers.
	RepliesTo *ReplyTo `json:"replies_to,omitempty"`
	Reason    string   `json:"reason"`
	// Why is the reason as a code and figures, for pages to translate.
	Why queue.Why `json:"why"`
	// ExpectedS is how long the turn is expected to take, as the queue
	// plans it (queue.ExpectedTurn): pages add those ahead to estimate a
	// wait.
	ExpectedS float64 `json:"expected_s"`
	// slot is the rotation slot the policy placed the request in, kept so
	// call_next can advance the rotation.
	slot int
}

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
	// WarningS is the room's warning time; a turn shows at most a third
	// of its length (Floor.WarnS).
	WarningS  float64  `json:"warning_s"`
	Languages []string `json:"languages"`
	// Interpretation lists the languages being interpreted now.
	Interpretation []string     `json:"interpretation"`
	Floor          *Floor       `json:"floor"`
	Queue          []QueueEntry `json:"queue"`
	// HubQueue is every hub's own list of members who want to speak.
	HubQueue   []HubEntry `json:"hub_queue"`
	Balance    Balance    `json:"balance"`
	ServerTime time.Time  `json:"server_time"`
}

// Snapshot returns the room as of now.
func (s *State) Snapshot(now time.Time) Snapshot {
	snap := Snapshot{
		Room: s.ID, Seq: s.Seq, Title: s.Title, AgendaItem: s.AgendaItem,
		ListOpen: s.ListOpen, Closed: s.Closed, Policy: s.Policy,
		TimeLimitS: s.TimeLimit.Seconds(), WarningS: s.warning().Seconds(), Languages: slices.Clone(s.Languages), Interpretation: s.interpretation(), Queue: s.Queue(), HubQueue: s.HubQueue(), Balance: s.Balance(now),
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
	s.order = s.ordered(s.Policy, s.cursor, s.moves)
	return s.order
}

// ordered is the pending requests in the order policy gives them from
// rotation slot cursor, with the chair's moves and skips.
func (s *State) ordered(policy queue.Policy, cursor int, moves []queue.Move) []QueueEntry {
	byID := make(map[string]*pendingRequest, len(s.pending))
	reqs := make([]queue.Request, len(s.pending))
	for i, p := range s.pending {
		reqs[i] = p.Request
		reqs[i].Expected = s.spoken[p.Sub].expected()
		byID[p.ID] = p
	}
	ordered := queue.Order(queue.Input{
		Pending: reqs, Record: s.record, Policy: policy, Cursor: cursor, Moves: moves, Skips: s.skips,
		Now: s.nextStart(),
	})
	turn := queue.AverageTurn(s.record)
	entries := make([]QueueEntry, 0, len(ordered))
	for _, o := range ordered {
		p := byID[o.Request.ID]
		entries = append(entries, QueueEntry{
			ID: p.ID, Speaker: p.Speaker, Kind: p.Kind, Note: p.Note,
			RaisedAt: p.RaisedAt, RepliesTo: p.RepliesTo, Reason: o.Reason, Why: o.Why,
			ExpectedS: queue.ExpectedTurn(o.Request, turn).Seconds(), slot: o.Slot,
		})
	}
	for i := range entries {
		entries[i].Position = i + 1
	}
	return entries
}

// nextStart is when the head of the queue can speak, as the log tells it:
// the last event's time, or the end of the turn in progress if it runs to
// its limit. Taken from the log, not the clock, so every node plans alike.
func (s *State) nextStart() time.Time {
	if s.floor == nil {
		return s.last
	}
	return s.last.Add(max(s.floor.allowed()-s.floor.elapsed(s.last), 0))
}

// Interventions is the record of turns so far, oldest first.
func (s *State) Interventions() []Intervention {
	return slices.Clone(s.interventions)
}
