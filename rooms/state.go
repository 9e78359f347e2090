package rooms

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/parley-hub/parley/queue"
)

// DefaultTimeLimit is a turn's length when the room sets none.
const DefaultTimeLimit = 120 * time.Second

// State is a room as the fold of its log. It is not safe for concurrent use;
// the Service guards each room's state with a lock.
type State struct {
	ID  string
	Seq uint64
	// Head is the hash of the last event (chain.go), "" before the chain.
	Head       string
	Created    time.Time
	Title      string
	AgendaItem string
	ListOpen   bool
	Closed     bool
	Policy     queue.Policy
	TimeLimit  time.Duration
	// Languages are the room's transcript channels, sorted.
	Languages []string
	// Interpreted are the languages an interpreter publishes into now, sorted.
	Interpreted []string
	// Categories are what tokens may claim in this room.
	Categories Categories

	// hubList is every hub's list of members who want to speak, in the
	// order they asked.
	hubList []*HubEntry
	// pending requests in the order they were raised.
	pending []*pendingRequest
	// moves are the chair's, applied in order over the policy's order;
	// skips pass requests over until the next turn is granted.
	moves []queue.Move
	skips []queue.Skip
	// floorSeq is the seq of the last event that changed the floor.
	floorSeq uint64
	// asked counts, per person and kind, a request in the balance once
	// until the person is given the floor: raising a hand again after
	// withdrawing it is the same request.
	asked  map[string]bool
	floor  *floorState
	record queue.Record
	// byItem is the record per agenda item ("" before any is set), and
	// items the items in the order they first counted.
	byItem        map[string]queue.Record
	items         []string
	cursor        int
	interventions []Intervention

	// order caches the ordered queue until the next event changes it.
	order []QueueEntry
	// last is the time of the last event: what the queue plans from.
	last time.Time
	// revoked is the room's revocation list (revoke.go).
	revoked []Revocation
	// spoken is, per person, how long their turns have taken: what the
	// queue expects their next one to take.
	spoken map[string]turnLengths
	// Warning is how long before the end of a turn screens warn; 0 means
	// DefaultWarning.
	Warning time.Duration
	// undo is the last chair action while it can still be undone.
	undo *undoable
}

// turnLengths adds up one person's turns.
type turnLengths struct {
	turns   int
	seconds float64
}

// expected is the average turn, 0 before the first.
func (t turnLengths) expected() time.Duration {
	if t.turns == 0 {
		return 0
	}
	return time.Duration(t.seconds / float64(t.turns) * float64(time.Second))
}

type pendingRequest struct {
	queue.Request
	Speaker Speaker
	Note    string
	// RepliesTo is the intervention a reply answers.
	RepliesTo *ReplyTo
	// raised is the seq of the event that raised it, changed of the last
	// event that raised, moved or skipped it.
	raised, changed uint64
}

// NewState returns the state of a room with no events.
func NewState(id string) *State {
	return &State{ID: id, record: queue.Record{}, byItem: map[string]queue.Record{}, asked: map[string]bool{}, spoken: map[string]turnLengths{}, Categories: DefaultCategories()}
}

// exists reports whether the room has been created.
func (s *State) exists() bool { return s.Seq > 0 }

// Apply folds one event into the state. Events come from the log and are
// trusted; an event of a type this version does not know is skipped so that
// older nodes can read logs written by newer ones.
func (s *State) Apply(e Event) {
	s.Seq, s.Head = e.Seq, e.Hash
	s.order = nil
	s.last = e.Time
	s.remember(e)
	switch e.Type {
	case EvRoomCreated:
		var d RoomCreated
		unmarshal(e, &d)
		s.Created, s.Title, s.Policy, s.ListOpen = e.Time, d.Title, d.Policy, true
		s.TimeLimit = seconds(d.TimeLimitS)
		if d.Categories != nil {
			s.Categories = d.Categories
		}
	case EvHandRaised:
		var d HandRaised
		unmarshal(e, &d)
		s.removeHub(d.Forwarded)
		s.pending = append(s.pending, &pendingRequest{
			Request:   queue.Request{ID: d.Request, Sub: d.Speaker.Sub, Categories: d.Speaker.Categories(), Kind: d.Kind, RaisedAt: e.Time},
			Speaker:   d.Speaker,
			Note:      d.Note,
			RepliesTo: d.RepliesTo,
			raised:    e.Seq,
			changed:   e.Seq,
		})
		if key := askKey(d.Speaker.Sub, d.Kind); !s.asked[key] {
			s.asked[key] = true
			s.tally(d.Speaker, s.AgendaItem, func(t *queue.Tally) { t.Requests++ })
		}
	case EvHandWithdrawn, EvRequestRemoved:
		var d RequestRef
		unmarshal(e, &d)
		s.removePending(d.Request)
	case EvRequestSkipped:
		var d RequestRef
		unmarshal(e, &d)
		if p := s.findPending(d.Request); p != nil {
			p.changed = e.Seq
			s.skips = append(s.skips, queue.Skip{ID: d.Request, Note: d.Reason})
		}
	case EvRequestMoved:
		var d RequestMoved
		unmarshal(e, &d)
		if p := s.findPending(d.Request); p != nil {
			p.changed = e.Seq
			// The chair counted the points of order ahead, which stay there.
			s.moves = append(s.moves, queue.Move{ID: d.Request, Position: max(d.Position-s.pointsOfOrder(d.Request), 1), Note: d.Reason})
		}
	case EvFloorGranted:
		var d FloorGranted
		unmarshal(e, &d)
		s.floorSeq = e.Seq
		s.grant(e.Time, d)
	case EvFloorReleased:
		var d FloorReleased
		unmarshal(e, &d)
		s.floorSeq = e.Seq
		s.release(e.Time, d)
	case EvFloorPaused:
		s.floorSeq = e.Seq
		if s.floor != nil && !s.floor.Paused {
			s.floor.Paused, s.floor.PausedAt = true, e.Time
		}
	case EvFloorResumed:
		s.floorSeq = e.Seq
		if s.floor != nil && s.floor.Paused {
			s.floor.PausedTotal += e.Time.Sub(s.floor.PausedAt)
			s.floor.Paused = false
		}
	case EvFloorExtended:
		var d Seconds
		unmarshal(e, &d)
		s.floorSeq = e.Seq
		if s.floor != nil {
			s.floor.Extended += seconds(d.Seconds)
		}
	case EvTimeLimitSet:
		var d Seconds
		unmarshal(e, &d)
		s.TimeLimit = seconds(d.Seconds)
	case EvPolicySet:
		var d PolicySet
		unmarshal(e, &d)
		s.Policy, s.cursor, s.moves = d.Policy, 0, nil
	case EvListClosed:
		s.ListOpen = false
	case EvListOpened:
		s.ListOpen = true
	case EvAgendaItemSet:
		var d Title
		unmarshal(e, &d)
		s.AgendaItem = d.Title
	case EvRoomClosed:
		s.Closed, s.ListOpen, s.Interpreted = true, false, nil
	case EvHubHandRaised, EvHubHandWithdrawn:
		s.foldHub(e)
	case EvInterpretationStarted, EvInterpretationStopped:
		s.foldInterpretation(e)
	case EvUndone:
		s.foldUndone(e)
	case EvWarningSet:
		var d Seconds
		unmarshal(e, &d)
		s.Warning = seconds(d.Seconds)
		if s.floor != nil {
			s.floor.Warning = s.Warning
		}
	case EvTokenRevoked:
		s.foldRevoked(e)
	case EvLanguageAdded:
		var d Language
		unmarshal(e, &d)
		if i, found := slices.BinarySearch(s.Languages, d.Lang); !found {
			s.Languages = slices.Insert(s.Languages, i, d.Lang)
		}
	}
}

func (s *State) grant(at time.Time, d FloorGranted) {
	granted := s.findPending(d.Request)
	var replies *ReplyTo
	if granted != nil {
		replies = granted.RepliesTo
		for _, p := range s.passedOver(granted) {
			p.Passes++
		}
	}
	how, why := grantHow(d, s.skips)
	s.removePending(d.Request)
	s.skips = nil // passed over once: this turn was that once
	delete(s.asked, askKey(d.Speaker.Sub, d.Kind))
	if d.Slot >= 0 {
		s.cursor = d.Slot + 1
	}
	s.floor = &floorState{
		Request: d.Request, Speaker: d.Speaker, Kind: d.Kind, StartedAt: at,
		Limit: seconds(d.TimeLimitS), AgendaItem: s.AgendaItem, RepliesTo: replies, Warning: s.Warning,
		How: how, ChairReason: why,
	}
	s.tally(d.Speaker, s.AgendaItem, func(t *queue.Tally) { t.Turns++ })
}

func (s *State) release(at time.Time, d FloorReleased) {
	f := s.floor
	if f == nil {
		return
	}
	s.floor = nil
	s.tally(f.Speaker, f.AgendaItem, func(t *queue.Tally) { t.Seconds += d.DurationS })
	own := s.spoken[f.Speaker.Sub]
	own.turns++
	own.seconds += d.DurationS
	s.spoken[f.Speaker.Sub] = own
	s.interventions = append(s.interventions, Intervention{
		Speaker: f.Speaker, Request: f.Request, Kind: f.Kind, AgendaItem: f.AgendaItem,
		Start: f.StartedAt, End: at, DurationS: d.DurationS, OverrunS: d.OverrunS, EndedBy: d.By,
		How: f.How, ChairReason: f.ChairReason,
	})
}

// tally changes sp's figures in the record, in the room's and in item's.
func (s *State) tally(sp Speaker, item string, change func(*queue.Tally)) {
	if s.byItem[item] == nil {
		s.byItem[item] = queue.Record{}
		s.items = append(s.items, item)
	}
	for _, rec := range []queue.Record{s.record, s.byItem[item]} {
		for dim, cat := range sp.Categories() {
			cats := rec[dim]
			if cats == nil {
				cats = map[string]queue.Tally{}
				rec[dim] = cats
			}
			t := cats[cat]
			change(&t)
			cats[cat] = t
		}
	}
}

// passedOver is who a turn given to granted passes over once more: everyone
// who asked to speak earlier and is still waiting. The balanced policy
// bounds how often.
func (s *State) passedOver(granted *pendingRequest) []*pendingRequest {
	if granted.Kind != queue.KindSpeak {
		return nil
	}
	var out []*pendingRequest
	for _, p := range s.pending {
		if p.Kind == queue.KindSpeak && p.RaisedAt.Before(granted.RaisedAt) {
			out = append(out, p)
		}
	}
	return out
}

func (s *State) findPending(id string) *pendingRequest {
	for _, p := range s.pending {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (s *State) removePending(id string) {
	s.pending = slices.DeleteFunc(s.pending, func(p *pendingRequest) bool { return p.ID == id })
	s.moves = slices.DeleteFunc(s.moves, func(m queue.Move) bool { return m.ID == id })
	s.skips = slices.DeleteFunc(s.skips, func(k queue.Skip) bool { return k.ID == id })
}

// pointsOfOrder counts the pending points of order other than except.
func (s *State) pointsOfOrder(except string) int {
	n := 0
	for _, p := range s.pending {
		if p.Kind == queue.KindPointOfOrder && p.ID != except {
			n++
		}
	}
	return n
}

func askKey(sub string, kind queue.RequestKind) string {
	return string(kind) + "\x00" + sub
}

func unmarshal(e Event, v any) {
	if len(e.Data) > 0 {
		// A malformed payload leaves v at its zero value: the log is trusted
		// and a zero value folds harmlessly.
		_ = json.Unmarshal(e.Data, v)
	}
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}
