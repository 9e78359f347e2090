package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/server/live/livetest"
)

// dial opens a live connection; query is appended to the URL after the token.
func (a *api) dial(t *testing.T, room, token, query string) *livetest.Conn {
	t.Helper()
	return livetest.Dial(t, a.wsURL(room, token, query), nil)
}

func (a *api) tryDial(room, token, query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	return websocket.DefaultDialer.Dial(a.wsURL(room, token, query), header)
}

func (a *api) wsURL(room, token, query string) string {
	u := "ws" + strings.TrimPrefix(a.url, "http") + "/api/v1/rooms/" + room + "/ws?access_token=" + token
	if query != "" {
		u += "&" + query
	}
	return u
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
