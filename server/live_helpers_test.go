package server_test

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/server/protocol"
)

// msg is any server message.
type msg = protocol.ServerMessage

type liveClient struct {
	t    *testing.T
	conn *websocket.Conn
}

// dial opens a live connection; query is appended to the URL after the token.
func (a *api) dial(t *testing.T, room, token, query string) *liveClient {
	t.Helper()
	c, resp, err := a.tryDial(room, token, query, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", room, err, status)
	}
	lc := &liveClient{t: t, conn: c}
	t.Cleanup(func() { c.Close() })
	return lc
}

func (a *api) tryDial(room, token, query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	u := "ws" + strings.TrimPrefix(a.url, "http") + "/api/v1/rooms/" + room + "/ws?access_token=" + token
	if query != "" {
		u += "&" + query
	}
	return websocket.DefaultDialer.Dial(u, header)
}

// next reads the next message that is not presence (presence comes on its
// own clock and tests that want it use nextOf).
func (c *liveClient) next() msg {
	c.t.Helper()
	for {
		m := c.read()
		if m.Type != "presence" {
			return m
		}
	}
}

func (c *liveClient) read() msg {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m msg
	if err := c.conn.ReadJSON(&m); err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

// nextOf skips messages until one of type typ.
func (c *liveClient) nextOf(typ string) msg {
	c.t.Helper()
	for {
		if m := c.read(); m.Type == typ {
			return m
		}
	}
}

func (c *liveClient) send(v any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(v); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *liveClient) command(id string, cmd map[string]any) {
	c.t.Helper()
	c.send(map[string]any{"type": "command", "id": id, "command": cmd})
}

// closeCode reads until the server closes the connection and returns the
// close code.
func (c *liveClient) closeCode() int {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		_, _, err := c.conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.t.Fatal("the server did not close the connection")
		}
		return websocket.CloseAbnormalClosure
	}
}

// welcome reads the first message, which must be welcome.
func (c *liveClient) welcome() {
	c.t.Helper()
	if m := c.next(); m.Type != "welcome" {
		c.t.Fatalf("first message = %+v, want welcome", m)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
