package live

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// HandshakeError is a WebSocket handshake the upgrader refused, with the
// HTTP status it calls for.
type HandshakeError struct {
	Status int
	Err    error
}

func (e *HandshakeError) Error() string { return e.Err.Error() }
func (e *HandshakeError) Unwrap() error { return e.Err }

// newUpgrader returns the WebSocket upgrader: small read buffers and pooled
// write buffers keep an idle connection cheap, and origins are checked.
func newUpgrader(allowed []string) *websocket.Upgrader {
	return &websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   512,
		WriteBufferSize:  4096,
		WriteBufferPool:  &sync.Pool{},
		CheckOrigin:      originChecker(allowed),
	}
}

// upgrade takes r's connection over, or returns why it could not without
// answering: the caller maps the error to its answer.
func (h *Hub) upgrade(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	u := *h.upgrader
	var refused *HandshakeError
	u.Error = func(_ http.ResponseWriter, _ *http.Request, status int, reason error) {
		refused = &HandshakeError{Status: status, Err: reason}
	}
	conn, err := u.Upgrade(w, r, nil)
	if refused != nil {
		return nil, refused
	}
	return conn, err
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
