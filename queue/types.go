package queue

import "time"

// Dimensions the default policy balances on. A request's Categories maps a
// dimension to the category the speaker belongs to in it.
const (
	DimGroup  = "group"
	DimRegion = "region"
	DimGender = "gender"
	DimMode   = "mode"
)

// RequestKind is what a raised hand asks for.
type RequestKind string

const (
	KindSpeak        RequestKind = "speak"
	KindPointOfOrder RequestKind = "point_of_order"
	KindReply        RequestKind = "reply"
)

// Request is one pending request for the floor.
type Request struct {
	ID         string
	Sub        string
	Categories map[string]string // dimension -> category, e.g. "group" -> "civil-society"
	Kind       RequestKind
	RaisedAt   time.Time
	// Passes counts how many requests raised after this one have been given
	// the floor while this one waited.
	Passes int
	// Expected is how long this speaker's turn is likely to take: their own
	// average so far, or 0 when they have not spoken yet (the record's
	// average turn is used then). The bound on waiting plans with it.
	Expected time.Duration
}

// Tally is what one category has had so far.
type Tally struct {
	Requests int     `json:"requests"`
	Turns    int     `json:"turns"`
	Seconds  float64 `json:"seconds"`
}

// Record is the room's balance so far: dimension -> category -> tally.
type Record map[string]map[string]Tally

// Input is everything Order needs.
type Input struct {
	Pending []Request
	Record  Record
	Policy  Policy
	// Cursor is the index in Policy.Pattern of the next rotation slot to fill
	// (used by the rotate policy only; taken modulo the pattern length).
	Cursor int
	// Moves are the chair's placements, applied in order over the policy's;
	// Skips the requests the chair passed over once.
	Moves []Move
	Skips []Skip
	// Now is when the head of the queue can start: the time of the room's
	// last event, or the planned end of the turn in progress. The bound on
	// waiting (Policy.MaxWaitS) needs it; without it the bound on passes
	// applies.
	Now time.Time
}

// Move places a pending request at Position (from 1) among the requests
// after the points of order: a move never goes ahead of a point of order.
type Move struct {
	ID       string
	Position int
	Note     string
}

// Skip passes a pending request over once: the next speaker called is
// someone else, and the request stays in the queue.
type Skip struct {
	ID   string
	Note string
}

// Entry is one position in the ordered queue.
type Entry struct {
	Request Request
	// Reason says in one line, for a person, why the request stands here;
	// Why says it as a code and figures, for pages in other languages.
	Reason string
	Why    Why
	// Slot is the index in Policy.Pattern of the rotation slot this request
	// fills, or -1 when the policy is not rotate or no slot applies.
	Slot int
}
