package media

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"

	"github.com/parley-hub/parley/rooms"
)

// gate is who may be heard on the floor track: the floor holder's voice
// (rooms.Speaker.Voice: their own microphone, or their hub's),
// unless the turn is paused. It is replaced whole, never changed.
type gate struct {
	holder string
	paused bool
}

func (g *gate) admits(voice string) bool { return g.holder != "" && g.holder == voice && !g.paused }

func gateEvent(typ string) bool {
	switch typ {
	case rooms.EvFloorGranted, rooms.EvFloorReleased, rooms.EvFloorPaused, rooms.EvFloorResumed:
		return true
	}
	return false
}

// room is one room's media: its sessions, its gate and its three outputs.
type room struct {
	id    string
	plane *Plane
	// gate is read per packet without a lock; it changes under mu.
	gate atomic.Pointer[gate]
	// floorLive is whether the floor holder is publishing now, which
	// switches the program feed from the venue to the floor; programLive
	// whether the venue publishes a program mix of its own, which then is
	// the program feed.
	floorLive, programLive atomic.Bool

	venueOut, floorOut, programOut *fanout
	// video are the venue's and the floor's cameras, by codec; fixed.
	video map[string]*videoOuts
	// langs are the interpretation feeds by language; the map is replaced
	// whole under mu and read per venue packet without a lock.
	langs atomic.Pointer[map[string]*langFeed]
	// announcing serialises recording interpretation in the room's log.
	announcing sync.Mutex

	mu     sync.Mutex
	refs   int    // sessions and joins in progress; guarded by Plane.mu
	seq    uint64 // the last room event the gate reflects
	closed bool
	// sessions by id; mics by their publisher's sub (one each).
	sessions map[string]*session
	mics     map[string]*session
	interps  map[string]*session // interpreters by language (one each)
	venue    *session
	mix      *session // the venue's program mix (?feed=program)
	// release stops following the room's log.
	release func()
	// stopLease stops renewing the room's lease and releases it.
	stopLease func()
}

func newRoom(p *Plane, id string) *room {
	r := &room{
		id: id, plane: p,
		venueOut: newFanout(), floorOut: newFanout(), programOut: newFanout(), video: newVideoOuts(),
		sessions: map[string]*session{}, mics: map[string]*session{}, interps: map[string]*session{},
	}
	r.gate.Store(&gate{})
	r.langs.Store(&map[string]*langFeed{})
	return r
}

// init takes the floor from snap unless an event after it came first,
// and has the room followed (by follow) unless it is already.
func (r *room) init(snap rooms.Snapshot, follow func() (release func())) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.release == nil {
		r.release = follow()
	}
	if snap.Seq <= r.seq {
		return
	}
	r.takeLocked(snap)
}

// restart takes the floor from snap whatever the seq: the room's log was
// reloaded and its seqs start again.
func (r *room) restart(snap rooms.Snapshot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.takeLocked(snap)
}

func (r *room) takeLocked(snap rooms.Snapshot) {
	r.seq = snap.Seq
	g := &gate{}
	if f := snap.Floor; f != nil {
		g.holder, g.paused = f.Speaker.Voice(), f.Paused
	}
	r.setGate(g)
}

// apply follows one room event. Once it returns, no packet of a speaker
// the event silenced is forwarded: the read loops check the gate per
// packet.
func (r *room) apply(e rooms.Event) {
	r.mu.Lock()
	if e.Seq <= r.seq {
		r.mu.Unlock()
		return
	}
	r.seq = e.Seq
	g := *r.gate.Load()
	switch e.Type {
	case rooms.EvFloorGranted:
		var d rooms.FloorGranted
		if json.Unmarshal(e.Data, &d) == nil {
			g = gate{holder: d.Speaker.Voice()}
		}
	case rooms.EvFloorReleased:
		g = gate{}
	case rooms.EvFloorPaused:
		g.paused = true
	case rooms.EvFloorResumed:
		g.paused = false
	case rooms.EvRoomClosed:
		r.closed = true
		g = gate{}
	}
	r.setGate(&g)
	if e.Type == rooms.EvFloorGranted || e.Type == rooms.EvFloorResumed {
		r.floorSpeakerLocked().letThrough()
	}
	var ending []*session
	if r.closed {
		ending = r.allLocked()
	}
	r.mu.Unlock()
	for _, s := range ending {
		s.end("the room is closed")
	}
}

// setGate installs g and recomputes the switches; r.mu is held.
func (r *room) setGate(g *gate) {
	r.gate.Store(g)
	r.updateSwitches()
}

// updateSwitches recomputes what feeds the program; r.mu is held.
func (r *room) updateSwitches() {
	g := r.gate.Load()
	mic := r.mics[g.holder]
	r.floorLive.Store(g.admits(g.holder) && mic != nil && mic.sending.Load())
	r.programLive.Store(r.mix != nil && r.mix.sending.Load())
}

// unfollow stops following the room; r is no longer in use.
func (r *room) unfollow() {
	r.mu.Lock()
	release := r.release
	r.mu.Unlock()
	if release != nil {
		release()
	}
}

// session returns the session id, or nil.
func (r *room) session(id string) *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions[id]
}

func (r *room) all() []*session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.allLocked()
}

func (r *room) allLocked() []*session {
	out := make([]*session, 0, len(r.sessions))
	for _, s := range r.sessions {
		out = append(out, s)
	}
	return out
}

// add registers s. A venue replaces the room's venue, a microphone the
// same person's earlier one; the session replaced is returned to be ended.
// It fails once the room or the plane is closed.
func (r *room) add(s *session) (replaced *session, err error) {
	r.plane.mu.Lock()
	defer r.plane.mu.Unlock()
	if r.plane.closed {
		return nil, ErrClosed
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errRoomClosed(r.id)
	}
	switch s.kind {
	case kindVenue:
		replaced, r.venue = r.venue, s
	case kindProgram:
		replaced, r.mix = r.mix, s
	case kindMic:
		replaced = r.mics[s.who.Voice()]
		r.mics[s.who.Voice()] = s
	case kindInterpreter:
		if _, err := r.langFeedLocked(s.who.Lang); err != nil {
			return nil, err
		}
		replaced = r.interps[s.who.Lang]
		r.interps[s.who.Lang] = s
		// The venue until the new booth's audio arrives.
		r.updateLangLive(s.who.Lang)
	}
	if replaced != nil {
		// From here on, only the new one is heard.
		replaced.stopped.Store(true)
	}
	r.sessions[s.id] = s
	r.updateSwitches()
	return replaced, nil
}

// remove forgets s; it reports whether s was still registered.
func (r *room) remove(s *session) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sessions[s.id] != s {
		return false
	}
	delete(r.sessions, s.id)
	if s.kind == kindMic && r.mics[s.who.Voice()] == s {
		delete(r.mics, s.who.Voice())
		r.updateSwitches()
	}
	if s.kind == kindInterpreter && r.interps[s.who.Lang] == s {
		delete(r.interps, s.who.Lang)
		r.updateLangLive(s.who.Lang)
	}
	if r.venue == s {
		r.venue = nil
	}
	if r.mix == s {
		r.mix = nil
		r.updateSwitches()
	}
	return true
}

// started marks publisher s as sending, which may switch the program feed
// or a language's feed.
func (r *room) started(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.sending.Store(true)
	r.updateSwitches()
	if s.kind == kindInterpreter {
		r.updateLangLive(s.who.Lang)
	}
}

func errRoomClosed(id string) error { return fmt.Errorf("%w: room %q is closed", rooms.ErrState, id) }

// forward takes one packet of publisher s to the outputs it may reach now.
func (r *room) forward(s *session, p *rtp.Packet) {
	if s.stopped.Load() {
		return
	}
	switch s.kind {
	case kindVenue:
		r.venueOut.forward(s.src, p.Header, p.Payload)
		if !r.floorLive.Load() && !r.programLive.Load() {
			r.programOut.forward(s.src, p.Header, p.Payload)
		}
		r.forwardVenueToLangs(s, p)
	case kindProgram:
		if r.programLive.Load() {
			r.programOut.forward(s.src, p.Header, p.Payload)
		}
	case kindInterpreter:
		if l := (*r.langs.Load())[s.who.Lang]; l != nil && l.live.Load() {
			l.out.forward(s.src, p.Header, p.Payload)
		}
	case kindMic:
		if !r.gate.Load().admits(s.who.Voice()) {
			return
		}
		r.floorOut.forward(s.src, p.Header, p.Payload)
		if !r.programLive.Load() {
			r.programOut.forward(s.src, p.Header, p.Payload)
		}
	}
}
