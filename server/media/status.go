package media

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/parley-hub/parley/rooms"
)

// Publisher is one WHIP session as the chair sees it: who is connected,
// and whether their audio has started to arrive.
type Publisher struct {
	Sub  string `json:"sub"`
	Name string `json:"name"`
	// Kind is "venue", "program", "mic" or "interpreter".
	Kind string `json:"kind"`
	// Lang is an interpreter's language.
	Lang string `json:"lang,omitempty"`
	// Audio: the track has arrived, so the speaker can be heard at once.
	Audio bool `json:"audio"`
	// Live: the gate lets this publisher through now.
	Live bool `json:"live"`
}

// Publishers lists room's publishers now, by kind then sub, for the chair
// (or an admin) who asks.
func (p *Plane) Publishers(roomID string, who rooms.Participant) ([]Publisher, error) {
	if who.Role != rooms.RoleChair && who.Role != rooms.RoleAdmin {
		return nil, fmt.Errorf("%w: only the chair sees who is connected to speak", rooms.ErrForbidden)
	}
	out := []Publisher{}
	r := p.roomOf(roomID)
	if r == nil {
		return out, nil
	}
	g := r.gate.Load()
	for _, s := range r.all() {
		if s.kind == kindViewer || s.stopped.Load() {
			continue
		}
		pub := Publisher{
			Sub: s.who.Sub, Name: s.who.Name, Kind: s.kind.String(), Audio: s.sending.Load(),
			Live: s.kind != kindMic || g.admits(s.who.Voice()),
		}
		if s.kind == kindInterpreter {
			pub.Lang = s.who.Lang
		}
		out = append(out, pub)
	}
	slices.SortFunc(out, func(a, b Publisher) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Sub, b.Sub)) })
	return out, nil
}

// roomOf is the plane's media of room id, or nil.
func (p *Plane) roomOf(id string) *room {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rooms[id]
}
