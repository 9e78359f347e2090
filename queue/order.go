package queue

import (
	"cmp"
	"slices"
	"strings"
)

// Order returns the queue for in: every pending request exactly once, each
// with a reason a person can read. Points of order come first and replies
// next, each in arrival order; then the speak requests in the order of the
// room's policy. A request of any other kind is ordered as a speak request,
// so none is lost. Ties are broken by RaisedAt, then ID, so the result is the
// same on every node whatever the order of in.Pending. The chair's skips and
// moves are applied last (see chair.go); the policy places the others, and
// their reasons speak of the others alone.
//
// Order normalizes in.Policy itself, so a zero Policy means the defaults. A
// policy that fails Normalize orders first come, first served: rooms reject
// such policies when they are set, and a queue must never stall a meeting.
func Order(in Input) []Entry {
	p, err := in.Policy.Normalize()
	if err != nil {
		p = Policy{Kind: PolicyFIFO}
	}
	// Sort indices, not Requests: moving the structs costs more than the
	// comparisons.
	order := make([]int, len(in.Pending))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &in.Pending[i], &in.Pending[j]
		if c := cmp.Compare(precedence(a.Kind), precedence(b.Kind)); c != 0 {
			return c
		}
		return byArrival(a, b)
	})

	placed := chairPlaced(in)
	out := make([]Entry, 0, len(in.Pending))
	speak := make([]Request, 0, len(in.Pending))
	var aside []Request
	for _, i := range order {
		r := in.Pending[i]
		switch {
		case placed[r.ID]:
			aside = append(aside, r)
		case r.Kind == KindPointOfOrder:
			out = append(out, entry(r, Why{Code: WhyPointOfOrder}, -1))
		case r.Kind == KindReply:
			out = append(out, entry(r, Why{Code: WhyReply}, -1))
		default:
			speak = append(speak, r)
		}
	}
	switch p.Kind {
	case PolicyRotate:
		out = appendRotated(out, speak, p.Pattern, in.Cursor)
	case PolicyBalanced:
		out = appendBalanced(out, speak, in.Pending, in.Record, p, in.Now)
	default:
		out = appendFIFO(out, speak)
	}
	return placeChair(out, aside, in.Moves, in.Skips)
}

func entry(r Request, why Why, slot int) Entry {
	return Entry{Request: r, Reason: why.Text(), Why: why, Slot: slot}
}

// precedence puts points of order first and replies next; any other kind is
// a speak request.
func precedence(k RequestKind) int {
	switch k {
	case KindPointOfOrder:
		return 0
	case KindReply:
		return 1
	default:
		return 2
	}
}

// byArrival is the waiting order every policy falls back on.
func byArrival(a, b *Request) int {
	if c := a.RaisedAt.Compare(b.RaisedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}
