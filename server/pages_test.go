package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestPagesAreServedAndRevalidated(t *testing.T) {
	a := newAPI(t)
	for _, path := range []string{"/", "/rooms/plenary", "/rooms/plenary/chair", "/rooms/plenary/display", "/rooms/plenary/balance", "/rooms/plenary/report", "/rooms/plenary/hub", "/static/js/live.js", "/static/i18n/ar.json"} {
		resp := a.do(t, http.MethodGet, path, "", "", nil)
		resp.Body.Close()
		tag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || tag == "" {
			t.Errorf("GET %s: %d, ETag %q", path, resp.StatusCode, tag)
			continue
		}
		if strings.HasSuffix(path, "chair") && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: no CSP", path)
		}
		again := a.do(t, http.MethodGet, path, "", "", map[string]string{"If-None-Match": tag})
		again.Body.Close()
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", path, again.StatusCode)
		}
	}
	resp := a.do(t, http.MethodGet, "/static/nothing.js", "", "", nil)
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("missing static file: %d", resp.StatusCode)
	}
}

// Every answer forbids framing by other sites and type sniffing: pages,
// static files, the API's answers and its errors alike.
func TestEveryAnswerForbidsFramingAndSniffing(t *testing.T) {
	a := newAPI(t)
	admin := a.token(t, "*", "admin", "secretariat", nil)
	a.createRoom(t, admin, `{"id":"plenary"}`)
	for _, tc := range []struct{ path, token string }{
		{"/", ""},
		{"/rooms/plenary/chair", ""},
		{"/static/js/live.js", ""},
		{"/static/favicon.svg", ""},
		{"/static/js/", ""},
		{"/healthz", ""},
		{"/api/v1/rooms/plenary", admin},
		{"/api/v1/rooms/plenary/interventions.csv", admin},
		{"/api/v1/rooms/plenary", ""},
		{"/api/v1/nothing", ""},
	} {
		resp := a.do(t, http.MethodGet, tc.path, tc.token, "", nil)
		resp.Body.Close()
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s (%d): X-Content-Type-Options %q, want nosniff", tc.path, resp.StatusCode, got)
		}
		if csp := resp.Header.Values("Content-Security-Policy"); len(csp) != 1 || !strings.Contains(csp[0], "frame-ancestors 'none'") {
			t.Errorf("GET %s (%d): Content-Security-Policy %q, want one with frame-ancestors 'none'", tc.path, resp.StatusCode, csp)
		}
		if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("GET %s (%d): X-Frame-Options %q, want DENY", tc.path, resp.StatusCode, got)
		}
	}
}

func TestStaticDirectoriesAreNotListed(t *testing.T) {
	a := newAPI(t)
	for _, path := range []string{"/static/", "/static/js/", "/static/js", "/static/i18n/", "/static/css"} {
		resp := a.do(t, http.MethodGet, path, "", "", nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "live.js") || strings.Contains(string(body), "en.json") {
			t.Errorf("GET %s: %d %.80q, want 404 and no listing", path, resp.StatusCode, body)
		}
	}
}
