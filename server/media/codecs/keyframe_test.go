package codecs

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

func TestStartsKeyframe(t *testing.T) {
	for _, c := range []struct {
		name    string
		mime    string
		payload []byte
		want    bool
	}{
		{"VP8 key frame", webrtc.MimeTypeVP8, []byte{0x10, 0x00}, true},
		{"VP8 inter frame", webrtc.MimeTypeVP8, []byte{0x10, 0x01}, false},
		{"VP8 key frame, not its first packet", webrtc.MimeTypeVP8, []byte{0x00, 0x00}, false},
		{"VP8 key frame, another partition", webrtc.MimeTypeVP8, []byte{0x11, 0x00}, false},
		{"VP8 key frame with a 15-bit picture ID", webrtc.MimeTypeVP8, []byte{0x90, 0x80, 0x81, 0x23, 0x00}, true},
		{"VP8 inter frame with a 7-bit picture ID and TL0PICIDX", webrtc.MimeTypeVP8, []byte{0x90, 0xC0, 0x12, 0x07, 0x01}, false},
		{"VP8 cut short", webrtc.MimeTypeVP8, []byte{0x90, 0x80}, false},
		{"H.264 IDR", webrtc.MimeTypeH264, []byte{0x65, 0x88}, true},
		{"H.264 SPS", webrtc.MimeTypeH264, []byte{0x67, 0x42}, true},
		{"H.264 non-IDR slice", webrtc.MimeTypeH264, []byte{0x41, 0x9a}, false},
		{"H.264 STAP-A with SPS", webrtc.MimeTypeH264, []byte{0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x01, 0x68}, true},
		{"H.264 STAP-A without", webrtc.MimeTypeH264, []byte{0x78, 0x00, 0x02, 0x41, 0x9a}, false},
		{"H.264 FU-A start of an IDR", webrtc.MimeTypeH264, []byte{0x7c, 0x85}, true},
		{"H.264 FU-A middle of an IDR", webrtc.MimeTypeH264, []byte{0x7c, 0x05}, false},
		{"empty", webrtc.MimeTypeVP8, nil, false},
		{"Opus", webrtc.MimeTypeOpus, []byte{0x10, 0x00}, false},
	} {
		if got := StartsKeyframe(c.mime, c.payload); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func FuzzStartsKeyframe(f *testing.F) {
	f.Add([]byte{0x90, 0x80, 0x81, 0x23, 0x00})
	f.Add([]byte{0x78, 0x00, 0x02, 0x67, 0x42})
	f.Fuzz(func(t *testing.T, p []byte) {
		StartsKeyframe(webrtc.MimeTypeVP8, p)
		StartsKeyframe(webrtc.MimeTypeH264, p)
	})
}
