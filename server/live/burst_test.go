package live_test

import (
	"context"
	"net"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/protocol"
	"github.com/parley-hub/parley/server/ratelimit"
)

// A client that sends a burst far over its person's rate (a console
// pasting a long text unpaced, or a flood of bad frames) gets an answer to
// every message and is not dropped for it, even when it reads none of them
// until it has sent them all: the answers waiting to go slow its reading
// down instead of overflowing its queue. The client's small receive buffer
// makes the server's writer wait on it early, as a phone's would. A client
// that is told its budget can stay within it.
func TestABurstOverTheRateIsAnsweredWithoutDroppingTheClient(t *testing.T) {
	h := newHarness(t, func(c *live.Config) {
		c.People = ratelimit.NewPeople(ratelimit.Limits{Rate: 0.001, Burst: 3})
	})
	h.plenary(t)
	dialer := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetReadBuffer(16 << 10)
		}
		return conn, err
	}}
	ws, _, err := dialer.Dial(h.wsURL("plenary", who("amina", rooms.RoleParticipant)), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &livetest.Conn{T: t, WS: ws}
	t.Cleanup(func() { ws.Close() })
	// The welcome says the budget, for clients to pace themselves.
	if b := c.Welcome().Budget; b == nil || *b != (protocol.Budget{PerSecond: 0.001, Burst: 3}) {
		t.Errorf("welcome budget = %+v", b)
	}
	c.NextOf(protocol.TypeSnapshot)

	// The smallest frame a client can send, answered with the largest
	// error: fifty times the bytes back.
	const burst = 3000
	sent := make(chan error, 1)
	go func() {
		for range burst {
			if err := ws.WriteMessage(websocket.TextMessage, []byte("[]")); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	if err := <-sent; err != nil {
		t.Fatalf("sending the burst: %v", err)
	}
	codes := map[string]int{}
	for range burst {
		m := c.Next()
		if m.Type != protocol.TypeError {
			t.Fatalf("answer %d: %+v, want an error", codes[protocol.CodeRateLimited]+codes[protocol.CodeBadFrame], m)
		}
		codes[m.Code]++
	}
	// The connection spent one of the three tokens.
	if codes[protocol.CodeRateLimited] < burst-2 {
		t.Errorf("answers by code: %v, want all but two rate_limited", codes)
	}
	// Still connected: the room's next event arrives.
	h.command(t, "carlos", rooms.RoleParticipant, `{"type":"raise_hand"}`)
	if m := c.NextOf(protocol.TypeEvent); m.Event == nil || m.Event.Type != rooms.EvHandRaised {
		t.Errorf("after the burst: %+v, want the raised hand", m)
	}
}
