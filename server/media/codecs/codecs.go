// Package codecs is what every Parley peer negotiates, in one place: the
// media plane, the relay's local feed and the WHIP/WHEP client register
// the same Opus and video codecs, answer with Opus in-band FEC, and ask a
// camera for keyframes at the same bounded pace.
//
// Lock: Throttle.mu is a leaf.
package codecs

import (
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Clock rates: Opus's and every video codec's.
const (
	OpusRate  = 48000
	VideoRate = 90000
)

// Video are the video codecs Parley carries, the one preferred first.
var Video = []string{webrtc.MimeTypeVP8, webrtc.MimeTypeH264}

// opusFmtp asks for in-band FEC (RFC 7587 §6.1: the receiver of the
// description can decode it), so an encoder that reads it spends a little
// bitrate to survive a lost packet without a round trip.
const opusFmtp = "minptime=10;useinbandfec=1"

// Opus is Opus as Parley registers it; with nack, receivers may ask for
// what they lost (RFC 4585 generic NACK).
func Opus(nack bool) webrtc.RTPCodecParameters {
	c := webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: OpusRate, Channels: 2, SDPFmtpLine: opusFmtp},
		PayloadType:        111,
	}
	if nack {
		c.RTCPFeedback = []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBNACK}}
	}
	return c
}

// h264Fmtp are the H.264 profiles Parley takes: constrained baseline and
// baseline, packetization mode 1, what browsers and OBS send.
var h264Fmtp = []string{
	"level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
	"level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
}

// VideoCodec is the capability of a track of video codec mime (of Video).
func VideoCodec(mime string) webrtc.RTPCodecCapability {
	c := webrtc.RTPCodecCapability{MimeType: mime, ClockRate: VideoRate}
	if mime == webrtc.MimeTypeH264 {
		c.SDPFmtpLine = h264Fmtp[0]
	}
	return c
}

// Register adds Opus (with nack, as Opus says) and, with video, VP8 and
// H.264 (h264Fmtp) with NACK and PLI.
func Register(m *webrtc.MediaEngine, nack, video bool) error {
	if err := m.RegisterCodec(Opus(nack), webrtc.RTPCodecTypeAudio); err != nil {
		return err
	}
	if !video {
		return nil
	}
	fb := []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBNACK}, {Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"}}
	vp8 := VideoCodec(webrtc.MimeTypeVP8)
	vp8.RTCPFeedback = fb
	all := []webrtc.RTPCodecParameters{{RTPCodecCapability: vp8, PayloadType: 96}}
	for i, fmtp := range h264Fmtp {
		all = append(all, webrtc.RTPCodecParameters{PayloadType: webrtc.PayloadType(102 + 2*i), RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeH264, ClockRate: VideoRate, SDPFmtpLine: fmtp, RTCPFeedback: fb}})
	}
	for _, c := range all {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return err
		}
	}
	return nil
}

// Offers reports whether m has an rtpmap of codec mime at rate.
func Offers(m *sdp.MediaDescription, mime string, rate int) bool {
	_, name, _ := strings.Cut(mime, "/")
	want := strings.ToLower(fmt.Sprintf("%s/%d", name, rate))
	for _, a := range m.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		if _, codec, ok := strings.Cut(a.Value, " "); ok && strings.HasPrefix(strings.ToLower(codec), want) {
			return true
		}
	}
	return false
}

// VideoOffered are the video codecs Parley carries that m offers, the
// one preferred first.
func VideoOffered(m *sdp.MediaDescription) []string {
	var out []string
	for _, mime := range Video {
		if Offers(m, mime, VideoRate) {
			out = append(out, mime)
		}
	}
	return out
}

// CanonicalVideo is mime as spelt in Video, "" if Parley does not
// carry it.
func CanonicalVideo(mime string) string {
	for _, c := range Video {
		if strings.EqualFold(c, mime) {
			return c
		}
	}
	return ""
}
