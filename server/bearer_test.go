package server_test

import (
	"net/http"
	"testing"
)

// The Authorization scheme is case-insensitive (RFC 9110 §11.1), as tools
// and proxies send it; only Bearer carries a token.
func TestBearerSchemeInAnyCase(t *testing.T) {
	a := newAPI(t)
	admin := a.token(t, "*", "admin", "secretariat", nil)
	a.createRoom(t, admin, `{"id":"plenary"}`)
	for _, tc := range []struct {
		header string
		want   int
	}{
		{"Bearer " + admin, http.StatusOK},
		{"bearer " + admin, http.StatusOK},
		{"BEARER " + admin, http.StatusOK},
		{"bEaReR   " + admin + " ", http.StatusOK},
		{"Basic " + admin, http.StatusUnauthorized},
		{"Bearer", http.StatusUnauthorized},
		{"Bearer" + admin, http.StatusUnauthorized},
	} {
		resp := a.do(t, http.MethodGet, "/api/v1/rooms/plenary", "", "", map[string]string{"Authorization": tc.header})
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Authorization: %.12s...: %d, want %d", tc.header, resp.StatusCode, tc.want)
		}
	}
}
