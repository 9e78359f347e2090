package rooms

import (
	"encoding/json"
	"strings"

	"github.com/parley-hub/parley/queue"
)

// View is what one reader of a room may see of its personal data: the
// gender each speaker declared and their notes to the chair. The chair and
// admins see everything; everyone else sees the public view (name, group,
// region, mode, hub, kind, reason) and their own data in full. Balance
// figures are aggregates and public. Every output that carries a speaker,
// over HTTP or live, passes through a View; sees is the one rule.
type View struct {
	sub  string
	full bool
}

// ViewOf is the view of the holder of p's token.
func ViewOf(p Participant) View {
	return View{sub: p.Sub, full: p.chairs()}
}

// PublicView is what anyone may see: for published outputs such as the
// transcript, and for live messages shared by every reader.
var PublicView = View{}

// Full reports whether the reader sees everyone's personal data.
func (v View) Full() bool { return v.full }

// sees reports whether the reader may see the personal data of the person
// whose token subject is owner.
func (v View) sees(owner string) bool {
	return v.full || (v.sub != "" && owner == v.sub)
}

// Speaker returns sp as the reader may see it.
func (v View) Speaker(sp Speaker) Speaker {
	if !v.sees(sp.Sub) {
		sp.Gender = ""
	}
	return sp
}

func (v View) note(owner, note string) string {
	if !v.sees(owner) {
		return ""
	}
	return note
}

// why returns a queue reason as the reader may see it. A balance reason
// that names a gender says whose it is: the request's own ("women have had
// 12%…", which its owner may see), or that of those it goes before ("taken
// before men…") or after ("1 later request goes first: women…"), which may
// be someone else's. Such a reason is said without the category
// (below_target) to readers who may not see it; it stays true, as the
// request is placed by the balance of categories. A reason names a gender
// when its dimension says so; one without a dimension (recovered from the
// text of an old log) when its category is one of genders.
func (v View) why(owner string, why queue.Why, reason string, genders map[string]bool) (queue.Why, string) {
	named := why.Dimension == queue.DimGender || (why.Dimension == "" && genders[why.Category]) // whatever the code, new ones too
	if v.full || !named || (why.Code == queue.WhyShare && v.sees(owner)) {
		return why, reason
	}
	general := queue.Why{Code: queue.WhyBelowTarget}
	return general, general.Text()
}

// reasonWhy recovers the code and category of a balance reason naming a
// gender from its English text, which is all floor_granted kept in logs
// written before it carried its why.
func reasonWhy(reason string, genders map[string]bool) queue.Why {
	for g := range genders {
		l := queue.Label(g)
		switch {
		case strings.HasPrefix(reason, "taken before "+l+","):
			return queue.Why{Code: queue.WhyBefore, Category: g}
		case strings.HasPrefix(reason, l+" "):
			return queue.Why{Code: queue.WhyShare, Category: g}
		}
	}
	return queue.Why{}
}

// genders is the set of gender categories a reason may name: the defaults
// and those the speakers given declared, which covers a room's own: a
// reason names the category of a request in the queue it labels.
func genders(speakers ...Speaker) map[string]bool {
	defaults := DefaultCategories()[queue.DimGender]
	set := make(map[string]bool, len(defaults)+len(speakers))
	for _, g := range defaults {
		set[g] = true
	}
	for _, sp := range speakers {
		if sp.Gender != "" {
			set[sp.Gender] = true
		}
	}
	return set
}

// publishedSpeaker is sp as the transcript, a published record, shows it
// to everyone, chair included. Logs written before the transcript kept the
// public view alone may hold more.
func publishedSpeaker(sp *Speaker) *Speaker {
	if sp == nil {
		return nil
	}
	public := PublicView.Speaker(*sp)
	return &public
}

// OwnNotes returns the reader's own notes to the chair in queue, by request
// id: what a reader sent the public view of the queue is missing of theirs.
func (v View) OwnNotes(queue []QueueEntry) map[string]string {
	notes := map[string]string{}
	for _, e := range queue {
		if v.sub != "" && e.Sub == v.sub && e.Note != "" {
			notes[e.ID] = e.Note
		}
	}
	return notes
}

// Snapshot returns snap as the reader may see it.
func (v View) Snapshot(snap Snapshot) Snapshot {
	snap.Floor = v.Floor(snap.Floor)
	snap.Queue = v.Queue(snap.Queue)
	snap.HubQueue = v.HubQueue(snap.HubQueue)
	return snap
}

// Floor returns f as the reader may see it.
func (v View) Floor(f *Floor) *Floor {
	if f == nil || v.full {
		return f
	}
	out := *f
	out.Speaker = v.Speaker(f.Speaker)
	return &out
}

// Queue returns a copy of entries as the reader may see them.
func (v View) Queue(entries []QueueEntry) []QueueEntry {
	if v.full || entries == nil {
		return entries
	}
	speakers := make([]Speaker, len(entries))
	for i, e := range entries {
		speakers[i] = e.Speaker
	}
	set := genders(speakers...)
	out := make([]QueueEntry, len(entries))
	for i, e := range entries {
		e.Why, e.Reason = v.why(e.Sub, e.Why, e.Reason, set)
		e.Speaker = v.Speaker(e.Speaker)
		e.Note = v.note(e.Sub, e.Note)
		out[i] = e
	}
	return out
}

// HubQueue returns a copy of entries as the reader may see them.
func (v View) HubQueue(entries []HubEntry) []HubEntry {
	if v.full {
		return entries
	}
	return each(entries, func(h HubEntry) HubEntry {
		h.Speaker = v.Speaker(h.Speaker)
		h.Note = v.note(h.Sub, h.Note)
		return h
	})
}

// Interventions returns a copy of list as the reader may see it.
func (v View) Interventions(list []Intervention) []Intervention {
	if v.full {
		return list
	}
	return each(list, func(iv Intervention) Intervention {
		iv.Speaker = v.Speaker(iv.Speaker)
		return iv
	})
}

// each returns f of each of list, nil for nil.
func each[T any](list []T, f func(T) T) []T {
	if list == nil {
		return nil
	}
	out := make([]T, len(list))
	for i, x := range list {
		out[i] = f(x)
	}
	return out
}

// Changes returns an event's changed snapshot keys as the reader may see
// them.
func (v View) Changes(changes map[string]any) map[string]any {
	if v.full {
		return changes
	}
	out := make(map[string]any, len(changes))
	for k, c := range changes {
		switch c := c.(type) {
		case []QueueEntry:
			out[k] = v.Queue(c)
		case []HubEntry:
			out[k] = v.HubQueue(c)
		case *Floor:
			out[k] = v.Floor(c)
		default:
			out[k] = c
		}
	}
	return out
}

// Events returns a copy of evs as the reader may see them.
func (v View) Events(evs []Event) []Event {
	if v.full {
		return evs
	}
	return each(evs, v.Event)
}

// Event returns e as the reader may see it. Every event that concerns a
// person carries them as "speaker", with their note, if any, as "note"; the
// data is rewritten only when it holds something the reader may not see.
func (v View) Event(e Event) Event {
	if v.full || len(e.Data) == 0 {
		return e
	}
	e.Seal = "" // it would open the personal digest (chain.go)
	if e.Type == EvTokenRevoked {
		e.Data = nil // whose link was revoked, and why, is the secretariat's
		return e
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(e.Data, &fields); err != nil {
		// The log's data are objects; anything else is not shown at all.
		e.Data = nil
		return e
	}
	raw, ok := fields["speaker"]
	if !ok {
		return e
	}
	var sp Speaker
	_ = json.Unmarshal(raw, &sp)
	set := genders(sp)
	changed := false
	if !v.sees(sp.Sub) {
		sp.Gender = ""
		fields["speaker"] = rawJSON(sp)
		delete(fields, "note")
		changed = true
	}
	if e.Type == EvFloorGranted {
		changed = v.grantReason(fields, sp.Sub, set) || changed
	}
	if changed {
		e.Data = rawJSON(fields)
	}
	return e
}

// grantReason rewrites, in a floor_granted event's fields, a reason the
// reader may not see, and reports whether it did. A turn the queue gave
// carries the head's reason, with its why except in old logs; one the
// chair gave, the chair's words.
func (v View) grantReason(fields map[string]json.RawMessage, owner string, set map[string]bool) bool {
	var d FloorGranted
	_ = json.Unmarshal(rawJSON(fields), &d)
	if d.By != ByQueue {
		return false
	}
	var why queue.Why
	if d.Why != nil {
		why = *d.Why
	} else {
		why = reasonWhy(d.Reason, set)
	}
	public, reason := v.why(owner, why, d.Reason, set)
	if reason == d.Reason {
		return false
	}
	fields["reason"] = rawJSON(reason)
	if d.Why != nil {
		fields["why"] = rawJSON(public)
	}
	return true
}

func rawJSON(v any) json.RawMessage {
	// Speakers, strings and maps of raw JSON always marshal.
	b, _ := json.Marshal(v)
	return b
}
