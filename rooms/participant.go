package rooms

import (
	"cmp"

	"github.com/parley-hub/parley/queue"
)

// Roles a token can carry.
const (
	RoleParticipant = "participant"
	RoleChair       = "chair"
	RoleHub         = "hub"
	RoleCaptioner   = "captioner"
	RoleObserver    = "observer"
	RoleAdmin       = "admin"
	// RoleVenue publishes the plenary feed (the hall's sound) over WHIP.
	RoleVenue = "venue"
	// RoleInterpreter publishes over WHIP the interpretation into the
	// token's lang, which it must have.
	RoleInterpreter = "interpreter"
)

// Modes of taking part.
const (
	ModeInRoom = "in-room"
	ModeRemote = "remote"
	ModeHub    = "hub"
)

// ValidRole reports whether role is one Parley knows.
func ValidRole(role string) bool {
	switch role {
	case RoleParticipant, RoleChair, RoleHub, RoleCaptioner, RoleObserver, RoleAdmin, RoleVenue, RoleInterpreter:
		return true
	}
	return false
}

// ValidMode reports whether mode is one Parley knows.
func ValidMode(mode string) bool {
	return mode == ModeInRoom || mode == ModeRemote || mode == ModeHub
}

// Participant is who is acting, exactly as their token says. Categories come
// only from here, never from what a client puts in a command.
type Participant struct {
	Sub     string
	Name    string
	Role    string
	Group   string
	Region  string
	Gender  string
	Country string
	// Delegation is whom they speak for ("European Union"); public, like
	// the country, as a plenary announces both with the name.
	Delegation string
	Mode       string
	Hub        string
	// HubName is how the hub calls itself ("Nairobi hub").
	HubName string
	// Lang, for a captioner, is the one language they may write (empty
	// means any); for an interpreter, the language they interpret into.
	Lang string
}

// Actor is how the participant appears as the cause of an event.
func (p Participant) Actor() Actor {
	return Actor{Sub: p.Sub, Name: p.Name, Role: p.Role}
}

// Speaker is the public face of the participant in queues, the floor and the
// record: name and the categories the balance counts, nothing more.
func (p Participant) Speaker() Speaker {
	return Speaker{Sub: p.Sub, Name: p.Name, Group: p.Group, Region: p.Region, Gender: p.Gender,
		Country: p.Country, Delegation: p.Delegation, Mode: p.Mode, Hub: p.Hub, HubName: p.HubName}
}

// chairs reports whether the participant may run the room's queue.
func (p Participant) chairs() bool {
	return p.Role == RoleChair || p.Role == RoleAdmin
}

// speaks reports whether the participant may ask for the floor.
func (p Participant) speaks() bool {
	switch p.Role {
	case RoleParticipant, RoleChair, RoleHub, RoleAdmin:
		return true
	}
	return false
}

// Speaker is a person (or hub) as shown in the queue, on the floor and in the
// intervention record.
type Speaker struct {
	Sub    string `json:"sub"`
	Name   string `json:"name"`
	Group  string `json:"group,omitempty"`
	Region string `json:"region,omitempty"`
	Gender string `json:"gender,omitempty"`
	// Country (an ISO 3166 code) and Delegation say where the speaker
	// comes from or whom they speak for; neither is a balance dimension.
	Country    string `json:"country,omitempty"`
	Delegation string `json:"delegation,omitempty"`
	Mode       string `json:"mode,omitempty"`
	Hub        string `json:"hub,omitempty"`
	// HubName is shown beside the name of a request a hub forwarded:
	// "Nairobi hub — Amina Diallo".
	HubName string `json:"hub_name,omitempty"`
}

// Categories maps each balance dimension to the speaker's category in it,
// leaving out dimensions the speaker did not declare, except gender: a
// speaker who declared none counts as undisclosed, so the shares of
// gender add up to 100%.
func (s Speaker) Categories() map[string]string {
	c := make(map[string]string, 4)
	for dim, cat := range map[string]string{
		queue.DimGroup:  s.Group,
		queue.DimRegion: s.Region,
		queue.DimGender: cmp.Or(s.Gender, queue.Undisclosed),
		queue.DimMode:   s.Mode,
	} {
		if cat != "" {
			c[dim] = cat
		}
	}
	return c
}
