// Package bareloop is the baseline Parley's media plane is measured
// against (issue 8): the plainest pion forwarder, one TrackLocalStaticRTP
// fed by the WHIP track, with pion's default codecs and interceptors. It
// speaks the shape of Parley's WHIP and WHEP endpoints so that one load
// tool drives both; it checks no token and knows no rooms.
//
// Lock order: Server.mu only.
package bareloop

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Config is what a Server is built from.
type Config struct {
	Log *slog.Logger
	// Loopback gathers loopback candidates only: for tests on one machine.
	Loopback bool
}

// Server forwards the one published track to every receiver.
type Server struct {
	api   *webrtc.API
	log   *slog.Logger
	track *webrtc.TrackLocalStaticRTP

	mu       sync.Mutex
	sessions map[string]*webrtc.PeerConnection
	closed   bool
}

// New builds a server.
func New(cfg Config) (*Server, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, fmt.Errorf("bareloop: %w", err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, fmt.Errorf("bareloop: %w", err)
	}
	var se webrtc.SettingEngine
	if cfg.Loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "bareloop")
	if err != nil {
		return nil, fmt.Errorf("bareloop: %w", err)
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{
		api: webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)),
		log: log, track: track, sessions: map[string]*webrtc.PeerConnection{},
	}, nil
}

// Handler serves POST /api/v1/rooms/{room}/whip and /whep and DELETE on
// the sessions they create, as Parley's server does.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/rooms/{room}/whip", func(w http.ResponseWriter, r *http.Request) { s.offer(w, r, true) })
	mux.HandleFunc("POST /api/v1/rooms/{room}/whep", func(w http.ResponseWriter, r *http.Request) { s.offer(w, r, false) })
	mux.HandleFunc("DELETE /api/v1/rooms/{room}/{endpoint}/{session}", s.delete)
	return mux
}

func (s *Server) offer(w http.ResponseWriter, r *http.Request, publish bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	answer, err := s.answer(r.Context(), pc, string(body), publish)
	if err != nil {
		pc.Close()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := rand.Text()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		pc.Close()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	s.sessions[id] = pc
	s.mu.Unlock()
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			s.end(id)
		}
	})
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", r.URL.Path+"/"+id)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

// answer sets up pc for a publisher (its track feeds the forwarding
// loop) or a receiver (the shared track is added), then answers offer.
func (s *Server) answer(ctx context.Context, pc *webrtc.PeerConnection, offer string, publish bool) (string, error) {
	if publish {
		pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { s.forward(t) })
	} else {
		sender, err := pc.AddTrack(s.track)
		if err != nil {
			return "", err
		}
		go func() {
			// Reading RTCP is what runs the interceptors on it.
			buf := make([]byte, 1500)
			for {
				if _, _, err := sender.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	desc, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(desc); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}

// forward is the bare loop: every packet read is written to the track,
// which writes it to every receiver.
func (s *Server) forward(t *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if _, err := s.track.Write(buf[:n]); err != nil {
			s.log.Debug("bareloop: write", "err", err)
		}
	}
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	if !s.end(r.PathValue("session")) {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// end closes session id; it reports whether there was one.
func (s *Server) end(id string) bool {
	s.mu.Lock()
	pc, ok := s.sessions[id]
	delete(s.sessions, id)
	s.mu.Unlock()
	if ok {
		go pc.Close()
	}
	return ok
}

// Close ends every session and refuses new ones.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	all := s.sessions
	s.sessions = map[string]*webrtc.PeerConnection{}
	s.mu.Unlock()
	for _, pc := range all {
		pc.Close()
	}
}
