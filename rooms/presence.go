package rooms

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Presence counts who is connected to a room: ephemeral, never in the log.
// Total counts connections and People the people they belong to (one person
// with three tabs open is three connections and one person); the counts by
// role, mode and group count people. Summed over nodes, a person connected
// to two nodes counts on each.
//
// Connected lists them by name, for the chair: at most MaxListed, hubs and
// chairs first, and More counts those left out. Names are personal data:
// View.Presence leaves the list out of the public view.
type Presence struct {
	Total     int            `json:"total"`
	People    int            `json:"people"`
	ByRole    map[string]int `json:"by_role"`
	ByMode    map[string]int `json:"by_mode"`
	ByGroup   map[string]int `json:"by_group"`
	Connected []Person       `json:"connected,omitempty"`
	More      int            `json:"more,omitempty"`
	// Hubs is, in the chair's view, each hub known to the room and whether
	// it is online (HubWatch); the node that sends presence fills it in.
	Hubs []HubStatus `json:"hubs,omitempty"`
	// people is each person connected, on the node that counts them (Add);
	// nil in a sum over nodes, whose list is Connected.
	people map[string]Person
}

// MaxListed bounds Presence.Connected: a room of thousands is told in
// counts beyond it, and a node's share of presence stays small.
const MaxListed = 500

// Person is one person connected to a room, as the chair sees them.
type Person struct {
	Sub     string `json:"sub"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	Mode    string `json:"mode,omitempty"`
	Hub     string `json:"hub,omitempty"`
	HubName string `json:"hub_name,omitempty"`
	// Connections counts their open connections (tabs, devices).
	Connections int `json:"connections"`
	// Since is when the first of them opened, by the node's clock.
	Since time.Time `json:"since"`
}

// NewPresence returns empty counts.
func NewPresence() Presence {
	return Presence{ByRole: map[string]int{}, ByMode: map[string]int{}, ByGroup: map[string]int{}}
}

// Add counts a connection of p in (delta 1) or out (delta -1), and p with
// their first connection in and their last out.
func (pr *Presence) Add(p Participant, delta int) {
	pr.Total += delta
	if p.Sub == "" {
		// Nobody to tell apart: each connection is someone, unlisted.
		pr.count(p, delta)
		return
	}
	if pr.people == nil {
		pr.people = map[string]Person{}
	}
	person, known := pr.people[p.Sub]
	if !known {
		// Presence is ephemeral: when someone came is this node's clock.
		person = Person{Sub: p.Sub, Name: p.Name, Role: p.Role, Mode: p.Mode, Hub: p.Hub, HubName: p.HubName, Since: time.Now().UTC()}
	}
	person.Connections += delta
	first, last := !known && delta > 0, known && person.Connections <= 0
	if person.Connections > 0 {
		pr.people[p.Sub] = person
	} else {
		delete(pr.people, p.Sub)
	}
	if first || last {
		pr.count(p, delta)
	}
}

// count counts p in or out as a person.
func (pr *Presence) count(p Participant, delta int) {
	pr.People += delta
	bump(pr.ByRole, p.Role, delta)
	bump(pr.ByMode, p.Mode, delta)
	bump(pr.ByGroup, p.Group, delta)
}

// Merge adds o's counts and list to pr's: a person on both counts their
// connections on both, from the earlier of their times.
func (pr *Presence) Merge(o Presence) {
	pr.Total += o.Total
	pr.People += o.People
	mergeCounts(pr.ByRole, o.ByRole)
	mergeCounts(pr.ByMode, o.ByMode)
	mergeCounts(pr.ByGroup, o.ByGroup)
	if len(o.Connected) == 0 {
		pr.More += o.More
		return
	}
	all := make(map[string]Person, len(pr.Connected)+len(o.Connected))
	for _, p := range pr.Connected {
		all[p.Sub] = p
	}
	for _, p := range o.Connected {
		if q, ok := all[p.Sub]; ok {
			p.Connections += q.Connections
			if q.Since.Before(p.Since) {
				p.Since = q.Since
			}
		}
		all[p.Sub] = p
	}
	pr.Connected, pr.More = listed(all, pr.More+o.More)
}

// listed is people in the order the chair reads them, at most MaxListed,
// and more with those left out added.
func listed(people map[string]Person, more int) ([]Person, int) {
	list := slices.SortedFunc(maps.Values(people), func(a, b Person) int {
		return cmp.Or(cmp.Compare(roleRank(a.Role), roleRank(b.Role)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Sub, b.Sub))
	})
	if over := len(list) - MaxListed; over > 0 {
		return list[:MaxListed], more + over
	}
	return list, more
}

// roleRank puts hubs first, whose links the chair watches, then those who
// chair, then everyone else.
func roleRank(role string) int {
	switch role {
	case RoleHub:
		return 0
	case RoleChair, RoleAdmin:
		return 1
	}
	return 2
}

func mergeCounts(dst, src map[string]int) {
	for k, n := range src {
		bump(dst, k, n)
	}
}

// Clone returns the counts and the list, sharing no maps with pr. The
// list of a node's own counts is made here, from whom it counts.
func (pr Presence) Clone() Presence {
	c := Presence{Total: pr.Total, People: pr.People, ByRole: maps.Clone(pr.ByRole), ByMode: maps.Clone(pr.ByMode), ByGroup: maps.Clone(pr.ByGroup),
		Connected: slices.Clone(pr.Connected), More: pr.More, Hubs: slices.Clone(pr.Hubs)}
	if pr.people != nil {
		c.Connected, c.More = listed(pr.people, 0)
	}
	return c
}

// Equal reports whether two counts, lists and hubs are the same.
func (pr Presence) Equal(o Presence) bool {
	return pr.Total == o.Total && pr.People == o.People && maps.Equal(pr.ByRole, o.ByRole) && maps.Equal(pr.ByMode, o.ByMode) && maps.Equal(pr.ByGroup, o.ByGroup) &&
		pr.More == o.More && slices.EqualFunc(pr.Connected, o.Connected, Person.equal) && slices.EqualFunc(pr.Hubs, o.Hubs, HubStatus.equal)
}

func (p Person) equal(o Person) bool {
	return p.Sub == o.Sub && p.Name == o.Name && p.Role == o.Role && p.Mode == o.Mode && p.Hub == o.Hub && p.HubName == o.HubName &&
		p.Connections == o.Connections && p.Since.Equal(o.Since)
}

// Presence returns pr as the reader may see it: counts only, unless they
// chair.
func (v View) Presence(pr Presence) Presence {
	if v.full {
		return pr
	}
	return Presence{Total: pr.Total, People: pr.People, ByRole: pr.ByRole, ByMode: pr.ByMode, ByGroup: pr.ByGroup}
}

func bump(m map[string]int, key string, delta int) {
	if key == "" {
		return
	}
	if m[key] += delta; m[key] <= 0 {
		delete(m, key)
	}
}

// HubStatus is a hub known to the room: online while its relay or its
// coordinator (a token of role hub) holds a live connection.
type HubStatus struct {
	Hub     string `json:"hub"`
	HubName string `json:"hub_name"`
	Online  bool   `json:"online"`
	// Since is when it came online or went offline, as this node saw it;
	// for a hub it has only seen offline (its members are connected, it
	// is not), when it first saw it.
	Since time.Time `json:"since"`
}

func (h HubStatus) equal(o HubStatus) bool {
	return h.Hub == o.Hub && h.HubName == o.HubName && h.Online == o.Online && h.Since.Equal(o.Since)
}

// HubWatch remembers the hubs a room's presence has shown, so a hub that
// goes away is still listed, offline since then. Not safe for concurrent
// use; the zero value is ready.
type HubWatch struct {
	hubs map[string]HubStatus
}

// See updates the hubs from pr, presence over every node, at now, and
// returns them by name. A hub is known from anyone connected who names it.
func (w *HubWatch) See(pr Presence, now time.Time) []HubStatus {
	if w.hubs == nil {
		w.hubs = map[string]HubStatus{}
	}
	online := map[string]bool{}
	for _, p := range pr.Connected {
		if p.Hub == "" {
			continue
		}
		h, ok := w.hubs[p.Hub]
		if !ok {
			h = HubStatus{Hub: p.Hub, Since: now}
		}
		// The coordinator's token names the hub as the hub calls itself.
		if h.HubName == "" || p.Role == RoleHub {
			h.HubName = cmp.Or(p.HubName, h.HubName, p.Hub)
		}
		if p.Role == RoleHub {
			if !h.Online {
				h.Online, h.Since = true, p.Since
			}
			online[p.Hub] = true
		}
		w.hubs[p.Hub] = h
	}
	for id, h := range w.hubs {
		if h.Online && !online[id] {
			h.Online, h.Since = false, now
			w.hubs[id] = h
		}
	}
	return slices.SortedFunc(maps.Values(w.hubs), func(a, b HubStatus) int {
		return cmp.Or(cmp.Compare(a.HubName, b.HubName), cmp.Compare(a.Hub, b.Hub))
	})
}

// PresenceBoard is implemented by stores shared between nodes: each node
// posts its own counts for the rooms it serves, and reads the sum over
// every node.
type PresenceBoard interface {
	// SharePresence posts node's counts for each room of local, all in one
	// round trip, and returns for each of those rooms the sum of the counts
	// every node posted that still count. Counts count until their node
	// posts them again or ttl passes by the store's own clock, so the
	// nodes' clocks need not agree and a node that dies drops out.
	SharePresence(ctx context.Context, node string, local map[string]Presence, ttl time.Duration) (map[string]Presence, error)
}

// presenceTTL is how long a node's counts live without being posted again.
const presenceTTL = 5 * time.Second

// SharePresence posts this node's counts for each room of local and
// returns each room's counts across nodes. Call it once for all rooms, not
// once per room. With a store that is not shared, or when the store fails,
// this node's counts are the rooms' (with the error).
func (s *Service) SharePresence(ctx context.Context, local map[string]Presence) (map[string]Presence, error) {
	board, ok := s.store.(PresenceBoard)
	if !ok || len(local) == 0 {
		return local, nil
	}
	all, err := board.SharePresence(ctx, s.node, local, presenceTTL)
	if err != nil {
		return local, fmt.Errorf("share presence of %d rooms: %w", len(local), err)
	}
	return all, nil
}

// newNodeID names this process among the nodes sharing a store.
func newNodeID() string { return rand.Text()[:12] }
