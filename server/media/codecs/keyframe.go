package codecs

import "github.com/pion/webrtc/v4"

// StartsKeyframe reports whether an RTP payload of codec mime begins a
// keyframe, from which a decoder can start: the first packet of a VP8 key
// frame (RFC 7741), or for H.264 (RFC 6184) an IDR slice or the parameter
// sets sent before one, alone, aggregated or as the first fragment.
func StartsKeyframe(mime string, payload []byte) bool {
	switch mime {
	case webrtc.MimeTypeVP8:
		return vp8Keyframe(payload)
	case webrtc.MimeTypeH264:
		return h264Keyframe(payload)
	}
	return false
}

func vp8Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	// The payload descriptor: S (start of partition) and partition 0.
	if p[0]&0x10 == 0 || p[0]&0x07 != 0 {
		return false
	}
	i := 1
	if p[0]&0x80 != 0 { // X: extension byte, then what it announces
		if len(p) <= i {
			return false
		}
		ext := p[i]
		i++
		if ext&0x80 != 0 { // I: picture ID, two bytes when its M bit is set
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if ext&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if ext&0x30 != 0 { // T or K: TID/KEYIDX
			i++
		}
	}
	// The VP8 payload header: P (inverse key frame flag) clear.
	return len(p) > i && p[i]&0x01 == 0
}

// H.264 NAL unit types that matter here.
const (
	nalIDR   = 5
	nalSPS   = 7
	nalSTAPA = 24
	nalFUA   = 28
)

func h264Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch typ := p[0] & 0x1F; typ {
	case nalIDR, nalSPS:
		return true
	case nalSTAPA:
		for i := 1; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			if t := p[i+2] & 0x1F; t == nalIDR || t == nalSPS {
				return true
			}
			i += 2 + size
		}
	case nalFUA:
		// The FU header: S (start) and the fragmented unit's type.
		return len(p) > 1 && p[1]&0x80 != 0 && p[1]&0x1F == nalIDR
	}
	return false
}
