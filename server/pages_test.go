package server_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestPagesAreServedAndRevalidated(t *testing.T) {
	a := newAPI(t)
	for _, path := range []string{"/", "/rooms/plenary", "/rooms/plenary/chair", "/rooms/plenary/display", "/rooms/plenary/balance", "/static/js/live.js", "/static/i18n/ar.json"} {
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
