package rooms

import (
	"fmt"
	"time"

	"github.com/parley-hub/parley/queue"
)

// Decide checks cmd from actor against the current state and returns the
// events it causes, not yet numbered. It changes nothing: the caller appends
// the events to the log and folds them back in.
func (s *State) Decide(now time.Time, actor Participant, cmd Command) ([]Event, error) {
	if !s.exists() {
		return nil, refuse(ErrNotFound, "no_room", map[string]any{"room": s.ID}, fmt.Sprintf("there is no room %q", s.ID))
	}
	if s.Closed {
		return nil, refuse(ErrState, "room_closed", nil, "the room is closed")
	}
	if err := cmd.validate(); err != nil {
		return nil, err
	}
	if chairOnly[cmd.Type] && !actor.chairs() {
		return nil, refuse(ErrForbidden, "chair_only", map[string]any{"command": cmd.Type}, "only the chair may "+humanCommand[cmd.Type])
	}
	actor, err := s.Categories.Admit(actor)
	if err != nil {
		return nil, err
	}
	if err := s.fresh(cmd); err != nil {
		return nil, err
	}
	d := decision{State: s, now: now, actor: actor, by: actor.Actor()}
	if cmd.Member != nil {
		if d.actor, err = s.vouched(actor, *cmd.Member); err != nil {
			return nil, err
		}
	}
	switch cmd.Type {
	case CmdRaiseHand:
		return d.raiseHand(cmd)
	case CmdWithdraw:
		return d.withdraw(cmd)
	case CmdHubRaiseHand:
		return d.hubRaiseHand(cmd)
	case CmdHubWithdraw:
		return d.hubWithdraw(cmd)
	case CmdForward:
		return d.forward(cmd)
	case CmdCallNext:
		return d.callNext()
	case CmdCall:
		return d.call(cmd)
	case CmdMove:
		p, err := d.pendingRequest(cmd.Request)
		if err != nil {
			return nil, err
		}
		if n := len(s.Queue()); cmd.Position > n {
			return nil, refuse(ErrInvalid, "position_beyond_queue", map[string]any{"position": cmd.Position, "waiting": n}, fmt.Sprintf("position %d is beyond the end of the queue (%d waiting)", cmd.Position, n))
		}
		if p.Kind == queue.KindPointOfOrder {
			return nil, refuse(ErrState, "point_of_order_fixed", nil, "a point of order is taken first; it cannot be moved")
		}
		return d.events(EvRequestMoved, RequestMoved{Request: cmd.Request, Speaker: p.Speaker, Position: cmd.Position, Reason: cmd.Reason}), nil
	case CmdSkip, CmdRemove:
		p, err := d.pendingRequest(cmd.Request)
		if err != nil {
			return nil, err
		}
		typ := EvRequestRemoved
		if cmd.Type == CmdSkip {
			typ = EvRequestSkipped
		}
		return d.events(typ, RequestRef{Request: cmd.Request, Speaker: p.Speaker, Reason: cmd.Reason}), nil
	case CmdRelease:
		return d.release()
	case CmdPause:
		if s.floor == nil || s.floor.Paused {
			return nil, refuse(ErrState, "not_running", nil, "nobody is speaking, or the turn is already paused")
		}
		return d.events(EvFloorPaused, nil), nil
	case CmdResume:
		if s.floor == nil || !s.floor.Paused {
			return nil, refuse(ErrState, "not_paused", nil, "the turn is not paused")
		}
		return d.events(EvFloorResumed, nil), nil
	case CmdExtend:
		return d.extend(cmd)
	case CmdSetWarning:
		return d.setWarning(cmd)
	case CmdUndo:
		return d.undoLast(cmd)
	case CmdSetTimeLimit:
		return d.events(EvTimeLimitSet, Seconds{Seconds: cmd.Seconds}), nil
	case CmdSetPolicy:
		p, err := cmd.Policy.Normalize()
		if err != nil {
			return nil, badPolicy(cmd.Type, err)
		}
		var unmoved []string
		for _, m := range s.moves {
			unmoved = append(unmoved, m.ID)
		}
		return d.events(EvPolicySet, PolicySet{Policy: p, Unmoved: unmoved}), nil
	case CmdCloseList:
		if !s.ListOpen {
			return nil, refuse(ErrState, "list_already_closed", nil, "the list of speakers is already closed")
		}
		return d.events(EvListClosed, nil), nil
	case CmdOpenList:
		if s.ListOpen {
			return nil, refuse(ErrState, "list_already_open", nil, "the list of speakers is already open")
		}
		return d.events(EvListOpened, nil), nil
	case CmdSetAgendaItem:
		return d.events(EvAgendaItemSet, Title{Title: cmd.Title}), nil
	case CmdRevoke:
		return d.revoke(cmd)
	case CmdCloseRoom:
		evs := d.endTurn(ByChair)
		return append(evs, draft(now, d.by, EvRoomClosed, nil)), nil
	}
	return nil, unknownCommand(cmd.Type)
}

var chairOnly = map[string]bool{
	CmdCallNext: true, CmdCall: true, CmdMove: true, CmdSkip: true, CmdRemove: true,
	CmdPause: true, CmdResume: true, CmdExtend: true, CmdSetTimeLimit: true,
	CmdSetPolicy: true, CmdCloseList: true, CmdOpenList: true,
	CmdSetAgendaItem: true, CmdCloseRoom: true, CmdSetWarning: true, CmdUndo: true,
}

var humanCommand = map[string]string{
	CmdCallNext: "call the next speaker", CmdCall: "call a speaker out of order",
	CmdMove: "move a request", CmdSkip: "skip a request", CmdRemove: "remove a request", CmdPause: "pause the floor",
	CmdResume: "resume the floor", CmdExtend: "extend a turn", CmdSetTimeLimit: "set the time limit",
	CmdSetPolicy: "set the queue policy", CmdCloseList: "close the list of speakers",
	CmdOpenList: "open the list of speakers", CmdSetAgendaItem: "set the agenda item",
	CmdCloseRoom: "close the room", CmdSetWarning: "set the warning time", CmdUndo: "undo a chair action",
}

// Commands whose if_seq is checked: floor commands against the last change
// of the floor, queue commands against the last change of their request.
var (
	floorCommands = map[string]bool{CmdCallNext: true, CmdCall: true, CmdRelease: true, CmdExtend: true, CmdPause: true, CmdResume: true}
	queueCommands = map[string]bool{CmdMove: true, CmdSkip: true, CmdCall: true, CmdRemove: true}
)

// fresh refuses cmd as stale when what it acts on changed after the state
// its sender saw (cmd.IfSeq): a second click on "call next" must not call a
// second speaker.
func (s *State) fresh(cmd Command) error {
	if cmd.IfSeq == 0 {
		return nil
	}
	if cmd.IfSeq > s.Seq {
		return refuse(ErrInvalid, "if_seq_ahead", map[string]any{"if_seq": cmd.IfSeq, "seq": s.Seq}, fmt.Sprintf("if_seq %d is ahead of the room, which is at seq %d", cmd.IfSeq, s.Seq))
	}
	if floorCommands[cmd.Type] && s.floorSeq > cmd.IfSeq {
		return fmt.Errorf("%w: the floor changed (seq %d) after the state you saw (seq %d); the room is now at seq %d", ErrStale, s.floorSeq, cmd.IfSeq, s.Seq)
	}
	if p := s.findPending(cmd.Request); queueCommands[cmd.Type] && p != nil && p.changed > cmd.IfSeq {
		return fmt.Errorf("%w: request %s changed (seq %d) after the state you saw (seq %d); the room is now at seq %d", ErrStale, p.ID, p.changed, cmd.IfSeq, s.Seq)
	}
	return nil
}

// decision carries what every command handler needs.
type decision struct {
	*State
	now   time.Time
	actor Participant
	by    Actor
}

func (d decision) events(typ string, data any) []Event {
	return []Event{draft(d.now, d.by, typ, data)}
}

func (d decision) raiseHand(cmd Command) ([]Event, error) {
	if !d.actor.speaks() {
		return nil, refuse(ErrForbidden, "role_cannot_speak", map[string]any{"role": d.actor.Role}, fmt.Sprintf("a %s cannot ask for the floor", d.actor.Role))
	}
	kind := queue.RequestKind(cmd.Kind)
	if kind == "" {
		kind = queue.KindSpeak
	}
	// A point of order interrupts; it is the one request a closed list
	// still takes, as in any rules of procedure.
	if !d.ListOpen && kind != queue.KindPointOfOrder {
		return nil, refuse(ErrState, "list_closed", nil, "the list of speakers is closed")
	}
	for _, p := range d.pending {
		if p.Sub == d.actor.Sub && p.Kind == kind {
			return nil, refuse(ErrState, "already_queued", map[string]any{"kind": kind, "request": p.ID}, fmt.Sprintf("you already have a %s request in the queue (%s)", humanKind(kind), p.ID))
		}
	}
	if d.floor != nil && d.floor.Speaker.Sub == d.actor.Sub && kind == queue.KindSpeak {
		return nil, refuse(ErrState, "holding_floor", nil, "you hold the floor now")
	}
	// The request id comes from the event's own sequence number, which the
	// append will assign only if the log is still at d.Seq.
	replies, err := d.repliesTo(kind, cmd.RepliesTo)
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("r%d", d.Seq+1)
	return d.events(EvHandRaised, HandRaised{Request: id, Speaker: d.actor.Speaker(), Kind: kind, Note: cmd.Note, RepliesTo: replies}), nil
}

func (d decision) withdraw(cmd Command) ([]Event, error) {
	id := cmd.Request
	if id == "" {
		if id = ownRequest(d.pending, d.actor.Sub, func(p *pendingRequest) (string, string) { return p.ID, p.Sub }); id == "" {
			return nil, refuse(ErrState, "no_request", nil, "you have no request in the queue")
		}
	}
	p, err := d.pendingRequest(id)
	if err != nil {
		return nil, err
	}
	if p.Sub != d.actor.Sub && !d.actor.chairs() && !d.actor.forwarded(p.Speaker) {
		return nil, refuse(ErrForbidden, "not_your_request", nil, "you may withdraw only your own request")
	}
	return d.events(EvHandWithdrawn, RequestRef{Request: id, Speaker: p.Speaker, Reason: cmd.Reason}), nil
}

func (d decision) callNext() ([]Event, error) {
	q := d.Queue()
	if len(q) == 0 {
		return nil, refuse(ErrState, "queue_empty", nil, "the queue is empty")
	}
	head := q[0]
	return append(d.endTurn(ByChair), d.grant(head, ByQueue, head.Reason, &head.Why, head.slot)), nil
}

func (d decision) call(cmd Command) ([]Event, error) {
	if _, err := d.pendingRequest(cmd.Request); err != nil {
		return nil, err
	}
	for _, e := range d.Queue() {
		if e.ID == cmd.Request {
			return append(d.endTurn(ByChair), d.grant(e, ByChair, chairCallPrefix+cmd.Reason, nil, -1)), nil
		}
	}
	return nil, notQueued(cmd.Request)
}

func (d decision) grant(e QueueEntry, by, reason string, why *queue.Why, slot int) Event {
	return draft(d.now, d.by, EvFloorGranted, FloorGranted{
		Request: e.ID, Speaker: e.Speaker, Kind: e.Kind, By: by, Reason: reason, Why: why,
		Slot: slot, TimeLimitS: d.TimeLimit.Seconds(),
	})
}

func (d decision) release() ([]Event, error) {
	if d.floor == nil {
		return nil, refuse(ErrState, "floor_free", nil, "nobody holds the floor")
	}
	by := ByChair
	if d.floor.Speaker.Sub == d.actor.Sub || d.actor.forwarded(d.floor.Speaker) {
		by = BySpeaker
	} else if !d.actor.chairs() {
		return nil, refuse(ErrForbidden, "not_your_turn", nil, "only the speaker or the chair may end this turn")
	}
	return d.endTurn(by), nil
}

// endTurn closes the current turn, if any, with its figures fixed now.
func (d decision) endTurn(by string) []Event {
	f := d.floor
	if f == nil {
		return nil
	}
	elapsed := f.elapsed(d.now)
	overrun := max(elapsed-f.allowed(), 0)
	return d.events(EvFloorReleased, FloorReleased{
		Request: f.Request, Speaker: f.Speaker, By: by, DurationS: elapsed.Seconds(), OverrunS: overrun.Seconds(),
	})
}

// ownRequest is the id of the first of list that sub owns, "" if none:
// what a withdraw that names no request takes back.
func ownRequest[T any](list []T, sub string, owner func(T) (id, sub string)) string {
	for _, x := range list {
		if id, s := owner(x); s == sub {
			return id
		}
	}
	return ""
}

func (d decision) pendingRequest(id string) (*pendingRequest, error) {
	if p := d.findPending(id); p != nil {
		return p, nil
	}
	return nil, notQueued(id)
}

func notQueued(id string) error {
	return refuse(ErrNotFound, "request_not_queued", map[string]any{"request": id}, fmt.Sprintf("request %q is not in the queue", id))
}

func humanKind(k queue.RequestKind) string {
	switch k {
	case queue.KindPointOfOrder:
		return "point of order"
	case queue.KindReply:
		return "reply"
	}
	return "speaking"
}
