package rooms

import (
	"fmt"
	"slices"
	"time"

	"github.com/parley-hub/parley/queue"
)

// CmdUndo takes back the chair's last action on the queue, for a short
// while after it: a speaker called (by the queue or out of order) goes back
// to their place with their request as it was, a removed request comes
// back, a skip or a move is forgotten.
const CmdUndo = "undo"

// EvUndone records an undo, with the chair's reason.
const EvUndone = "undone"

// UndoWindow is how long after an action the chair may undo it: long
// enough to see the mistake, short enough that nobody has started
// speaking on the strength of it.
const UndoWindow = 10 * time.Second

// Undone takes back the chair action of seq Undoes, an event of type
// Action about Request.
type Undone struct {
	Undoes  uint64  `json:"undoes"`
	Action  string  `json:"action"`
	Request string  `json:"request"`
	Speaker Speaker `json:"speaker"`
	Reason  string  `json:"reason,omitempty"`
}

// undoable is what the fold keeps of the last chair action so it can be
// taken back exactly: the request as it was, and the chair's moves and
// skips and the rotation before it. Between the action and its undo only
// others' events can come (a chair event replaces or clears this), so
// restoring these lists loses nothing but what the action did.
type undoable struct {
	seq     uint64
	at      time.Time
	typ     string
	request pendingRequest
	moves   []queue.Move
	skips   []queue.Skip
	cursor  int
	// passed are the requests a call passed over once more; asked whether
	// the called request counted in the balance before the call.
	passed []string
	asked  bool
}

// undoActions are the events an undo can take back.
var undoActions = map[string]bool{EvFloorGranted: true, EvRequestRemoved: true, EvRequestSkipped: true, EvRequestMoved: true}

// chairEvents are the other events of chair actions: each ends the chance
// to undo the one before.
var chairEvents = map[string]bool{
	EvFloorReleased: true, EvFloorPaused: true, EvFloorResumed: true, EvFloorExtended: true,
	EvTimeLimitSet: true, EvPolicySet: true, EvListClosed: true, EvListOpened: true,
	EvAgendaItemSet: true, EvRoomClosed: true, EvWarningSet: true,
}

// remember is called by Apply before it folds e: an action that can be
// undone is kept with what it is about to change, and any other chair
// action forgets the last one (an undo, once folded).
func (s *State) remember(e Event) {
	switch {
	case undoActions[e.Type]:
		var ref struct {
			Request string `json:"request"`
		}
		unmarshal(e, &ref)
		p := s.findPending(ref.Request)
		if p == nil {
			s.undo = nil
			return
		}
		s.undo = &undoable{
			seq: e.Seq, at: e.Time, typ: e.Type, request: *p,
			moves: slices.Clone(s.moves), skips: slices.Clone(s.skips), cursor: s.cursor,
			asked: s.asked[askKey(p.Sub, p.Kind)],
		}
		if e.Type == EvFloorGranted {
			for _, o := range s.passedOver(p) {
				s.undo.passed = append(s.undo.passed, o.ID)
			}
		}
	case chairEvents[e.Type], e.Type == EvHandWithdrawn && (e.Actor.Role == RoleChair || e.Actor.Role == RoleAdmin):
		s.undo = nil
	}
}

// undoLast decides an undo.
func (d decision) undoLast(cmd Command) ([]Event, error) {
	u := d.undo
	if u == nil {
		return nil, fmt.Errorf("%w: there is no chair action to undo (only calling, moving, skipping and removing can be undone, until the next chair action)", ErrState)
	}
	if cmd.Undoes != 0 && cmd.Undoes != u.seq {
		return nil, fmt.Errorf("%w: the last chair action is now seq %d, not %d", ErrStale, u.seq, cmd.Undoes)
	}
	if ago := d.now.Sub(u.at); ago > UndoWindow {
		return nil, fmt.Errorf("%w: an action can be undone for %d seconds; this one was %d seconds ago", ErrState, int(UndoWindow.Seconds()), int(ago.Seconds()))
	}
	p := u.request
	switch u.typ {
	case EvFloorGranted:
		if d.floor == nil || d.floor.Request != p.ID {
			return nil, fmt.Errorf("%w: %s's turn has already ended", ErrState, p.Speaker.Name)
		}
	case EvRequestRemoved:
		for _, o := range d.pending {
			if o.Sub == p.Sub && o.Kind == p.Kind {
				return nil, fmt.Errorf("%w: %s has asked again (%s)", ErrState, p.Speaker.Name, o.ID)
			}
		}
	default:
		if d.findPending(p.ID) == nil {
			return nil, fmt.Errorf("%w: %s's request has left the queue", ErrState, p.Speaker.Name)
		}
	}
	return d.events(EvUndone, Undone{Undoes: u.seq, Action: u.typ, Request: p.ID, Speaker: p.Speaker, Reason: cmd.Reason}), nil
}

// foldUndone puts the room back as it was before the undone action, keeping
// what others did since.
func (s *State) foldUndone(e Event) {
	var d Undone
	unmarshal(e, &d)
	u := s.undo
	if u == nil || u.seq != d.Undoes {
		return
	}
	p := u.request
	switch u.typ {
	case EvFloorGranted:
		item := s.AgendaItem
		if s.floor != nil {
			item = s.floor.AgendaItem
		}
		s.floor = nil
		s.floorSeq = e.Seq
		s.cursor = u.cursor
		if u.asked {
			s.asked[askKey(p.Sub, p.Kind)] = true
		}
		for _, id := range u.passed {
			if o := s.findPending(id); o != nil {
				o.Passes--
			}
		}
		s.tally(p.Speaker, item, func(t *queue.Tally) { t.Turns-- })
		s.restore(p)
	case EvRequestRemoved:
		s.restore(p)
	}
	if o := s.findPending(p.ID); o != nil {
		o.changed = e.Seq
	}
	gone := func(id string) bool { return s.findPending(id) == nil }
	s.moves = slices.DeleteFunc(u.moves, func(m queue.Move) bool { return gone(m.ID) })
	s.skips = slices.DeleteFunc(u.skips, func(k queue.Skip) bool { return gone(k.ID) })
	s.undo = nil
}

// restore puts p back among the pending requests at its place in the order
// they were raised.
func (s *State) restore(p pendingRequest) {
	i := slices.IndexFunc(s.pending, func(o *pendingRequest) bool { return o.raised > p.raised })
	if i < 0 {
		i = len(s.pending)
	}
	s.pending = slices.Insert(s.pending, i, &p)
}
