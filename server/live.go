package server

import (
	"errors"
	"net/http"

	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live"
)

// Live serves the live protocol's connections once server has
// authenticated them (server/live's Hub).
type Live interface {
	// Serve takes the client s over r's connection, or returns, without
	// answering, why it refused before the upgrade. r's context names the
	// token's holder (rooms.WithHolder): Serve reads the room with it
	// before the upgrade, and that read refuses a revoked token.
	Serve(w http.ResponseWriter, r *http.Request, s live.Session) error
	// Accepting reports whether it takes new connections: false once the
	// node drains, which fails /readyz.
	Accepting() bool
}

// live authenticates a room's client and hands it to the live side
// (docs/protocol.md); refusals are answered like the HTTP API's.
func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	claims, err := s.verifier.VerifyFor(auth.Bearer(r), room)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	sess := live.Session{Room: room, Who: claims.Participant(), Token: claims.ID}
	if claims.ExpiresAt != nil {
		sess.Expires = claims.ExpiresAt.Time
	}
	err = s.hub.Serve(w, r.WithContext(holding(r.Context(), claims)), sess)
	switch {
	case err == nil:
	case errors.Is(err, live.ErrShuttingDown):
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: errorBody{Code: "shutting_down", Message: err.Error(), Params: map[string]any{}}})
	default:
		writeError(w, r, s.log, err)
	}
}

// ProtocolError says what a live client reads about err: the code and plain
// message of the HTTP API.
func ProtocolError(err error) live.Problem {
	p := describe(err)
	return live.Problem{Code: p.code, Message: p.message, Params: p.params, Fault: p.serverFault, Outage: p.outage}
}
