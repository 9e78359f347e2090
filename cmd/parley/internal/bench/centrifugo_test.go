package bench

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

func TestClientsSpreadOverTheNodesInTurn(t *testing.T) {
	a, _ := url.Parse("http://127.0.0.1:8080")
	b, _ := url.Parse("http://127.0.0.2:8081")
	cfg := Config{BaseURL: a, Nodes: []*url.URL{b}, Room: "r"}
	for i, want := range []string{"ws://127.0.0.1:8080/api/v1/rooms/r/ws", "ws://127.0.0.2:8081/api/v1/rooms/r/ws", "ws://127.0.0.1:8080/api/v1/rooms/r/ws"} {
		if got := cfg.wsURL(i); got != want {
			t.Errorf("wsURL(%d) = %s, want %s", i, got, want)
		}
	}
	cfg = Config{BaseURL: a, Centrifugo: true}
	if got, want := cfg.wsURL(3), "ws://127.0.0.1:8080/connection/websocket"; got != want {
		t.Errorf("centrifugo wsURL = %s, want %s", got, want)
	}
}

// A Centrifugo frame may carry several replies, a line each: the
// subscription starts measuring, publications are recorded from their send
// time, the ping wants its pong, and a refusal fails the join.
func TestCentrifugoFramesAreReadLineByLine(t *testing.T) {
	sent := time.Unix(1_800_000_000, 0)
	now := sent.Add(40 * time.Millisecond)
	pub := func(i int) string {
		return fmt.Sprintf(`{"push":{"channel":"bench","pub":{"data":{"i":%d,"t":%d,"pad":"xx"},"offset":%d}}}`, i, sent.UnixNano(), i)
	}
	c := newClient(0, 2)
	c.channel = "bench"
	if pong := c.handleCentrifugo([]byte(`{"id":1,"connect":{"client":"x","version":"6.9.1"}}`+"\n"+`{"id":2,"subscribe":{}}`), now); pong {
		t.Error("no ping was sent, yet a pong is due")
	}
	if !c.joinedOK() || c.readySeq != 0 {
		t.Fatalf("not ready after the subscribe reply: ready %v, seq %d", c.readyAt, c.readySeq)
	}
	if pong := c.handleCentrifugo([]byte(pub(1)+"\n{}\n"+pub(2)), now); !pong {
		t.Error("the ping went unanswered")
	}
	if len(c.samples) != 2 || c.samples[0].seq != 1 || c.samples[1].seq != 2 {
		t.Fatalf("samples %+v, want publications 1 and 2", c.samples)
	}
	if got := time.Duration(c.samples[0].latNs); got != 40*time.Millisecond {
		t.Errorf("latency %s, want 40ms from the send time", got)
	}
	refused := newClient(1, 0)
	refused.channel = "bench"
	refused.handleCentrifugo([]byte(`{"id":2,"error":{"code":103,"message":"permission denied"}}`), now)
	if refused.joinErr == nil || !isClosed(refused.joined) {
		t.Error("a refused subscription did not fail the join")
	}
}
