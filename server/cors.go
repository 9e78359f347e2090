package server

import (
	"net/http"
	"strings"
)

// mediaCORS lets pages on the allowed origins (a WHEP player on another
// site, a broadcaster's own console) call WHIP and WHEP: it answers their
// preflight and lets them read the Location and Link headers. Requests
// carry the token in Authorization, never a cookie, so no credentials mode
// is needed.
type mediaCORS struct {
	origins map[string]bool
}

func newMediaCORS(origins []string) mediaCORS {
	c := mediaCORS{origins: map[string]bool{}}
	for _, o := range origins {
		c.origins[normalOrigin(o)] = true
	}
	return c
}

func normalOrigin(o string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(o), "/"))
}

// allow marks the response to an allowed origin's request as readable by
// it, and reports whether the origin is allowed. A request without an
// Origin (not from a browser, or same-origin GET) needs nothing.
func (c mediaCORS) allow(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !c.origins[normalOrigin(origin)] {
		return false
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", "Location, Link")
	return true
}

// wrap adds the CORS headers to h's responses.
func (c mediaCORS) wrap(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.allow(w, r)
		h(w, r)
	}
}

// preflight answers a browser's OPTIONS before a cross-origin WHIP or WHEP
// request: 204 for an allowed origin, 403 for another.
func (c mediaCORS) preflight(w http.ResponseWriter, r *http.Request) {
	if !c.allow(w, r) {
		writeJSON(w, http.StatusForbidden, apiError{Error: errorBody{Code: "origin_not_allowed",
			Message: "this origin may not call the media endpoints: the server's operator can allow it (parley serve --allowed-origin)",
			Params:  map[string]any{"origin": r.Header.Get("Origin")}}})
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "POST, PATCH, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
