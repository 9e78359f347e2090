package queue

import (
	"encoding/binary"
	"slices"
)

// slotAliases is the one table of slot names that stand for more than the
// category of the same name, after NETmundial's shared microphones: the
// government microphone also served intergovernmental organisations,
// academia and the technical community shared one, and hubs spoke at the
// remote slots. Any other slot name matches a request that has it as a
// category in any dimension.
var slotAliases = map[string][]string{
	"government":         {"government", "intergovernmental"},
	"academic-technical": {"academia", "technical-community"},
	"remote":             {"remote", "hub"},
}

// defaultModes are the mode categories of DESIGN.md; a room's own modes are
// recognised from the requests' mode dimension.
var defaultModes = []string{"in-room", "remote", "hub"}

func slotCategories(slot string) []string {
	if cats, ok := slotAliases[slot]; ok {
		return cats
	}
	return []string{slot}
}

// rotGroup holds, in arrival order, the requests that fit the same set of
// slots, so filling a slot compares groups rather than every request.
type rotGroup struct {
	members []int // indices into speak
	next    int
}

// appendRotated fills the pattern's slots round after round, starting at
// cursor, each slot taking the earliest waiting request that fits it and
// empty slots skipped. Requests that fit no slot follow in arrival order.
//
// When the pattern has mode slots (remote, hub, in-room), a request whose
// mode one of them serves queues only at those: at NETmundial remote
// participants spoke at the remote slots, not at their sector's microphone.
func appendRotated(out []Entry, speak []Request, pattern []string, cursor int) []Entry {
	m := len(pattern)
	if m == 0 {
		return appendFIFO(out, speak)
	}

	// Unique slot names, and which of them are mode slots.
	nameOf := make([]int, m)
	index := map[string]int{}
	var names []string
	for pos, s := range pattern {
		u, ok := index[s]
		if !ok {
			u = len(names)
			index[s] = u
			names = append(names, s)
		}
		nameOf[pos] = u
	}
	modes := map[string]bool{}
	for _, c := range defaultModes {
		modes[c] = true
	}
	for _, r := range speak {
		if c := r.Categories[DimMode]; c != "" {
			modes[c] = true
		}
	}
	slotsFor := map[string][]int{} // category -> unique slots it matches
	isModeSlot := make([]bool, len(names))
	servedModes := map[string]bool{} // modes that have their own slots
	for u, s := range names {
		for _, c := range slotCategories(s) {
			slotsFor[c] = append(slotsFor[c], u)
			if modes[c] {
				isModeSlot[u] = true
				servedModes[c] = true
			}
		}
	}

	// Group requests by the set of slots they fit.
	groups := map[string]*rotGroup{}
	slotGroups := make([][]*rotGroup, len(names))
	var unfit []Request
	remaining := 0
	var fits []int
	var key []byte
	for i, r := range speak {
		fits = fits[:0]
		modeOnly := servedModes[r.Categories[DimMode]]
		for _, c := range r.Categories {
			for _, u := range slotsFor[c] {
				if !modeOnly || isModeSlot[u] {
					fits = append(fits, u)
				}
			}
		}
		if len(fits) == 0 {
			unfit = append(unfit, r)
			continue
		}
		slices.Sort(fits)
		fits = slices.Compact(fits)
		key = key[:0]
		for _, u := range fits {
			key = binary.AppendUvarint(key, uint64(u))
		}
		g, ok := groups[string(key)]
		if !ok {
			g = &rotGroup{}
			groups[string(key)] = g
			for _, u := range fits {
				slotGroups[u] = append(slotGroups[u], g)
			}
		}
		g.members = append(g.members, i)
		remaining++
	}

	// Slot positions still worth visiting, in rotation order from the cursor.
	live := make([]int, m)
	start := ((cursor % m) + m) % m
	for k := range live {
		live[k] = (start + k) % m
	}
	for round := 1; remaining > 0 && len(live) > 0; round++ {
		kept := live[:0]
		for _, pos := range live {
			u := nameOf[pos]
			g := earliestGroup(&slotGroups[u])
			if g == nil {
				continue // groups only empty out, so this slot stays empty
			}
			r := speak[g.members[g.next]]
			g.next++
			remaining--
			out = append(out, entry(r, Why{Code: WhyRotation, Round: round, Slot: pos + 1, Slots: m, Category: pattern[pos]}, pos))
			kept = append(kept, pos)
		}
		live = kept
	}
	for _, r := range unfit {
		out = append(out, entry(r, Why{Code: WhyNoSlot}, -1))
	}
	return out
}

// earliestGroup returns the group whose next request waited longest, dropping
// exhausted groups from *gs on the way; nil when all are exhausted. Members
// are indices into the arrival-sorted speak list, so lower is earlier.
func earliestGroup(gs *[]*rotGroup) *rotGroup {
	var best *rotGroup
	kept := (*gs)[:0]
	for _, g := range *gs {
		if g.next == len(g.members) {
			continue
		}
		kept = append(kept, g)
		if best == nil || g.members[g.next] < best.members[best.next] {
			best = g
		}
	}
	*gs = kept
	return best
}
