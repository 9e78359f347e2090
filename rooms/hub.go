package rooms

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-hub/parley/queue"
)

// A regional hub keeps its own list of members who want to speak. Its
// coordinator (a hub token with the same hub id) forwards one of them at a
// time to the plenary queue, where the request is the member's own: their
// token's categories, mode hub, and the hub's name beside theirs.

// A member may also reach the list through the hub's own relay, with a
// token only the relay knows: the coordinator then vouches for them, naming
// the member (Command.Member) in hub_raise_hand, hub_withdraw or withdraw.
// The command is decided as the member's, with the categories the hub
// gives them and a sub in the hub's own namespace (MemberSub), so a hub can
// neither collide with nor act as anyone outside it; the event's actor
// stays the coordinator.

// Hub commands.
const (
	// CmdHubRaiseHand puts the sender, a member of a hub, on their hub's list.
	CmdHubRaiseHand = "hub_raise_hand"
	// CmdHubWithdraw takes a request off a hub's list: the member's own
	// (request optional), or any of the hub's for its coordinator.
	CmdHubWithdraw = "hub_withdraw"
	// CmdForward sends a request of the coordinator's hub list to the
	// plenary queue.
	CmdForward = "forward"
)

// Hub events.
const (
	EvHubHandRaised    = "hub_hand_raised"
	EvHubHandWithdrawn = "hub_hand_withdrawn"
)

// HubHandRaised puts a member on their hub's list. The speaker is the
// member as their token says; the request id is "h" and the event's seq.
type HubHandRaised struct {
	Request string            `json:"request"`
	Hub     string            `json:"hub"`
	Speaker Speaker           `json:"speaker"`
	Kind    queue.RequestKind `json:"kind"`
	Note    string            `json:"note,omitempty"`
}

// HubEntry is one request on a hub's list, first come first served.
type HubEntry struct {
	ID string `json:"id"`
	Speaker
	Kind     queue.RequestKind `json:"kind"`
	Note     string            `json:"note,omitempty"`
	RaisedAt time.Time         `json:"raised_at"`
}

// coordinates reports whether p runs the list of hub.
func (p Participant) coordinates(hub string) bool {
	return p.Role == RoleHub && p.Hub != "" && p.Hub == hub
}

// Voice names the microphone that carries p's voice to the plenary: a
// hub's coordinator publishes the hub's, everyone else their own.
func (p Participant) Voice() string {
	if p.Role == RoleHub && p.Hub != "" {
		return hubVoice(p.Hub)
	}
	return p.Sub
}

// Voice names the microphone sp is heard through when given the floor:
// someone taking part from a hub speaks at the hub's microphone, which
// its coordinator's console publishes.
func (sp Speaker) Voice() string {
	if sp.Mode == ModeHub && sp.Hub != "" {
		return hubVoice(sp.Hub)
	}
	return sp.Sub
}

// hubVoice is the name of a hub's microphone; the NUL keeps it apart
// from any person's sub.
func hubVoice(hub string) string { return "hub\x00" + hub }

// forwarded reports whether p is the coordinator of the hub that sp
// speaks for: the hub may withdraw its requests and end its turns.
func (p Participant) forwarded(sp Speaker) bool {
	return sp.Mode == ModeHub && p.coordinates(sp.Hub)
}

// hubRaiseHand puts a member on their hub's list.
func (d decision) hubRaiseHand(cmd Command) ([]Event, error) {
	if d.actor.Hub == "" || !d.actor.speaks() || d.actor.Role == RoleHub {
		return nil, refuse(ErrForbidden, "hub_members_only", nil, "only a member of a hub (a token with a hub) may join a hub's list")
	}
	kind := queue.RequestKind(cmp.Or(cmd.Kind, string(queue.KindSpeak)))
	for _, h := range d.hubList {
		if h.Sub == d.actor.Sub && h.Kind == kind {
			return nil, refuse(ErrState, "already_on_hub_list", map[string]any{"kind": kind, "request": h.ID}, fmt.Sprintf("you are already on your hub's list for a %s request (%s)", humanKind(kind), h.ID))
		}
	}
	id := fmt.Sprintf("h%d", d.Seq+1)
	return d.events(EvHubHandRaised, HubHandRaised{Request: id, Hub: d.actor.Hub, Speaker: d.actor.Speaker(), Kind: kind, Note: cmd.Note}), nil
}

// hubWithdraw takes a request off a hub's list.
func (d decision) hubWithdraw(cmd Command) ([]Event, error) {
	id := cmd.Request
	if id == "" {
		if id = ownRequest(d.hubList, d.actor.Sub, func(h *HubEntry) (string, string) { return h.ID, h.Sub }); id == "" {
			return nil, refuse(ErrState, "not_on_hub_list", nil, "you are not on your hub's list")
		}
	}
	h, err := d.hubRequest(id)
	if err != nil {
		return nil, err
	}
	if h.Sub != d.actor.Sub && !d.actor.coordinates(h.Hub) && !d.actor.chairs() {
		return nil, refuse(ErrForbidden, "not_your_hub_request", nil, "only the member or their hub's coordinator may take this request off the hub's list")
	}
	return d.events(EvHubHandWithdrawn, RequestRef{Request: id, Speaker: h.Speaker, Reason: cmd.Reason}), nil
}

// forward turns a request of the coordinator's hub list into a plenary
// request of the member's, with the member's categories as their token
// gave them when they joined the list, mode hub and the hub's name.
func (d decision) forward(cmd Command) ([]Event, error) {
	h, err := d.hubRequest(cmd.Request)
	if err != nil {
		return nil, err
	}
	if !d.actor.coordinates(h.Hub) {
		return nil, refuse(ErrForbidden, "hub_coordinator_only", map[string]any{"hub": h.Hub}, fmt.Sprintf("only the coordinator of hub %q may forward its requests", h.Hub))
	}
	if !d.ListOpen && h.Kind != queue.KindPointOfOrder {
		return nil, refuse(ErrState, "list_closed", nil, "the list of speakers is closed")
	}
	if _, err := d.Categories.Check(queue.DimMode, ModeHub); err != nil {
		return nil, err
	}
	for _, p := range d.pending {
		if p.Sub == h.Sub && p.Kind == h.Kind {
			return nil, refuse(ErrState, "member_already_queued", map[string]any{"name": h.Name, "kind": h.Kind, "request": p.ID}, fmt.Sprintf("%s already has a %s request in the plenary queue (%s)", h.Name, humanKind(h.Kind), p.ID))
		}
	}
	sp := h.Speaker
	sp.Mode = ModeHub
	sp.HubName = cmp.Or(d.actor.HubName, sp.HubName, sp.Hub)
	id := fmt.Sprintf("r%d", d.Seq+1)
	return d.events(EvHandRaised, HandRaised{Request: id, Speaker: sp, Kind: h.Kind, Note: h.Note, Forwarded: h.ID}), nil
}

func (d decision) hubRequest(id string) (*HubEntry, error) {
	if h := d.findHub(id); h != nil {
		return h, nil
	}
	return nil, refuse(ErrNotFound, "not_on_a_hub_list", map[string]any{"request": id}, fmt.Sprintf("request %q is not on a hub's list", id))
}

func (s *State) findHub(id string) *HubEntry {
	for _, h := range s.hubList {
		if h.ID == id {
			return h
		}
	}
	return nil
}

func (s *State) removeHub(id string) {
	s.hubList = slices.DeleteFunc(s.hubList, func(h *HubEntry) bool { return h.ID == id })
}

// foldHub applies a hub event.
func (s *State) foldHub(e Event) {
	switch e.Type {
	case EvHubHandRaised:
		var d HubHandRaised
		unmarshal(e, &d)
		s.hubList = append(s.hubList, &HubEntry{ID: d.Request, Speaker: d.Speaker, Kind: d.Kind, Note: d.Note, RaisedAt: e.Time})
	case EvHubHandWithdrawn:
		var d RequestRef
		unmarshal(e, &d)
		s.removeHub(d.Request)
	}
}

// HubQueue is every hub's list, each in the order its requests came.
func (s *State) HubQueue() []HubEntry {
	out := make([]HubEntry, len(s.hubList))
	for i, h := range s.hubList {
		out[i] = *h
	}
	return out
}

// HubMember is a member of a hub as its coordinator vouches for them: the
// sub the hub knows them by, their name and the categories they declared
// to the hub.
type HubMember struct {
	Sub    string `json:"sub"`
	Name   string `json:"name"`
	Group  string `json:"group,omitempty"`
	Region string `json:"region,omitempty"`
	Gender string `json:"gender,omitempty"`
}

// Limits on a vouched member, as on a token's claims.
const (
	MaxMemberSubLen  = 128 // bytes
	MaxMemberNameLen = 200 // characters
)

// MemberSub is the sub under which the room knows member sub of hub: apart
// from every token's sub (which holds no NUL) and from other hubs'.
func MemberSub(hub, sub string) string { return hubVoice(hub) + "\x00" + sub }

// validateMember checks the member a command names, if any.
func (c Command) validateMember() error {
	m := c.Member
	if m == nil {
		return nil
	}
	invalid := func(reason string, max int, text string) error {
		var params map[string]any
		if max > 0 {
			params = map[string]any{"max": max}
		}
		return refuse(ErrInvalid, reason, params, c.Type+": member: "+text)
	}
	switch c.Type {
	case CmdHubRaiseHand, CmdHubWithdraw, CmdWithdraw:
	default:
		return invalid("member_not_allowed", 0, "only hub_raise_hand, hub_withdraw and withdraw may be sent for a member")
	}
	switch {
	case m.Sub == "" || len(m.Sub) > MaxMemberSubLen || strings.ContainsRune(m.Sub, 0):
		return invalid("member_sub_required", MaxMemberSubLen, fmt.Sprintf("sub is required: at most %d bytes, no NUL", MaxMemberSubLen))
	case !utf8.ValidString(m.Name) || strings.TrimSpace(m.Name) == "" || utf8.RuneCountInString(m.Name) > MaxMemberNameLen:
		return invalid("member_name_required", MaxMemberNameLen, fmt.Sprintf("name is required: at most %d characters", MaxMemberNameLen))
	}
	for _, cat := range []string{m.Group, m.Region, m.Gender} {
		if !utf8.ValidString(cat) || len(cat) > MaxCategoryLen {
			return invalid("member_category_too_long", MaxCategoryLen, fmt.Sprintf("a category is at most %d bytes of UTF-8", MaxCategoryLen))
		}
	}
	return nil
}

// vouched is the member m as the room takes them when actor, their hub's
// coordinator, vouches for them: a participant of the actor's hub, mode
// hub, with m's categories where the room has them.
func (s *State) vouched(actor Participant, m HubMember) (Participant, error) {
	if actor.Role != RoleHub || actor.Hub == "" {
		return Participant{}, refuse(ErrForbidden, "coordinator_only", nil, "only a hub's coordinator may act for a member of its hub")
	}
	return s.Categories.Admit(Participant{
		Sub: MemberSub(actor.Hub, m.Sub), Name: m.Name, Role: RoleParticipant,
		Group: Canonical(m.Group), Region: Canonical(m.Region), Gender: Canonical(m.Gender),
		Mode: ModeHub, Hub: actor.Hub, HubName: actor.HubName,
	})
}
