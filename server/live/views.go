package live

import (
	"bytes"
	"encoding/json"
	"log/slog"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

// views is one live message prepared once per view of personal data
// (rooms.View): the public one, for most readers, and the chair's. A
// message that carries nothing personal is prepared once and serves both.
// A reader's own data the public view leaves out comes apart, in a small
// message of their own (protocol.Notes), so no message is encoded per
// reader.
type views struct {
	public, full *message
}

// forReader returns the variant c may receive.
func (v views) forReader(c *client) *message {
	if c.full {
		return v.full
	}
	return v.public
}

// prepareViews encodes msg, as the chair sees it, and its public view when
// that differs; both are nil if it cannot (it is logged).
func prepareViews(log *slog.Logger, id rooms.LogID, msg any) views {
	public, personal := publicOf(msg)
	full, err := json.Marshal(msg)
	if err != nil {
		log.Error("prepare live message", "log", id.String(), "err", err)
		return views{}
	}
	fm := newMessage(opText, full)
	if !personal {
		return views{public: fm, full: fm}
	}
	pb, err := json.Marshal(public)
	if err != nil || bytes.Equal(pb, full) {
		return views{public: fm, full: fm}
	}
	return views{public: newMessage(opText, pb), full: fm}
}

// publicOf returns msg as readers who do not chair may see it, and whether
// it is of a kind that can carry personal data. Transcript segments carry
// public speakers already (rooms.Segment).
func publicOf(msg any) (any, bool) {
	public := rooms.PublicView
	switch m := msg.(type) {
	case protocol.Event:
		m.Event = public.Event(m.Event)
		m.Changes = public.Changes(m.Changes)
		return m, true
	case protocol.Snapshot:
		m.Snapshot = public.Snapshot(m.Snapshot)
		return m, true
	case protocol.Presence:
		m.Presence = public.Presence(m.Presence)
		return m, true
	}
	return msg, false
}

// ownNotes is view's own notes on the queue of st, nil when it has none or
// sees everyone's anyway.
func ownNotes(view rooms.View, st *rooms.State) *protocol.Notes {
	if view.Full() {
		return nil
	}
	notes := view.OwnNotes(st.Queue())
	if len(notes) == 0 {
		return nil
	}
	return &protocol.Notes{Type: protocol.TypeNotes, Notes: notes}
}

// raisedNotes is, for an event that raises a hand with a note, the raiser
// and their notes, which their clients get before the event's public view.
func raisedNotes(e rooms.Event, st *rooms.State) (sub string, notes *protocol.Notes) {
	if e.Type != rooms.EvHandRaised {
		return "", nil
	}
	var d rooms.HandRaised
	if err := json.Unmarshal(e.Data, &d); err != nil || d.Note == "" {
		return "", nil
	}
	return d.Speaker.Sub, ownNotes(rooms.ViewOf(rooms.Participant{Sub: d.Speaker.Sub}), st)
}
