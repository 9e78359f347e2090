package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/media"
	"github.com/parley-hub/parley/server/ratelimit"
)

var (
	// errBodyTooLarge is what a request body over maxBody becomes.
	errBodyTooLarge = errors.New("request body too large")
	// errBodyTimeout is a request body that did not arrive within the read
	// timeout.
	errBodyTimeout = errors.New("request body too slow: it did not arrive within the read timeout")
	// errBodyTruncated is a request body that ended before its end: the
	// client sent less than it announced, or stopped sending.
	errBodyTruncated = errors.New("the request body was cut short")
)

// apiError is the body of every error answer.
type apiError struct {
	Error errorBody `json:"error"`
}

// errorBody says what went wrong three ways: a stable code, a plain
// English message for API users, and the params a page words it with in
// its reader's language: "reason" names the refusal within its code where
// the domain says (rooms.Refusal), the other keys are its figures.
type errorBody struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Params  map[string]any `json:"params"`
}

// kind is one class of error as a client sees it.
type kind struct {
	err    error // the Err value that marks it
	status int
	code   string
	// message, if set, is what the client reads instead of the error's
	// own detail, which for these kinds is the internals of a dependency.
	message string
	// retryAfter is the Retry-After header, in seconds, for answers that
	// may succeed if sent again unchanged.
	retryAfter string
}

// kinds are tried in order; the first that the error wraps decides.
var kinds = []kind{
	{err: errBodyTooLarge, status: http.StatusRequestEntityTooLarge, code: "body_too_large"},
	{err: errBodyTimeout, status: http.StatusRequestTimeout, code: "body_timeout"},
	{err: errBodyTruncated, status: http.StatusBadRequest, code: "body_truncated"},
	{err: ratelimit.ErrRateLimited, status: http.StatusTooManyRequests, code: "rate_limited", retryAfter: "1"},
	{err: ratelimit.ErrTooManyConnections, status: http.StatusTooManyRequests, code: "too_many_connections"},
	{err: media.ErrBadOffer, status: http.StatusBadRequest, code: "bad_offer"},
	{err: media.ErrContentType, status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"},
	{err: media.ErrNoSession, status: http.StatusNotFound, code: "no_session"},
	{err: media.ErrICERestart, status: http.StatusUnprocessableEntity, code: "ice_restart_unsupported"},
	{err: media.ErrClosed, status: http.StatusServiceUnavailable, code: "shutting_down", retryAfter: "2"},
	{err: live.ErrShuttingDown, status: http.StatusServiceUnavailable, code: "shutting_down", retryAfter: "2"},
	{err: auth.ErrExpired, status: http.StatusUnauthorized, code: "token_expired"},
	{err: auth.ErrInvalidToken, status: http.StatusUnauthorized, code: "invalid_token"},
	{err: auth.ErrWrongRoom, status: http.StatusForbidden, code: "wrong_room"},
	{err: rooms.ErrRevoked, status: http.StatusUnauthorized, code: "token_revoked"},
	{err: auth.ErrCannotIssue, status: http.StatusNotImplemented, code: "cannot_issue"},
	{err: rooms.ErrForbidden, status: http.StatusForbidden, code: "forbidden"},
	{err: rooms.ErrNotFound, status: http.StatusNotFound, code: "not_found"},
	{err: rooms.ErrExists, status: http.StatusConflict, code: "exists"},
	{err: rooms.ErrRoomLimit, status: http.StatusConflict, code: "room_limit"},
	{err: rooms.ErrConflict, status: http.StatusConflict, code: "conflict"},
	{err: rooms.ErrStale, status: http.StatusConflict, code: "stale"},
	{err: rooms.ErrState, status: http.StatusConflict, code: "not_now"},
	{err: rooms.ErrTooManyLines, status: http.StatusRequestEntityTooLarge, code: "too_many_lines"},
	{err: rooms.ErrCaptionSeqTooFar, status: http.StatusBadRequest, code: "seq_too_far_ahead"},
	{err: rooms.ErrInvalid, status: http.StatusBadRequest, code: "invalid"},
	{err: rooms.ErrRoomUnavailable, status: http.StatusServiceUnavailable, code: "room_unavailable", retryAfter: "60"},
	{err: rooms.ErrLost, status: http.StatusServiceUnavailable, code: "store_lost_events", retryAfter: "1"},
	{err: rooms.ErrUnavailable, status: http.StatusServiceUnavailable, code: "store_unavailable",
		message: "the store does not answer; try again in a moment", retryAfter: "2"},
	{err: context.DeadlineExceeded, status: http.StatusServiceUnavailable, code: "timeout",
		message: "the server took too long to answer; try again in a moment", retryAfter: "2"},
	{err: context.Canceled, status: http.StatusServiceUnavailable, code: "cancelled",
		message: "the request was cancelled before it completed; try again", retryAfter: "1"},
}

// internal is anything kinds do not know: a server fault, logged in full
// and answered vaguely.
var internal = kind{status: http.StatusInternalServerError, code: "internal",
	message: "the server could not complete the request; it has been logged"}

// problem is what a client is told about an error.
type problem struct {
	status              int
	code, message       string
	params              map[string]any
	retryAfter          string
	serverFault, outage bool // 500; 503
}

// describe maps err to what the client reads: a status, a stable code and
// a plain message. This is the one place where errors become answers.
func describe(err error) problem {
	var handshake *live.HandshakeError
	if errors.As(err, &handshake) {
		return problem{status: handshake.Status, code: "bad_handshake", message: handshake.Error(), params: map[string]any{"status": handshake.Status}}
	}
	k := internal
	limit := int64(maxBody) // of a body too large
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		err, limit = errBodyTooLarge, maxBytes.Limit
	}
	for _, c := range kinds {
		if errors.Is(err, c.err) {
			k = c
			break
		}
	}
	msg := k.message
	if msg == "" {
		msg = detail(err, k.err)
	}
	return problem{status: k.status, code: k.code, message: msg, params: params(err, k, limit), retryAfter: k.retryAfter,
		serverFault: k.status == http.StatusInternalServerError, outage: k.status == http.StatusServiceUnavailable}
}

// params are the figures of err for a page to word it with: a refusal's
// reason and params, the limit of a body too large, and how long to wait
// before trying again. Never nil.
func params(err error, k kind, limit int64) map[string]any {
	out := map[string]any{}
	var r *rooms.Refusal
	if k.message == "" && errors.As(err, &r) {
		maps.Copy(out, r.Params)
		out["reason"] = r.Reason
	}
	if k.err == errBodyTooLarge {
		out["limit_bytes"] = limit
	}
	if k.retryAfter != "" {
		out["retry_after_s"], _ = strconv.Atoi(k.retryAfter)
	}
	return out
}

// body is p as an answer's error object.
func (p problem) body() errorBody {
	return errorBody{Code: p.code, Message: p.message, Params: p.params}
}

// detail is what err says about kind where it arose: the text of the
// innermost error that wraps kind, less kind's own text in front, as
// fmt.Errorf("%w: the floor is already free", kind) writes it. Context
// wrapped around that on the way up is left out. With no such error it is
// kind's own text.
func detail(err, kind error) string {
	text, depth := kind.Error(), -1
	var walk func(e error, d int)
	walk = func(e error, d int) {
		var inner []error
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			inner = []error{u.Unwrap()}
		case interface{ Unwrap() []error }:
			inner = u.Unwrap()
		}
		for _, in := range inner {
			if in == nil {
				continue
			}
			if in == kind && d > depth {
				text, depth = strings.TrimPrefix(e.Error(), kind.Error()+": "), d
			}
			walk(in, d+1)
		}
	}
	walk(err, 0)
	return text
}

// responseState is implemented by the server's response writer (see
// statusRecorder), so an error can tell whether an answer has begun.
type responseState interface {
	// started reports whether the status line has gone out.
	started() bool
	// failed reports whether a write to the client failed: it has left.
	failed() bool
}

// writeError answers with err's status, code and plain message. Server
// faults are logged at ERROR, an unavailable dependency at WARN; a client
// that has gone away is no fault of the server's, and an answer already
// begun cannot take an error status, so neither gets one.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	p := describe(err)
	state, _ := w.(responseState)
	gone := r.Context().Err() != nil || (state != nil && state.failed())
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", p.status, "err", err}
	switch {
	case gone:
		log.DebugContext(r.Context(), "request ended: the client went away", attrs...)
	case p.serverFault:
		log.ErrorContext(r.Context(), "request failed", attrs...)
	case p.outage:
		log.WarnContext(r.Context(), "request failed: unavailable", attrs...)
	}
	if (gone && errors.Is(err, context.Canceled)) || (state != nil && state.started()) {
		return
	}
	if p.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
	}
	if p.retryAfter != "" {
		w.Header().Set("Retry-After", p.retryAfter)
	}
	writeJSON(w, p.status, apiError{Error: p.body()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// Encoding our own types does not fail; a write error means the client left.
	_ = json.NewEncoder(w).Encode(v)
}
