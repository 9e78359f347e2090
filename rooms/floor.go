package rooms

import (
	"strings"
	"time"

	"github.com/parley-hub/parley/queue"
)

type floorState struct {
	Request     string
	Speaker     Speaker
	Kind        queue.RequestKind
	AgendaItem  string
	StartedAt   time.Time
	Limit       time.Duration
	Extended    time.Duration
	Paused      bool
	PausedAt    time.Time
	PausedTotal time.Duration
	// Warning is the room's warning time as the turn runs (see warnBefore).
	Warning   time.Duration
	RepliesTo *ReplyTo
	// How and ChairReason say how the speaker got the floor (grantHow).
	How, ChairReason string
}

// elapsed is the speaking time so far, pauses excluded.
func (f *floorState) elapsed(now time.Time) time.Duration {
	d := now.Sub(f.StartedAt) - f.PausedTotal
	if f.Paused {
		d -= now.Sub(f.PausedAt)
	}
	return max(d, 0)
}

func (f *floorState) allowed() time.Duration { return f.Limit + f.Extended }

// Floor is who holds the floor and the turn's clock, as screens show it.
// EndsAt assumes the turn runs on; while paused it moves with the pause, so
// screens show RemainingS instead.
type Floor struct {
	Speaker
	Request    string            `json:"request"`
	Kind       queue.RequestKind `json:"kind"`
	AgendaItem string            `json:"agenda_item,omitempty"`
	StartedAt  time.Time         `json:"started_at"`
	EndsAt     time.Time         `json:"ends_at"`
	WarnAt     time.Time         `json:"warn_at"`
	LimitS     float64           `json:"limit_s"`
	ElapsedS   float64           `json:"elapsed_s"`
	RemainingS float64           `json:"remaining_s"`
	// WarnS is how long before EndsAt the warning shows (WarnAt).
	WarnS     float64  `json:"warn_s"`
	Paused    bool     `json:"paused"`
	RepliesTo *ReplyTo `json:"replies_to,omitempty"`
}

func (f *floorState) view(now time.Time) *Floor {
	elapsed := f.elapsed(now)
	remaining := f.allowed() - elapsed
	ends := now.Add(remaining)
	warn := warnBefore(f.Warning, f.allowed())
	return &Floor{
		Speaker: f.Speaker, Request: f.Request, Kind: f.Kind, AgendaItem: f.AgendaItem,
		StartedAt: f.StartedAt, EndsAt: ends, WarnAt: ends.Add(-warn), WarnS: warn.Seconds(),
		LimitS: f.allowed().Seconds(), ElapsedS: elapsed.Seconds(), RemainingS: remaining.Seconds(),
		Paused: f.Paused, RepliesTo: f.RepliesTo,
	}
}

// Intervention is one turn at the floor, as the record keeps it.
type Intervention struct {
	Speaker
	Request    string            `json:"request"`
	Kind       queue.RequestKind `json:"kind"`
	AgendaItem string            `json:"agenda_item"`
	Start      time.Time         `json:"start"`
	End        time.Time         `json:"end"`
	DurationS  float64           `json:"duration_s"`
	OverrunS   float64           `json:"overrun_s"`
	EndedBy    string            `json:"ended_by"`
	// How the speaker got the floor (HowQueue, ...), and the chair's words
	// for it where the chair stepped in.
	How         string `json:"how"`
	ChairReason string `json:"chair_reason,omitempty"`
}

// How a speaker got the floor, as the record keeps it.
const (
	HowQueue      = "queue"        // the head of the queue, in the policy's order
	HowOutOfOrder = "out_of_order" // called by the chair out of order
	HowMoved      = "moved"        // the head of the queue where the chair had moved them
	HowAfterSkip  = "after_skip"   // the head of the queue while the chair had passed a request over
)

// chairCallPrefix begins the reason of a turn the chair gave out of
// order; the chair's own words follow.
const chairCallPrefix = "called by the chair: "

// grantHow is how d gave the floor, skips being the requests the chair had
// passed over since the last turn: all a log needs, old ones included.
func grantHow(d FloorGranted, skips []queue.Skip) (how, reason string) {
	switch {
	case d.By == ByChair:
		return HowOutOfOrder, strings.TrimPrefix(d.Reason, chairCallPrefix)
	case d.Why != nil && d.Why.Code == queue.WhyMoved:
		return HowMoved, d.Why.Note
	}
	for i := len(skips) - 1; i >= 0; i-- {
		if skips[i].ID != d.Request {
			return HowAfterSkip, skips[i].Note
		}
	}
	return HowQueue, ""
}
