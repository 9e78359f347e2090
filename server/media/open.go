package media

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
)

// negotiateTimeout bounds answering an offer, candidate gathering included.
const negotiateTimeout = 10 * time.Second

// sessionKind is what c's offer opens, given the ?feed= and ?lang= it
// asks for.
func sessionKind(c Caller, feed, lang string) (kind, error) {
	switch {
	case lang != "" && (c.Publish || feed != ""):
		return 0, fmt.Errorf("%w: ?lang= is for receivers of the plenary; an interpreter's token names its language", rooms.ErrInvalid)
	case lang != "" && !rooms.ValidLanguage(lang):
		return 0, fmt.Errorf("%w: ?lang=%q is not a language tag such as fr or pt-br", rooms.ErrInvalid, lang)
	case !c.Publish:
		return kindViewer, checkFeed(feed, c.Who)
	case feed == feedProgram && c.Who.Role == rooms.RoleVenue:
		return kindProgram, nil
	case feed == feedProgram:
		return 0, fmt.Errorf("%w: the program mix is the venue's: a venue token", rooms.ErrForbidden)
	case feed != "":
		return 0, fmt.Errorf("%w: feed %q: the only feed to publish is %q", rooms.ErrInvalid, feed, feedProgram)
	}
	k, err := publisherKind(c.Who.Role)
	if err == nil && k == kindInterpreter && !rooms.ValidLanguage(c.Who.Lang) {
		err = fmt.Errorf("%w: an interpreter's token names the language interpreted into (lang)", rooms.ErrForbidden)
	}
	return k, err
}

// publisherKind is what a role may publish over WHIP.
func publisherKind(role string) (kind, error) {
	switch role {
	case rooms.RoleVenue:
		return kindVenue, nil
	case rooms.RoleParticipant, rooms.RoleHub:
		return kindMic, nil
	case rooms.RoleInterpreter:
		return kindInterpreter, nil
	}
	return 0, fmt.Errorf("%w: a %s token may not publish media: venue, participant, hub and interpreter tokens may", rooms.ErrForbidden, role)
}

// open answers o for who in roomID with a new session of kind k (a viewer
// of feed, or of lang's interpretation), and registers it.
func (p *Plane) open(ctx context.Context, roomID string, who rooms.Participant, k kind, o offer, feed, lang string) (*session, string, error) {
	ctx, cancel := context.WithTimeout(ctx, negotiateTimeout)
	defer cancel()
	r, err := p.join(ctx, roomID)
	if err != nil {
		return nil, "", err
	}
	s, err := p.newSession(r, k, who)
	if err != nil {
		p.leave(r)
		return nil, "", err
	}
	s.ufrag = o.ufrag
	if k == kindViewer {
		err = s.addOutlets(o.audio, feed, lang)
		if err == nil && feed == "" {
			err = s.addVideoOutlets(o.video)
		}
	} else {
		s.pc.OnTrack(s.publish)
	}
	var answer string
	if err == nil {
		answer, err = s.negotiate(ctx, o)
	}
	var replaced *session
	if err == nil {
		replaced, err = r.add(s)
	}
	if err != nil {
		s.discard()
		return nil, "", err
	}
	s.watch(p.cfg.ConnectTimeout)
	if replaced != nil {
		replaced.end("a new session of the same publisher replaced it")
	}
	s.log.Info("media session opened", "session", s.id, "kind", k)
	return s, answer, nil
}

// The feeds to ask for: ?feed=return on WHEP, the floor track alone;
// ?feed=program on WHIP, the venue's program mix.
const (
	feedReturn  = "return"
	feedProgram = "program"
)

// checkFeed checks a WHEP request's ?feed= against who asks.
func checkFeed(feed string, who rooms.Participant) error {
	switch feed {
	case "":
		return nil
	case feedReturn:
		if who.Role == rooms.RoleVenue || who.Role == rooms.RoleChair || who.Role == rooms.RoleAdmin {
			return nil
		}
		return fmt.Errorf("%w: the return feed is for the hall's sound desk: a venue or chair token", rooms.ErrForbidden)
	}
	return fmt.Errorf("%w: feed %q: the only feed to ask for is %q", rooms.ErrInvalid, feed, feedReturn)
}

// addOutlets gives a viewer one track per audio m-line it offered: with
// one, the program feed; with two, the venue feed and the floor track.
// With a lang, the first m-line carries that language's interpretation
// (the venue feed while nobody interprets into it) instead. The return
// feed is the floor track alone, on the first m-line. Further m-lines are
// left without media.
func (s *session) addOutlets(audio int, feed, lang string) error {
	r := s.room
	first, from := r.programOut, []*fanout{}
	if audio >= 2 {
		first = r.venueOut
	}
	if lang != "" {
		l, err := r.langFeed(lang)
		if err != nil {
			return err
		}
		first = l.out
	}
	switch {
	case feed == feedReturn:
		from = append(from, r.floorOut)
	case audio >= 2:
		from = append(from, first, r.floorOut)
	default:
		from = append(from, first)
	}
	for i, f := range from {
		if err := s.addOutlet(newOutTrack(fmt.Sprintf("audio%d", i), "parley-"+r.id, webrtc.MimeTypeOpus), f, nil); err != nil {
			return err
		}
	}
	return nil
}

// addVideoOutlets gives a viewer the venue's camera on its first video
// m-line and the floor's on a second, each in a codec the m-line offers:
// the one its source sends now if it can. It stops at an m-line with no
// codec Parley carries, which is declined, as are further ones.
func (s *session) addVideoOutlets(lines [][]string) error {
	r := s.room
	sources := []struct {
		from   func(*videoOuts) *fanout
		source func() *session
	}{
		{func(v *videoOuts) *fanout { return v.venue }, r.venueSession},
		{func(v *videoOuts) *fanout { return v.floor }, r.floorSpeaker},
	}
	for i, codecs := range lines[:min(len(lines), len(sources))] {
		if len(codecs) == 0 {
			return nil
		}
		src := sources[i]
		mime := videoCodecFor(codecs, src.source())
		t := newOutTrack(fmt.Sprintf("video%d", i), "parley-"+r.id, mime)
		if err := s.addOutlet(t, src.from(r.video[mime]), func() { src.source().keyframe() }); err != nil {
			return err
		}
	}
	return nil
}

// addOutlet sends t from f on a transceiver of its own; keyframe, for
// video, asks f's source for a keyframe.
func (s *session) addOutlet(t *outTrack, f *fanout, keyframe func()) error {
	tr, err := s.pc.AddTransceiverFromTrack(t, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return fmt.Errorf("media: add track: %w", err)
	}
	s.outs = append(s.outs, outlet{track: t, from: f, keyframe: keyframe})
	sender := tr.Sender()
	go s.run(func() { s.answerRTCP(sender, t, f, keyframe) })
	return nil
}

// publish reads a publisher's track and forwards what the gate lets
// through (pion's OnTrack). Interpreters send audio alone.
func (s *session) publish(t *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	go s.run(func() { drainRTCP(receiver) })
	if t.Kind() == webrtc.RTPCodecTypeVideo && s.kind != kindInterpreter {
		s.publishVideo(t)
		return
	}
	if t.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	s.run(func() {
		s.room.started(s)
		if s.kind == kindInterpreter {
			go s.run(func() { s.room.announce(s.who.Lang, s.who) })
		}
		readPackets(t, &s.packets, func(p *rtp.Packet) { s.room.forward(s, p) })
	})
}

// drainRTCP reads a publisher's RTCP until it ends: pion's receiver
// report interceptor sees the sender reports only when they are read, and
// without them the reports sent back carry no round trip (LSR and DLSR),
// which a publisher such as the hub console shows as its link's quality.
func drainRTCP(r *webrtc.RTPReceiver) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := r.Read(buf); err != nil {
			return
		}
	}
}

// readPackets reads t until it ends, counting each packet in n and
// handing those that parse to forward.
func readPackets(t *webrtc.TrackRemote, n *atomic.Uint64, forward func(*rtp.Packet)) {
	buf := make([]byte, 1500)
	var p rtp.Packet
	for {
		size, _, err := t.Read(buf)
		if err != nil {
			return
		}
		n.Add(1)
		if p.Unmarshal(buf[:size]) != nil {
			continue
		}
		forward(&p)
	}
}

// answerRTCP reads a subscriber's RTCP (which also feeds the interceptors),
// resends what it reports lost, keeps a hub's receiver reports and, for
// video, passes on its requests for a keyframe, until the connection
// closes.
func (s *session) answerRTCP(sender *webrtc.RTPSender, t *outTrack, f *fanout, keyframe func()) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerNack:
				f.resend(t, p)
			case *rtcp.ReceiverReport:
				t.countLost(p.Reports)
				s.heard(t, p, time.Now())
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if keyframe != nil {
					keyframe()
				}
			}
		}
	}
}
