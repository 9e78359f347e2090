package rooms

import (
	"encoding/json"
	"time"

	"github.com/parley-hub/parley/queue"
)

// Event types. Each names a fact that happened; its data is the struct below
// of the same name.
const (
	EvRoomCreated    = "room_created"
	EvHandRaised     = "hand_raised"
	EvHandWithdrawn  = "hand_withdrawn"
	EvRequestMoved   = "request_moved"
	EvRequestSkipped = "request_skipped"
	EvRequestRemoved = "request_removed"
	EvFloorGranted   = "floor_granted"
	EvFloorReleased  = "floor_released"
	EvFloorPaused    = "floor_paused"
	EvFloorResumed   = "floor_resumed"
	EvFloorExtended  = "floor_extended"
	EvTimeLimitSet   = "time_limit_set"
	EvPolicySet      = "policy_set"
	EvListClosed     = "list_closed"
	EvListOpened     = "list_opened"
	EvAgendaItemSet  = "agenda_item_set"
	EvRoomClosed     = "room_closed"
	EvLanguageAdded  = "language_added"
	// The media plane appends these (interpretation.go).
	EvInterpretationStarted = "interpretation_started"
	EvInterpretationStopped = "interpretation_stopped"
)

// RoomCreated opens a room.
type RoomCreated struct {
	Title      string       `json:"title"`
	Policy     queue.Policy `json:"policy"`
	TimeLimitS float64      `json:"time_limit_s"`
	// Categories are the room's dimensions and categories in full; a log
	// written before rooms had them means DefaultCategories.
	Categories Categories `json:"categories,omitempty"`
	// Record is who may read the record once the room is closed; nil
	// means anyone (published.go).
	Record *RecordSpec `json:"record,omitempty"`
}

// HandRaised adds a request to the queue. The request's id is "r" followed by
// the sequence number of this event, so it is the same on every node.
type HandRaised struct {
	Request string            `json:"request"`
	Speaker Speaker           `json:"speaker"`
	Kind    queue.RequestKind `json:"kind"`
	Note    string            `json:"note,omitempty"`
	// Forwarded is the hub list request this one was forwarded from,
	// which leaves the hub's list.
	Forwarded string `json:"forwarded,omitempty"`
	// RepliesTo is the intervention a reply answers.
	RepliesTo *ReplyTo `json:"replies_to,omitempty"`
}

// RequestRef names a request, whose it is, and, for chair actions, why.
// The speaker is carried so the log reads as a record on its own.
type RequestRef struct {
	Request string  `json:"request"`
	Speaker Speaker `json:"speaker"`
	Reason  string  `json:"reason,omitempty"`
}

// RequestMoved places a request at a 1-based position of the queue as the
// chair saw it; a point of order ahead stays ahead. It keeps that place until
// it is called or the policy changes.
type RequestMoved struct {
	Request  string  `json:"request"`
	Speaker  Speaker `json:"speaker"`
	Position int     `json:"position"`
	Reason   string  `json:"reason"`
}

// Who ended or granted a turn.
const (
	ByQueue   = "queue"   // call_next: the head of the queue
	ByChair   = "chair"   // call out of order, or the chair ended the turn
	BySpeaker = "speaker" // the floor holder yielded
)

// FloorGranted gives the floor to a request's speaker.
type FloorGranted struct {
	Request string            `json:"request"`
	Speaker Speaker           `json:"speaker"`
	Kind    queue.RequestKind `json:"kind"`
	By      string            `json:"by"`
	Reason  string            `json:"reason"`
	// Why is the queue's reason as a code and figures, for a turn the
	// queue gave (by "queue"); logs written before it have the text alone.
	Why        *queue.Why `json:"why,omitempty"`
	Slot       int        `json:"slot"`
	TimeLimitS float64    `json:"time_limit_s"`
}

// FloorReleased ends the current turn; the figures are computed when the
// event is made, so the record never depends on when it is read.
type FloorReleased struct {
	Request   string  `json:"request"`
	Speaker   Speaker `json:"speaker"`
	By        string  `json:"by"`
	DurationS float64 `json:"duration_s"`
	OverrunS  float64 `json:"overrun_s"`
}

// Seconds carries a duration for extend and set_time_limit.
type Seconds struct {
	Seconds float64 `json:"seconds"`
}

// PolicySet changes the queue policy. The chair's moves end with the
// policy they were made against; Unmoved names the requests that were moved.
type PolicySet struct {
	Policy  queue.Policy `json:"policy"`
	Unmoved []string     `json:"unmoved,omitempty"`
}

// Language names a transcript channel that got its first text.
type Language struct {
	Lang string `json:"lang"`
}

// Title carries the agenda item.
type Title struct {
	Title string `json:"title"`
}

// draft is an event before the store numbers it.
func draft(now time.Time, actor Actor, typ string, data any) Event {
	// Round(0) drops the monotonic clock reading: the log keeps wall time
	// only, and a node that appended must compute exactly what a node that
	// read the event computes.
	e := Event{Time: now.Round(0), Actor: actor, Type: typ}
	if data != nil {
		// The data types above always marshal.
		e.Data, _ = json.Marshal(data)
	}
	return e
}
