package relaymedia

import (
	"fmt"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/server/media/codecs"
)

// videoLine is one video m-line of the upstream session for the hub's
// viewers: a track per codec Parley carries, of which the one upstream
// sends now is written.
type videoLine struct {
	tracks map[string]*webrtc.TrackLocalStaticRTP // by codecs.Video MIME type
	// sending is the codec upstream sent last, "" before any.
	sending   atomic.Pointer[string]
	keyframes codecs.Throttle
}

func newVideoLine(i int) (*videoLine, error) {
	l := &videoLine{tracks: map[string]*webrtc.TrackLocalStaticRTP{}}
	for _, mime := range codecs.Video {
		t, err := webrtc.NewTrackLocalStaticRTP(codecs.VideoCodec(mime), fmt.Sprintf("video%d", i), "parley-relay")
		if err != nil {
			return nil, err
		}
		l.tracks[mime] = t
	}
	return l, nil
}

// write sends a packet upstream sent in codec mime to the viewers of it.
func (l *videoLine) write(mime string, p *rtp.Packet) {
	mime = codecs.CanonicalVideo(mime)
	t := l.tracks[mime]
	if t == nil {
		return
	}
	if s := l.sending.Load(); s == nil || *s != mime {
		l.sending.Store(&mime)
	}
	l.keyframes.Saw(mime, p.Payload)
	t.WriteRTP(p)
}

// trackFor is the track for a viewer's m-line offering codecs: upstream's
// codec if offered, else the one preferred; nil if it offers none.
func (l *videoLine) trackFor(offered []string) *webrtc.TrackLocalStaticRTP {
	if len(offered) == 0 {
		return nil
	}
	if s := l.sending.Load(); s != nil {
		for _, mime := range offered {
			if mime == *s {
				return l.tracks[mime]
			}
		}
	}
	return l.tracks[offered[0]]
}

// linesOf counts an offer's audio m-lines and lists, per video m-line,
// the codecs Parley carries that it offers.
func linesOf(offer string) (audio int, video [][]string, err error) {
	var desc sdp.SessionDescription
	if err := desc.UnmarshalString(offer); err != nil {
		return 0, nil, fmt.Errorf("%w: the body is not SDP: %v", ErrBadOffer, err)
	}
	for _, m := range desc.MediaDescriptions {
		switch {
		case m.MediaName.Port.Value == 0:
		case m.MediaName.Media == "audio":
			audio++
		case m.MediaName.Media == "video":
			video = append(video, codecs.VideoOffered(m))
		}
	}
	return audio, video, nil
}
