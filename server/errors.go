package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live"
)

// errBodyTooLarge is what a request body over maxBody becomes.
var errBodyTooLarge = errors.New("request body too large")

// errBodyTimeout is a request body that did not arrive within the read timeout.
var errBodyTimeout = errors.New("request body too slow: it did not arrive within the read timeout")

// apiError is the body of every error answer.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// classify maps an error to an HTTP status and a stable code. Anything it
// does not know is a server fault: logged in full, answered vaguely.
func classify(err error) (status int, code string) {
	var maxBytes *http.MaxBytesError
	var handshake *live.HandshakeError
	switch {
	case errors.As(err, &handshake):
		return handshake.Status, "bad_handshake"
	case errors.As(err, &maxBytes), errors.Is(err, errBodyTooLarge):
		return http.StatusRequestEntityTooLarge, "body_too_large"
	case errors.Is(err, errBodyTimeout):
		return http.StatusRequestTimeout, "body_timeout"
	case errors.Is(err, errRateLimited):
		return http.StatusTooManyRequests, "rate_limited"
	case errors.Is(err, auth.ErrExpired):
		return http.StatusUnauthorized, "token_expired"
	case errors.Is(err, auth.ErrInvalidToken):
		return http.StatusUnauthorized, "invalid_token"
	case errors.Is(err, auth.ErrWrongRoom):
		return http.StatusForbidden, "wrong_room"
	case errors.Is(err, rooms.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, rooms.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, rooms.ErrExists):
		return http.StatusConflict, "exists"
	case errors.Is(err, rooms.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, rooms.ErrState):
		return http.StatusConflict, "not_now"
	case errors.Is(err, rooms.ErrTooManyLines):
		return http.StatusRequestEntityTooLarge, "too_many_lines"
	case errors.Is(err, rooms.ErrCaptionSeqTooFar):
		return http.StatusBadRequest, "seq_too_far_ahead"
	case errors.Is(err, rooms.ErrInvalid):
		return http.StatusBadRequest, "invalid"
	}
	return http.StatusInternalServerError, "internal"
}

// writeError answers with err's status and code. Client errors carry their
// own message, which names the problem; server faults are logged and
// answered without internals.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, code := classify(err)
	msg := err.Error()
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "the server could not complete the request; it has been logged"
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
	}
	writeJSON(w, status, apiError{Error: errorBody{Code: code, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// Encoding our own types does not fail; a write error means the client left.
	_ = json.NewEncoder(w).Encode(v)
}
