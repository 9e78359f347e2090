package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/media/mediaclient"
	"github.com/parley-hub/parley/server/protocol"
)

// Failure drills: two `parley serve` on one Redis, a node lost under its
// clients. What they measure is written in the README (Failure drills).

// drillNodes starts two nodes on one Redis, each advertising its URL and
// offering media on the loopback, with a room open.
func drillNodes(t *testing.T) (a, b *process) {
	t.Helper()
	redisURL, prefix := redistest.RealURL(t) // A's lease must lapse by itself
	node := func() *process {
		addr := freeAddr(t)
		return start(t, "--redis", redisURL, "--redis-prefix", prefix, "--addr", addr, "--advertise-url", "http://"+addr,
			"--public-ip", "127.0.0.1", "--shutdown-wait", "20s")
	}
	a, b = node(), node()
	a.mustCall(t, "POST", "/api/v1/rooms", mint(t, "*", "admin", "secretariat", ""), `{"id":"plenary"}`, 201)
	return a, b
}

// drillClient is a live client that keeps the seq it applied and counts
// every event it was sent, across connections.
type drillClient struct {
	t     *testing.T
	sub   string
	token string
	conn  *livetest.Conn
	seq   uint64
	seen  map[uint64]int
}

func newDrillClient(t *testing.T, node *process, sub, role string) *drillClient {
	c := &drillClient{t: t, sub: sub, token: mint(t, "plenary", role, sub, ""), seen: map[uint64]int{}}
	c.dial(node, false)
	return c
}

// dial connects to node, resuming after the seq applied if resume; a
// resume must bring events, never a snapshot.
func (c *drillClient) dial(node *process, resume bool) {
	c.t.Helper()
	q := url.Values{"access_token": {c.token}}
	if resume {
		q.Set("after", fmt.Sprint(c.seq))
	}
	c.conn = livetest.Dial(c.t, "ws"+strings.TrimPrefix(node.url, "http")+"/api/v1/rooms/plenary/ws?"+q.Encode(), nil)
	c.conn.Welcome()
	if resume {
		return
	}
	m := c.conn.NextOf(protocol.TypeSnapshot)
	c.seq = m.Snapshot.Seq
}

// catchUp reads events until it has applied seq.
func (c *drillClient) catchUp(seq uint64) {
	c.t.Helper()
	for c.seq < seq {
		switch m := c.conn.Next(); m.Type {
		case protocol.TypeEvent:
			c.seen[m.Seq]++
			if m.Seq != c.seq+1 {
				c.t.Fatalf("event %d after %d: a gap or a repeat", m.Seq, c.seq)
			}
			c.seq = m.Seq
		case protocol.TypeNotes:
		default:
			c.t.Fatalf("at seq %d: %s, want events up to %d", c.seq, m.Type, seq)
		}
	}
}

// lost waits until the connection ends, and says how.
func (c *drillClient) lost() int { return livetest.CloseCode(c.conn.WS, 30*time.Second) }

// raise raises count hands through node and returns the room's seq then.
func raise(t *testing.T, node *process, from, count int) uint64 {
	t.Helper()
	var seq uint64
	for i := range count {
		var res struct {
			Seq uint64 `json:"seq"`
		}
		body := node.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", mint(t, "plenary", "participant", fmt.Sprint("p", from+i), ""), `{"type":"raise_hand"}`, 200)
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatal(err)
		}
		seq = res.Seq
	}
	return seq
}

// viewer opens a WHEP session on node, following a redirect to the lease
// holder, and waits until its media connects.
func viewer(ctx context.Context, client *mediaclient.Client, node *process, token string) (*mediaclient.Subscriber, error) {
	sub, err := client.Subscribe(ctx, node.url+"/api/v1/rooms/plenary/whep", token, 1, func(mediaclient.Packet) {})
	if err != nil {
		return nil, err
	}
	select {
	case <-sub.Connected():
		return sub, nil
	case <-sub.Ended():
		return nil, fmt.Errorf("the session ended before it connected")
	case <-ctx.Done():
		sub.Close(context.Background())
		return nil, ctx.Err()
	}
}

// untilViewer retries a WHEP session on node until one connects, as a page
// whose media stopped does, and returns it.
func untilViewer(t *testing.T, client *mediaclient.Client, node *process, token string) *mediaclient.Subscriber {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		sub, err := viewer(ctx, client, node, token)
		cancel()
		if err == nil {
			t.Cleanup(func() { sub.Close(context.Background()) })
			return sub
		}
		if time.Now().After(deadline) {
			t.Fatalf("no WHEP session on %s: %v", node.url, err)
		}
		// A page's retry, not a wait for a condition: as soon as the
		// offer may be made again, and no sooner than the server asks.
		retry := 200 * time.Millisecond
		if r, ok := errors.AsType[*mediaclient.Refusal](err); ok {
			retry = max(retry, r.RetryAfter)
		}
		time.Sleep(retry)
	}
}

func checkOnce(t *testing.T, clients []*drillClient, head uint64) {
	t.Helper()
	for _, c := range clients {
		for seq := uint64(2); seq <= head; seq++ {
			if n := c.seen[seq]; n != 1 {
				t.Errorf("%s: event %d seen %d times, want once", c.sub, seq, n)
			}
		}
	}
}

// drillScreens are the kill drill's clients besides a chair, a
// participant and an observer: a hall's screens, enough that resuming is
// more than one read of the log.
const drillScreens = 47

// kill -9 one node under its live clients and its media: they resume on
// the other with every event, none twice, a transcript reader with every
// line it missed, and the other takes the room's media once its lease
// lapses.
func TestKill9DrillClientsAndMediaMove(t *testing.T) {
	a, b := drillNodes(t)
	var clients []*drillClient
	for i, role := range []string{"chair", "participant", "observer"} {
		clients = append(clients, newDrillClient(t, a, fmt.Sprint("d", i), role))
	}
	for i := range drillScreens {
		clients = append(clients, newDrillClient(t, a, fmt.Sprint("screen", i), "observer"))
	}
	media, err := mediaclient.New(mediaclient.Options{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	screen := mint(t, "plenary", "observer", "screen", "")
	untilViewer(t, media, a, screen) // node A holds the room's media
	// A transcript reader on A, apart: its segments come between events.
	cart := mint(t, "plenary", "captioner", "cart", "")
	caption := func(seq int, line string) {
		t.Helper()
		b.mustCall(t, "POST", fmt.Sprintf("/api/v1/rooms/plenary/captions?lang=en&seq=%d", seq), cart, line+"\n", 200)
	}
	caption(1, "One.")
	reader := newDrillClient(t, a, "reader", "participant")
	reader.conn.Send(protocol.ClientMessage{Type: protocol.TypeTranscript, ID: "t", Langs: []string{"en"}})
	read := reader.conn.NextOf(protocol.TypeSegments).Seq
	head := raise(t, b, 0, 100)
	for _, c := range clients {
		c.catchUp(head)
	}

	killed := time.Now()
	a.cmd.Process.Signal(syscall.SIGKILL)
	a.cmd.Wait()
	head = raise(t, b, 100, 5) // what A's clients miss
	caption(2, "Two.")
	caption(3, "Three.")
	for _, c := range clients {
		if code := c.lost(); code != 1006 {
			t.Errorf("a client of the killed node: close %d, want 1006", code)
		}
		c.dial(b, true)
	}
	for _, c := range clients {
		c.catchUp(head)
	}
	resumed := time.Since(killed)
	reader.lost()
	reader.dial(b, true)
	reader.conn.Send(protocol.ClientMessage{Type: protocol.TypeTranscript, ID: "t", Langs: []string{"en"}, After: map[string]uint64{"en": read}})
	var lines []string
	for _, seg := range reader.conn.NextOf(protocol.TypeSegments).Segments {
		lines = append(lines, seg.Text)
	}
	if fmt.Sprint(lines) != "[Two. Three.]" {
		t.Errorf("the transcript resumed on B: %q, want the two lines posted after the kill", lines)
	}
	head = raise(t, b, 105, 1)
	for _, c := range clients {
		c.catchUp(head)
	}
	checkOnce(t, clients, head)

	untilViewer(t, media, b, screen)
	moved := time.Since(killed)
	t.Logf("kill -9: %d live clients resumed (one after another, %d events in the log) on the other node with every event %v after the kill; the media lease moved and a WHEP session on it connected %v after", len(clients), head, resumed.Round(time.Millisecond), moved.Round(time.Millisecond))
}

// SIGTERM drains a node: /readyz fails, its media lease is released at
// once, its live clients are closed with 4009 and resume on the other
// node with every event, and it exits 0.
func TestSIGTERMDrillDrainsToTheOtherNode(t *testing.T) {
	a, b := drillNodes(t)
	var clients []*drillClient
	for i, role := range []string{"chair", "participant", "observer"} {
		clients = append(clients, newDrillClient(t, a, fmt.Sprint("d", i), role))
	}
	media, err := mediaclient.New(mediaclient.Options{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	screen := mint(t, "plenary", "observer", "screen", "")
	untilViewer(t, media, a, screen)
	head := raise(t, b, 0, 3)
	for _, c := range clients {
		c.catchUp(head)
	}

	// A client that reads nothing holds the drain open for its close
	// handshake's grace (a second), long enough to look at the node.
	stuck := newDrillClient(t, a, "stuck", "observer")
	drained := time.Now()
	a.cmd.Process.Signal(syscall.SIGTERM)
	status, body := 200, []byte(nil)
	for deadline := time.Now().Add(10 * time.Second); status == 200 && time.Now().Before(deadline); {
		status, body = a.call(t, "GET", "/readyz", "", "")
	}
	if status != 503 || !strings.Contains(string(body), "shutting_down") {
		t.Errorf("/readyz on a draining node: %d %s, want 503 shutting_down", status, body)
	}
	for _, c := range clients {
		if code := c.lost(); code != protocol.CloseDraining {
			t.Errorf("a client of the draining node: close %d, want %d", code, protocol.CloseDraining)
		}
	}
	stuck.conn.WS.Close()
	head = raise(t, b, 3, 3)
	for _, c := range clients {
		c.dial(b, true)
		c.catchUp(head)
	}
	resumed := time.Since(drained)
	untilViewer(t, media, b, screen)
	moved := time.Since(drained)
	checkOnce(t, clients, head)
	if err := a.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, a.logs)
	}
	t.Logf("SIGTERM: %d live clients resumed on the other node %v after the signal; a WHEP session connected there %v after", len(clients), resumed.Round(time.Millisecond), moved.Round(time.Millisecond))
}
