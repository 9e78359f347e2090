package media

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// outTrack is one subscriber's outgoing track of one codec. A fanout writes each
// packet to it once: the subscriber's SSRC and payload type are set on a
// copy of the shared header, the payload is not copied.
type outTrack struct {
	id, stream, mime string
	bound            atomic.Pointer[binding]
	// header is the copy written; only under the fanout's lock.
	header rtp.Header
	// lost is the highest cumulative loss the subscriber reported.
	lost uint32
}

// binding is what pion negotiated for the track on one peer connection.
type binding struct {
	ssrc uint32
	pt   uint8
	w    webrtc.TrackLocalWriter
}

var _ webrtc.TrackLocal = (*outTrack)(nil)

func newOutTrack(id, stream, mime string) *outTrack {
	return &outTrack{id: id, stream: stream, mime: mime}
}

// Bind takes the track's codec, which the peer accepted.
func (t *outTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, t.mime) {
			t.bound.Store(&binding{ssrc: uint32(ctx.SSRC()), pt: uint8(c.PayloadType), w: ctx.WriteStream()})
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, fmt.Errorf("%w: the receiver accepts no %s", webrtc.ErrUnsupportedCodec, t.mime)
}

// Unbind stops writes to the peer connection.
func (t *outTrack) Unbind(webrtc.TrackLocalContext) error {
	t.bound.Store(nil)
	return nil
}

func (t *outTrack) ID() string       { return t.id }
func (t *outTrack) RID() string      { return "" }
func (t *outTrack) StreamID() string { return t.stream }
func (t *outTrack) Kind() webrtc.RTPCodecType {
	if strings.EqualFold(t.mime, webrtc.MimeTypeOpus) {
		return webrtc.RTPCodecTypeAudio
	}
	return webrtc.RTPCodecTypeVideo
}

// write sends one packet through the peer connection's interceptors
// (sender reports) and SRTP; the fanout's lock is held. A track not bound
// yet drops it.
func (t *outTrack) write(h *rtp.Header, payload []byte) {
	b := t.bound.Load()
	if b == nil {
		return
	}
	t.header = *h
	t.header.SSRC, t.header.PayloadType = b.ssrc, b.pt
	// A closed or not yet secured connection refuses the write; the
	// session's own state change ends it, so there is nothing to do here.
	_, _ = b.w.WriteRTP(&t.header, payload)
}
