package media

import (
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/server/media/codecs"
)

// offer is what Parley needs to know of a client's SDP offer before it
// builds a peer connection for it.
type offer struct {
	sdp string
	// audio is how many audio m-lines the offer has, in order.
	audio int
	// video lists, per video m-line in order, the video codecs Parley
	// carries that it offers (MIME types, VP8 first).
	video [][]string
	// ufrag is the client's ICE username fragment.
	ufrag string
}

// checkOffer parses raw as an SDP offer to publish (WHIP: the client
// sends) or to receive (WHEP: the client receives), and checks that it has
// an audio m-line with Opus in a direction that fits.
func checkOffer(raw []byte, publish bool) (offer, error) {
	var desc sdp.SessionDescription
	if err := desc.Unmarshal(raw); err != nil {
		return offer{}, fmt.Errorf("%w: the body is not SDP: %v", ErrBadOffer, err)
	}
	var o offer
	o.ufrag, _ = desc.Attribute("ice-ufrag")
	for _, m := range desc.MediaDescriptions {
		if u, ok := m.Attribute("ice-ufrag"); ok && o.ufrag == "" {
			o.ufrag = u
		}
		if m.MediaName.Port.Value == 0 {
			continue
		}
		if m.MediaName.Media == "video" {
			if err := o.addVideo(m, publish); err != nil {
				return offer{}, err
			}
			continue
		}
		if m.MediaName.Media != "audio" {
			continue
		}
		o.audio++
		if o.audio > 1 && publish {
			return offer{}, fmt.Errorf("%w: a publisher sends one audio m-line, this offer has more", ErrBadOffer)
		}
		if !codecs.Offers(m, webrtc.MimeTypeOpus, opusRate) {
			return offer{}, fmt.Errorf("%w: audio m-line %d offers no Opus, the only audio codec Parley carries", ErrBadOffer, o.audio)
		}
		if dir := direction(m); !fits(dir, publish) {
			return offer{}, fmt.Errorf("%w: audio m-line %d is %s: WHIP takes sendonly (or sendrecv), WHEP recvonly (or sendrecv)", ErrBadOffer, o.audio, dir)
		}
	}
	if o.audio == 0 {
		return offer{}, fmt.Errorf("%w: the offer has no audio m-line", ErrBadOffer)
	}
	o.sdp = string(raw)
	return o, nil
}

// addVideo notes a video m-line's codecs. A publisher sends at most one;
// a receiver's m-line without a codec Parley carries is declined.
func (o *offer) addVideo(m *sdp.MediaDescription, publish bool) error {
	if publish && len(o.video) > 0 {
		return fmt.Errorf("%w: a publisher sends one video m-line, this offer has more", ErrBadOffer)
	}
	if dir := direction(m); !fits(dir, publish) {
		return fmt.Errorf("%w: video m-line %d is %s: WHIP takes sendonly (or sendrecv), WHEP recvonly (or sendrecv)", ErrBadOffer, len(o.video)+1, dir)
	}
	o.video = append(o.video, codecs.VideoOffered(m))
	return nil
}

// direction is the m-line's direction attribute, sendrecv when absent.
func direction(m *sdp.MediaDescription) webrtc.RTPTransceiverDirection {
	for _, a := range m.Attributes {
		if d := webrtc.NewRTPTransceiverDirection(a.Key); d != webrtc.RTPTransceiverDirectionUnknown {
			return d
		}
	}
	return webrtc.RTPTransceiverDirectionSendrecv
}

func fits(d webrtc.RTPTransceiverDirection, publish bool) bool {
	if d == webrtc.RTPTransceiverDirectionSendrecv {
		return true
	}
	if publish {
		return d == webrtc.RTPTransceiverDirectionSendonly
	}
	return d == webrtc.RTPTransceiverDirectionRecvonly
}

// fragment is a trickled SDP fragment (RFC 8840,
// application/trickle-ice-sdpfrag): candidates per m-line and the ICE
// credentials they belong to.
type fragment struct {
	ufrag      string
	candidates []webrtc.ICECandidateInit
}

// parseFragment reads the lines of an SDP fragment that matter to ICE.
func parseFragment(raw []byte) (fragment, error) {
	var f fragment
	var mid *string
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
		case strings.HasPrefix(line, "a=ice-ufrag:"):
			f.ufrag = strings.TrimPrefix(line, "a=ice-ufrag:")
		case strings.HasPrefix(line, "a=mid:"):
			m := strings.TrimPrefix(line, "a=mid:")
			mid = &m
		case strings.HasPrefix(line, "a=candidate:"):
			f.candidates = append(f.candidates, webrtc.ICECandidateInit{Candidate: strings.TrimPrefix(line, "a="), SDPMid: mid})
		case strings.HasPrefix(line, "a="), strings.HasPrefix(line, "m="):
			// ice-pwd, ice-options, end-of-candidates, group: nothing to do.
		default:
			return fragment{}, fmt.Errorf("%w: %q is not an SDP fragment line", ErrBadOffer, line)
		}
	}
	return f, nil
}
