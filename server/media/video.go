package media

import (
	"slices"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/server/media/codecs"
)

// videoOuts are a room's video outputs in one codec: the venue's camera
// and the floor's.
type videoOuts struct {
	venue, floor *fanout
}

func newVideoOuts() map[string]*videoOuts {
	out := map[string]*videoOuts{}
	for _, mime := range codecs.Video {
		out[mime] = &videoOuts{venue: newFanoutAt(codecs.VideoRate), floor: newFanoutAt(codecs.VideoRate)}
	}
	return out
}

// videoIn is a publisher's camera as it arrived.
type videoIn struct {
	ssrc uint32
	mime string
}

// keyframe asks s's camera, if it has one, for a keyframe (RTCP PLI), at
// most one per codecs.KeyframeGap, and again until one comes.
func (s *session) keyframe() {
	if s == nil || s.video.Load() == nil {
		return
	}
	s.keyframes.Ask(s.sendPLI)
}

func (s *session) sendPLI() {
	if v := s.video.Load(); v != nil && !s.stopped.Load() {
		// A closed connection refuses it; nobody is waiting then.
		_ = s.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: v.ssrc}})
	}
}

// publishVideo reads a publisher's camera and forwards what the gate lets
// through.
func (s *session) publishVideo(t *webrtc.TrackRemote) {
	mime := codecs.CanonicalVideo(t.Codec().MimeType)
	if mime == "" {
		return
	}
	s.run(func() {
		s.video.Store(&videoIn{ssrc: uint32(t.SSRC()), mime: mime})
		readPackets(t, &s.videoPackets, func(p *rtp.Packet) { s.room.forwardVideo(s, p) })
	})
}

// forwardVideo takes one camera packet of publisher s where it may go now:
// the venue's to the venue video, a speaker's to the floor video while the
// gate admits them, from a keyframe on.
func (r *room) forwardVideo(s *session, p *rtp.Packet) {
	v := s.video.Load()
	if s.stopped.Load() || v == nil {
		return
	}
	s.keyframes.Saw(v.mime, p.Payload)
	outs := r.video[v.mime]
	switch s.kind {
	case kindVenue:
		outs.venue.forward(s.src, p.Header, p.Payload)
	case kindMic:
		if !r.gate.Load().admits(s.who.Voice()) {
			return
		}
		// A speaker just let through starts the floor's picture from a
		// keyframe: what comes before it would not decode.
		if s.awaitKeyframe.Load() {
			if !codecs.StartsKeyframe(v.mime, p.Payload) {
				return
			}
			s.awaitKeyframe.Store(false)
		}
		outs.floor.forward(s.src, p.Header, p.Payload)
	}
}

// letThrough has speaker s's camera, if any, start on the floor from a
// keyframe, which it asks for.
func (s *session) letThrough() {
	if s == nil {
		return
	}
	s.awaitKeyframe.Store(true)
	s.keyframe()
}

// floorSpeaker is the microphone session of whoever the gate admits, or nil.
func (r *room) floorSpeaker() *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.floorSpeakerLocked()
}

func (r *room) floorSpeakerLocked() *session {
	g := r.gate.Load()
	if !g.admits(g.holder) {
		return nil
	}
	return r.mics[g.holder]
}

func (r *room) venueSession() *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.venue
}

// videoCodecFor picks of a receiver's m-line codecs the one its source
// sends now (src's camera), else Parley's preferred one.
func videoCodecFor(codecs []string, src *session) string {
	if src != nil {
		if v := src.video.Load(); v != nil && slices.Contains(codecs, v.mime) {
			return v.mime
		}
	}
	return codecs[0]
}
