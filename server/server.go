package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/parley-hub/parley/frontend"
	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/ratelimit"
)

// maxBody bounds every request body: commands and room specs are small.
const maxBody = 64 << 10

// Server serves Parley's HTTP API, live protocol and pages over a room
// service.
type Server struct {
	rooms       *rooms.Service
	transcripts *rooms.Transcripts
	verifier    *auth.Verifier
	log         *slog.Logger
	mux         *http.ServeMux
	hub         Live
	media       Media
	people      *ratelimit.People
	cors        mediaCORS
	metrics     Metrics // nil: none
}

// Parts are what the server serves; cmd/parley/wire.go builds them.
type Parts struct {
	Rooms       *rooms.Service
	Transcripts *rooms.Transcripts
	Verifier    *auth.Verifier
	Live        Live
	// Media, when set, serves WHIP and WHEP.
	Media Media
	// People bounds what each person sends; share it with the live hub so
	// HTTP and live draw on one budget. Nil: a budget of the server's own,
	// within the default limits.
	People *ratelimit.People
	// AllowedOrigins are the browser origins, besides the server's own,
	// whose pages may call WHIP and WHEP.
	AllowedOrigins []string
	Log            *slog.Logger
	// Metrics, if set, is told of requests, commands and refusals.
	Metrics Metrics
}

// New returns the server over p; it starts nothing.
func New(p Parts) *Server {
	s := &Server{
		rooms: p.Rooms, transcripts: p.Transcripts, verifier: p.Verifier, log: p.Log,
		mux: http.NewServeMux(), hub: p.Live, media: p.Media, people: p.People, cors: newMediaCORS(p.AllowedOrigins),
		metrics: p.Metrics,
	}
	if s.people == nil {
		s.people = ratelimit.NewPeople(ratelimit.Limits{})
	}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.HandleFunc("POST /api/v1/rooms", s.createRoom)
	s.mux.HandleFunc("GET /api/v1/rooms/{room}", s.publicOnceClosed(s.snapshot))
	s.mux.HandleFunc("POST /api/v1/rooms/{room}/commands", s.inRoom(s.command))
	s.mux.HandleFunc("POST /api/v1/rooms/{room}/queue/preview", s.inRoom(s.previewQueue))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/events", s.publicOnceClosed(s.events))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/interventions", s.publicOnceClosed(s.interventions))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/interventions.csv", s.publicOnceClosed(s.interventionsCSV))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/balance", s.publicOnceClosed(s.balance))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/me", s.inRoom(s.whoAmI))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/balance/trend", s.publicOnceClosed(s.balanceTrend))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/revocations", s.inRoom(s.revocations))
	s.mux.HandleFunc("POST /api/v1/rooms/{room}/tokens", s.inRoom(s.issueTokens))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/record", s.publicOnceClosed(s.record))
	s.mux.HandleFunc("GET /api/v1/record-key", s.recordKey)
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/ws", s.live)
	s.mux.HandleFunc("POST /api/v1/rooms/{room}/captions", s.inRoom(s.postCaption))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/captions/seq", s.inRoom(s.captionSeq))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/transcript", s.publicOnceClosed(s.transcript))
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/transcript/search", s.inRoom(s.searchTranscript))
	for ext := range exportFormats {
		s.mux.HandleFunc("GET /api/v1/rooms/{room}/transcript."+ext, s.publicOnceClosed(s.exportTranscript(ext)))
	}
	s.mediaRoutes()
	s.pageRoutes()
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Error: errorBody{Code: "not_found", Message: "no such API endpoint: " + r.Method + " " + r.URL.Path,
			Params: map[string]any{"method": r.Method, "path": r.URL.Path}}})
	})
}

// ServeHTTP names each request (RequestIDHeader), logs it (never its
// query, which may carry a token) and counts it, every answer with
// frontend.SecureHeaders.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	frontend.SecureHeaders(w.Header())
	start := time.Now()
	r = withRequestID(w, r)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	took := time.Since(start)
	s.log.DebugContext(r.Context(), "http", "method", r.Method, "path", r.URL.Path, "status", rec.status, "dur", took)
	if s.metrics != nil {
		s.metrics.Request(r.Pattern, rec.status, took)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	// wrote says the status line has gone out; writeFailed that the
	// client stopped taking the answer.
	wrote, writeFailed bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	if err != nil {
		r.writeFailed = true
	}
	return n, err
}

func (r *statusRecorder) started() bool { return r.wrote }
func (r *statusRecorder) failed() bool  { return r.writeFailed }

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Hijack lets the WebSocket upgrader take the connection over.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.status = http.StatusSwitchingProtocols
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	err := s.rooms.Ready(ctx)
	if err == nil && !s.hub.Accepting() {
		err = live.ErrShuttingDown // a load balancer stops sending clients here
	}
	if err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		p := describe(err)
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: p.body()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// request is an authenticated request to one room.
type request struct {
	*http.Request
	room   string
	claims auth.Claims
	who    rooms.Participant
	log    *slog.Logger
}

// inRoom authenticates a request for the {room} in its path. Its context
// names the token's holder, so the room service refuses a revoked token
// on the read of the room that serves the request (rooms.WithHolder);
// handlers that do not read the room say so with unrevoked.
func (s *Server) inRoom(h func(http.ResponseWriter, request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		room := r.PathValue("room")
		claims, err := s.verifier.VerifyFor(auth.Bearer(r), room)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		r = r.WithContext(holding(r.Context(), claims))
		req := request{Request: r, room: room, claims: claims, who: claims.Participant()}
		req.log = s.log.With("room", room, "participant", req.who.Sub)
		if err := s.allow(req.who.Sub); err != nil {
			writeError(w, r, req.log, err)
			return
		}
		if err := h(w, req); err != nil {
			writeError(w, r, req.log, err)
		}
	}
}

// holding is ctx naming the holder of the token whose claims are c.
func holding(ctx context.Context, c auth.Claims) context.Context {
	return rooms.WithHolder(ctx, rooms.Holder{Token: c.ID, Sub: c.Subject})
}

// allow spends one of the person's tokens, or refuses the request.
func (s *Server) allow(sub string) error {
	if !s.people.Allow(sub, time.Now()) {
		if s.metrics != nil {
			s.metrics.RateLimited("http")
		}
		return ratelimit.ErrRateLimited
	}
	return nil
}

// readBody reads a bounded request body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, errBodyTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The connection's read deadline: the body came too slowly.
		return nil, errBodyTimeout
	}
	if err != nil {
		return nil, fmt.Errorf("%w after %d bytes (%v)", errBodyTruncated, len(body), err)
	}
	return body, nil
}
