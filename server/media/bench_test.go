//go:build linux

package media

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// BenchmarkForward is the cost of sending one packet to every subscriber,
// through Parley's fan-out and, side by side, through a bare pion loop (one
// TrackLocalStaticRTP, pion's default interceptors), on loopback, with
// pion clients receiving in the same process. cpu-ns/write is the CPU
// time of the forwarding thread alone (the whole write path runs on it,
// interceptors, SRTP and sendto included) per subscriber and packet, so the
// clients' work does not count; ns/write is wall time, which does.
func BenchmarkForward(b *testing.B) {
	for _, n := range []int{10, 50} {
		b.Run(fmt.Sprintf("parley/subscribers=%d", n), func(b *testing.B) {
			r := newRig(b, Config{})
			for i := range n {
				r.view(fmt.Sprintf("v%d", i), 1)
			}
			r.plane.mu.Lock()
			out := r.plane.rooms[r.room].programOut
			r.plane.mu.Unlock()
			measure(b, n, func(h rtp.Header, payload []byte) { out.forward(1, h, payload) })
		})
		b.Run(fmt.Sprintf("bare-pion/subscribers=%d", n), func(b *testing.B) {
			track := bareLoop(b, n)
			measure(b, n, func(h rtp.Header, payload []byte) {
				if err := track.WriteRTP(&rtp.Packet{Header: h, Payload: payload}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func measure(b *testing.B, subscribers int, write func(rtp.Header, []byte)) {
	payload := make([]byte, 80) // 20 ms of Opus at 32 kb/s
	h := rtp.Header{Version: 2, PayloadType: 111, SSRC: 1}
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU(b)
	for i := 0; b.Loop(); i++ {
		h.SequenceNumber, h.Timestamp = uint16(i), uint32(i)*960
		write(h, payload)
	}
	writes := float64(b.N * subscribers)
	b.ReportMetric(float64((threadCPU(b)-start).Nanoseconds())/writes, "cpu-ns/write")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/writes, "ns/write")
}

// threadCPU is the CPU time the calling OS thread has used.
func threadCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// bareLoop connects n clients to one TrackLocalStaticRTP, each through a
// peer connection of pion's defaults: the baseline of issue 8.
func bareLoop(b *testing.B, n int) *webrtc.TrackLocalStaticRTP {
	b.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		b.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		b.Fatal(err)
	}
	var se webrtc.SettingEngine
	loopbackOnly(&se)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "bare")
	if err != nil {
		b.Fatal(err)
	}
	for range n {
		v := newViewer(b, 1)
		b.Cleanup(func() { v.pc.Close() })
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { pc.Close() })
		sender, err := pc.AddTrack(track)
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			buf := make([]byte, 1500)
			for {
				if _, _, err := sender.Read(buf); err != nil {
					return
				}
			}
		}()
		if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerFrom(b, v.pc)}); err != nil {
			b.Fatal(err)
		}
		answer := settle(b, pc, func() (webrtc.SessionDescription, error) { return pc.CreateAnswer(nil) })
		if err := v.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
			b.Fatal(err)
		}
		waitUntil(b, "a bare subscriber connects", func() bool { return pc.ConnectionState() == webrtc.PeerConnectionStateConnected })
	}
	return track
}
