package media

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// videoRate is the RTP clock rate of every video codec.
const videoRate = 90000

// videoCodecs are the video codecs Parley carries, the one preferred first.
var videoCodecs = []string{webrtc.MimeTypeVP8, webrtc.MimeTypeH264}

// keyframeGap is the least time between two keyframe requests to one
// publisher: a burst of joining receivers costs it one keyframe.
const keyframeGap = 250 * time.Millisecond

// registerVideo adds VP8 and H.264 (constrained baseline and baseline,
// packetization mode 1, what browsers and OBS send) with NACK and PLI.
func registerVideo(m *webrtc.MediaEngine) error {
	fb := []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBNACK}, {Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"}}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: videoRate, RTCPFeedback: fb}, PayloadType: 96},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: videoRate, RTCPFeedback: fb,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 102},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: videoRate, RTCPFeedback: fb,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"}, PayloadType: 104},
	} {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return err
		}
	}
	return nil
}

// videoOuts are a room's video outputs in one codec: the venue's camera
// and the floor's.
type videoOuts struct {
	venue, floor *fanout
}

func newVideoOuts() map[string]*videoOuts {
	out := map[string]*videoOuts{}
	for _, mime := range videoCodecs {
		out[mime] = &videoOuts{venue: newFanoutAt(videoRate), floor: newFanoutAt(videoRate)}
	}
	return out
}

// videoIn is a publisher's camera as it arrived.
type videoIn struct {
	ssrc uint32
	mime string
}

// keyframer asks one publisher for keyframes, at most one per keyframeGap;
// a request within the gap is sent at its end.
type keyframer struct {
	mu      sync.Mutex
	last    time.Time
	pending bool
}

// keyframe asks s's camera, if it has one, for a keyframe (RTCP PLI).
func (s *session) keyframe() {
	if s == nil || s.video.Load() == nil {
		return
	}
	k := &s.keyframes
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.pending {
		return
	}
	wait := time.Until(k.last.Add(keyframeGap))
	if wait <= 0 {
		k.last = time.Now()
		go s.sendPLI()
		return
	}
	k.pending = true
	time.AfterFunc(wait, func() {
		k.mu.Lock()
		k.pending, k.last = false, time.Now()
		k.mu.Unlock()
		s.sendPLI()
	})
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
	mime := canonicalVideo(t.Codec().MimeType)
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
			if !startsKeyframe(v.mime, p.Payload) {
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

// canonicalVideo is mime as spelt in videoCodecs, "" if Parley does not
// carry it.
func canonicalVideo(mime string) string {
	for _, c := range videoCodecs {
		if strings.EqualFold(c, mime) {
			return c
		}
	}
	return ""
}
