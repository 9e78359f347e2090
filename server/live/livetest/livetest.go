// Package livetest is a client of the live protocol for tests: it reads and
// sends messages over a real connection and fails the test on an error.
package livetest

import (
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/server/protocol"
)

// readWait bounds each read: long enough for a busy machine, short enough
// that a server that never answers fails the test.
const readWait = 20 * time.Second

// Conn is one live connection of a test.
type Conn struct {
	T  testing.TB
	WS *websocket.Conn
}

// Dial opens a live connection to url, closed when the test ends.
func Dial(t testing.TB, url string, header http.Header) *Conn {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", url, err, status)
	}
	t.Cleanup(func() { ws.Close() })
	return &Conn{T: t, WS: ws}
}

// Read reads the next message.
func (c *Conn) Read() protocol.ServerMessage {
	c.T.Helper()
	c.WS.SetReadDeadline(time.Now().Add(readWait))
	var m protocol.ServerMessage
	if err := c.WS.ReadJSON(&m); err != nil {
		c.T.Fatalf("read: %v", err)
	}
	return m
}

// Next reads the next message that is not presence: presence comes on its
// own clock, and tests that want it use NextOf.
func (c *Conn) Next() protocol.ServerMessage {
	c.T.Helper()
	for {
		if m := c.Read(); m.Type != protocol.TypePresence {
			return m
		}
	}
}

// NextOf skips messages until one of type typ.
func (c *Conn) NextOf(typ string) protocol.ServerMessage {
	c.T.Helper()
	for {
		if m := c.Read(); m.Type == typ {
			return m
		}
	}
}

// Send sends v as JSON.
func (c *Conn) Send(v any) {
	c.T.Helper()
	if err := c.WS.WriteJSON(v); err != nil {
		c.T.Fatalf("send: %v", err)
	}
}

// Welcome reads the first message, which must be welcome.
func (c *Conn) Welcome() protocol.ServerMessage {
	c.T.Helper()
	m := c.Next()
	if m.Type != protocol.TypeWelcome {
		c.T.Fatalf("first message = %+v, want welcome", m)
	}
	return m
}

// CloseCode reads until the server closes the connection and returns the
// close code; the test fails if the server does not close it.
func (c *Conn) CloseCode() int {
	c.T.Helper()
	code := CloseCode(c.WS, readWait)
	if code == 0 {
		c.T.Fatal("the server did not close the connection")
	}
	return code
}

// CloseCode reads ws until the server closes it and returns the close
// code: 1006 when the connection just ended, 0 when it is still open after
// wait.
func CloseCode(ws *websocket.Conn, wait time.Duration) int {
	ws.SetReadDeadline(time.Now().Add(wait))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return 0
		}
		return websocket.CloseAbnormalClosure
	}
}
