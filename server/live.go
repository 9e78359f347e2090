package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
)

// newUpgrader returns the WebSocket upgrader: small read buffers and pooled
// write buffers keep an idle connection cheap, and origins are checked.
func newUpgrader(allowed []string) *websocket.Upgrader {
	return &websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   512,
		WriteBufferSize:  4096,
		WriteBufferPool:  &sync.Pool{},
		CheckOrigin:      originChecker(allowed),
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			writeJSON(w, status, apiError{Error: errorBody{Code: "bad_handshake", Message: reason.Error()}})
		},
	}
}

// originChecker admits requests without an Origin (tools, not browsers),
// from the server's own origin, and from the allowed origins.
func originChecker(allowed []string) func(*http.Request) bool {
	set := map[string]bool{}
	for _, o := range allowed {
		set[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
	}
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" || set["*"] || set[strings.ToLower(origin)] {
			return true
		}
		u, err := url.Parse(origin)
		return err == nil && strings.EqualFold(u.Host, r.Host)
	}
}

// live upgrades a room's client to the live protocol (docs/protocol.md).
func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	claims, err := s.verifier.VerifyFor(bearer(r), room)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	after, resume, err := afterParam(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.rooms.View(r.Context(), room, func(*rooms.State) {}); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if !s.hub.accepting() {
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: errorBody{Code: "shutting_down", Message: "the server is shutting down; reconnect shortly"}})
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c := newClient(conn, room, claims.Participant(), s.log)
	if !s.hub.track() {
		c.kick(websocket.CloseGoingAway, "server shutting down")
		return
	}
	if err := s.hub.join(r.Context(), c, after, resume); err != nil {
		s.hub.conns.Done()
		c.logger().Warn("live join failed", "err", err)
		c.kick(closeRoomGone, "room unavailable")
		return
	}
	var expiry *time.Timer
	if claims.ExpiresAt != nil {
		expiry = time.AfterFunc(time.Until(claims.ExpiresAt.Time), func() { c.kick(closeTokenExpired, "token expired") })
	}
	// The handler returns and net/http lets go of the request; the
	// connection lives on in its reader, so an idle client costs one
	// goroutine and its buffers.
	go func() {
		defer s.hub.conns.Done()
		c.readLoop(s.hub.ctx, s)
		if expiry != nil {
			expiry.Stop()
		}
		s.hub.leave(c)
	}()
}

func afterParam(r *http.Request) (after uint64, given bool, err error) {
	v := r.URL.Query().Get("after")
	if v == "" {
		return 0, false, nil
	}
	after, err = strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%w: after must be a whole number, not %q", rooms.ErrInvalid, v)
	}
	return after, true, nil
}

func decodeClientMsg(data []byte, m *clientMsg) error {
	if err := json.Unmarshal(data, m); err != nil {
		return fmt.Errorf("malformed JSON: %v", err)
	}
	if m.Type == "" {
		return fmt.Errorf("message has no type: send {\"type\":\"command\",...} or {\"type\":\"ping\"}")
	}
	return nil
}
