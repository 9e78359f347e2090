package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
)

// RequestIDHeader names a request, for the logs of every node it passes:
// taken from the client (a proxy in front) when sane, else made here, and
// echoed in the answer.
const RequestIDHeader = "X-Request-Id"

// maxRequestID bounds a request id taken from a client.
const maxRequestID = 64

type requestIDKey struct{}

// withRequestID names r, and its answer, with its request id.
func withRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	id := r.Header.Get(RequestIDHeader)
	if !saneRequestID(id) {
		id = rand.Text()
	}
	w.Header().Set(RequestIDHeader, id)
	return r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
}

// saneRequestID reports whether id can go into a log line and a header
// as it is: short, and only letters, digits and - _ . :
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// RequestID is the id of the request ctx is of, "" outside one.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogHandler has every record logged through h carry attrs, after its
// own (so a line still begins with what it says), and, when logged with a
// request's context (the ...Context methods of slog.Logger), the
// request's request_id.
func LogHandler(h slog.Handler, attrs ...slog.Attr) slog.Handler {
	return requestIDHandler{Handler: h, attrs: attrs}
}

type requestIDHandler struct {
	slog.Handler
	attrs []slog.Attr
}

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attrs...)
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{Handler: h.Handler.WithAttrs(attrs), attrs: h.attrs}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{Handler: h.Handler.WithGroup(name), attrs: h.attrs}
}
