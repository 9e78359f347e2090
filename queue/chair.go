package queue

import "slices"

// chairPlaced names the pending requests the chair's moves and skips place,
// which the policy leaves out. A point of order is never placed: it is
// taken first whatever the chair did.
func chairPlaced(in Input) map[string]bool {
	if len(in.Moves) == 0 && len(in.Skips) == 0 {
		return nil
	}
	kinds := make(map[string]RequestKind, len(in.Pending))
	for _, r := range in.Pending {
		kinds[r.ID] = r.Kind
	}
	placed := map[string]bool{}
	for _, m := range in.Moves {
		if k, ok := kinds[m.ID]; ok && k != KindPointOfOrder {
			placed[m.ID] = true
		}
	}
	for _, s := range in.Skips {
		if k, ok := kinds[s.ID]; ok && k != KindPointOfOrder {
			placed[s.ID] = true
		}
	}
	return placed
}

// placeChair adds the requests set aside for the chair to the policy's
// queue out: a skipped request just behind the first speaker the policy
// placed, so the next call passes it over once; then each move, in order,
// at its position after the points of order. A request both moved and
// skipped is placed by the move.
func placeChair(out []Entry, aside []Request, moves []Move, skips []Skip) []Entry {
	if len(aside) == 0 {
		return out
	}
	byID := make(map[string]Request, len(aside))
	for _, r := range aside {
		byID[r.ID] = r
	}
	moved := map[string]bool{}
	for _, m := range moves {
		moved[m.ID] = true
	}
	firstAfterOrder := func() int {
		return slices.IndexFunc(out, func(e Entry) bool { return e.Request.Kind != KindPointOfOrder })
	}
	var skipped []Entry
	for _, s := range skips {
		if r, ok := byID[s.ID]; ok && !moved[s.ID] {
			skipped = append(skipped, entry(r, Why{Code: WhySkipped, Note: s.Note}, -1))
		}
	}
	if len(skipped) > 0 {
		at := firstAfterOrder()
		if at < 0 {
			at = len(out)
		} else {
			at++ // behind the next speaker
		}
		out = slices.Insert(out, min(at, len(out)), skipped...)
	}
	for _, m := range moves {
		r, ok := byID[m.ID]
		if !ok {
			continue
		}
		i := slices.IndexFunc(out, func(e Entry) bool { return e.Request.ID == m.ID })
		if i >= 0 {
			out = slices.Delete(out, i, i+1) // moved again: the last move counts
		}
		start := firstAfterOrder()
		if start < 0 {
			start = len(out)
		}
		out = slices.Insert(out, min(start+max(m.Position, 1)-1, len(out)), entry(r, Why{Code: WhyMoved, Note: m.Note}, -1))
	}
	return out
}
