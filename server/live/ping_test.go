package live_test

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

// The writer alone writes to a connection, so the peer's ping is answered
// by it, in turn with the client's own answers, and the peer's close is
// echoed with its code.
func TestThePeersPingAndCloseAreAnswered(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	c := h.dial(t, "plenary", who("p", rooms.RoleParticipant))
	c.Welcome()
	c.NextOf(protocol.TypeSnapshot)
	ponged := make(chan string, 1)
	c.WS.SetPongHandler(func(data string) error { ponged <- data; return nil })
	if err := c.WS.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	// The reader takes the ping before this message, so the pong is
	// queued before this message's answer; reading runs the pong handler.
	c.Send(map[string]any{"type": protocol.TypePing, "id": "after"})
	c.NextOf(protocol.TypePong)
	select {
	case data := <-ponged:
		if data != "are you there" {
			t.Errorf("pong %q, want the ping's data", data)
		}
	default:
		t.Error("no pong came before the answer to the message sent after the ping")
	}
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")
	if err := c.WS.WriteControl(websocket.CloseMessage, msg, time.Now().Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if code := c.CloseCode(); code != websocket.CloseNormalClosure {
		t.Errorf("close code %d, want the peer's %d echoed", code, websocket.CloseNormalClosure)
	}
}
