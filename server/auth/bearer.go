package auth

import (
	"net/http"
	"strings"
)

// Bearer returns the request's token from the Authorization header (the
// scheme in any case, RFC 9110 §11.1), or from the access_token query
// parameter for tools that cannot set headers: WebSockets in browsers, and
// captioning software that posts to a URL. Every server that takes
// Parley's tokens (the main server, the relay) reads them this way.
func Bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return ""
		}
		return strings.TrimSpace(token)
	}
	return r.URL.Query().Get("access_token")
}
