package codecs

import (
	"strings"
	"testing"
)

func TestWithFECSetsUseInbandFECOnOpusAlone(t *testing.T) {
	const head = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	for _, tc := range []struct{ name, in, want, not string }{
		{"without fmtp", "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n", "a=fmtp:111 useinbandfec=1", ""},
		{"fmtp without it", "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10\r\n", "a=fmtp:111 minptime=10;useinbandfec=1", ""},
		{"turned off", "m=audio 9 UDP/TLS/RTP/SAVPF 109\r\na=rtpmap:109 OPUS/48000/2\r\na=fmtp:109 useinbandfec=0;stereo=1\r\n", "a=fmtp:109 stereo=1;useinbandfec=1", "useinbandfec=0"},
		{"already on", "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n", "a=fmtp:111 minptime=10;useinbandfec=1\r\n", ""},
		{"video untouched", "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n", "a=rtpmap:96 VP8/90000", "useinbandfec"},
	} {
		got, err := WithFEC(head + tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !strings.Contains(got, tc.want) || (tc.not != "" && strings.Contains(got, tc.not)) {
			t.Errorf("%s: got\n%s\nwant %q and not %q", tc.name, got, tc.want, tc.not)
		}
	}
	if _, err := WithFEC("not sdp"); err == nil {
		t.Error("an answer that is not SDP was taken")
	}
}

func FuzzWithFEC(f *testing.F) {
	f.Add("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 ;;=\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		out, err := WithFEC(s)
		if err != nil {
			return
		}
		// Setting it again changes nothing more.
		if again, err := WithFEC(out); err != nil || again != out {
			t.Fatalf("not idempotent: %v\n%q\n%q", err, out, again)
		}
	})
}
