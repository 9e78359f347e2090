package relay_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/media"
	"github.com/parley-hub/parley/server/media/mediaclient"
	"github.com/parley-hub/parley/server/protocol"
	"github.com/parley-hub/parley/server/relay"
	"github.com/parley-hub/parley/server/relay/internal/impair"
)

// poorLink is the issue's hub link: 300 ms round trip, 3% loss, 512
// kbit/s, with a fixed seed so a run can be repeated.
var poorLink = impair.Config{Delay: 150 * time.Millisecond, Loss: 0.03, Rate: 512_000, Seed: 9}

// impaired is a main server and a relay in front of it with link between
// them: the relay's HTTP and live connection through the link's TCP proxy,
// its WebRTC through its UDP proxy. The test's own sessions (the venue,
// local viewers) use client, which reaches both directly.
type impaired struct {
	m      *mainServer
	chair  string
	link   *impair.Link
	relay  *localRelay
	client *mediaclient.Client
	// tcp and udp are the link's proxies.
	tcp *impair.TCP
	udp *impair.UDP
}

// newImpaired starts it all, the relay reconnecting with backoff up to
// maxBackoff.
func newImpaired(t *testing.T, cfg impair.Config, maxBackoff time.Duration) *impaired {
	t.Helper()
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := newMainWith(t, media.Config{UDP: udp}) // one socket: one address to proxy
	chair := m.plenary(t)
	link := impair.New(cfg)
	t.Cleanup(link.Close)
	tcp, err := link.TCP("127.0.0.1:0", strings.TrimPrefix(m.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	up, err := link.UDP("127.0.0.1:0", udp.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := mediaclient.New(mediaclient.Options{Loopback: true, HTTP: &http.Client{
		Transport: viaLink{media: udp.LocalAddr().String(), proxy: up.Addr().String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := startMediaRelayWith(t, relay.Config{Upstream: "http://" + tcp.Addr(), Token: m.hubToken(t), MaxBackoff: maxBackoff}, upstream)
	client, err := mediaclient.New(mediaclient.Options{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	return &impaired{m: m, chair: chair, link: link, relay: r, client: client, tcp: tcp, udp: up}
}

// viaLink routes the relay's WebRTC through the link's UDP proxy, as a
// NAT in front of the main server would: the main server's answers name
// the proxy's address where they name its media socket, and the relay's
// offers name no candidate of their own, so the main server learns the
// relay's address from its checks, which come through the proxy, and
// never reaches it directly.
type viaLink struct{ media, proxy string }

func (v viaLink) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && strings.HasPrefix(req.Header.Get("Content-Type"), "application/sdp") {
		offer, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		offer = rewriteCandidates(offer, func(string) string { return "" })
		req = req.Clone(req.Context())
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(offer)), int64(len(offer))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/sdp") {
		return resp, err
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(v.proxy)
	answer = rewriteCandidates(answer, func(line string) string {
		f := strings.Fields(line)
		if len(f) > 5 && net.JoinHostPort(f[4], f[5]) == v.media {
			f[4], f[5] = host, port
		}
		return strings.Join(f, " ")
	})
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(answer)), int64(len(answer))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// rewriteCandidates replaces each a=candidate line of sdp by what edit
// makes of it, dropping those it makes empty.
func rewriteCandidates(sdp []byte, edit func(string) string) []byte {
	var out strings.Builder
	for line := range strings.Lines(string(sdp)) {
		body := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(body, "a=candidate:") {
			if body = edit(body); body == "" {
				continue
			}
			line = body + "\r\n"
		}
		out.WriteString(line)
	}
	return []byte(out.String())
}

// watcher reads a local live connection in the background as a page
// does, noting when each event and transcript line arrived, how late after
// the main server committed it, and any gap or duplicate in the events.
type watcher struct {
	conn *livetest.Conn
	done chan struct{}

	mu    sync.Mutex
	seq   uint64
	gaps  []string
	link  *protocol.ServerMessage // the last link message
	lines map[string]time.Time    // transcript text, when it arrived
	// eventLag and lineLag are how long after their commit on the main
	// server events and live transcript lines arrived.
	eventLag, lineLag []time.Duration
	// at is when each event arrived.
	at map[uint64]time.Time
}

func watch(t *testing.T, conn *livetest.Conn) *watcher {
	w := &watcher{conn: conn, done: make(chan struct{}), lines: map[string]time.Time{}, at: map[uint64]time.Time{}}
	go w.read()
	t.Cleanup(func() {
		conn.WS.Close()
		<-w.done
	})
	return w
}

func (w *watcher) read() {
	defer close(w.done)
	for {
		w.conn.WS.SetReadDeadline(time.Now().Add(5 * time.Minute))
		var m protocol.ServerMessage
		if err := w.conn.WS.ReadJSON(&m); err != nil {
			return
		}
		w.take(m, time.Now())
	}
}

func (w *watcher) take(m protocol.ServerMessage, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch m.Type {
	case protocol.TypeSnapshot:
		w.seq = m.Snapshot.Seq
	case protocol.TypeEvent:
		if w.seq != 0 && m.Seq != w.seq+1 {
			w.gaps = append(w.gaps, fmt.Sprintf("event %d after %d", m.Seq, w.seq))
		}
		w.seq = m.Seq
		w.at[m.Seq] = now
		if m.Event != nil {
			w.eventLag = append(w.eventLag, now.Sub(m.Event.Time))
		}
	case protocol.TypeLink:
		w.link = &m
	case protocol.TypeSegment, protocol.TypeSegments:
		segs := m.Segments
		if m.Segment != nil {
			segs = []rooms.Segment{*m.Segment}
		}
		for _, s := range segs {
			if _, ok := w.lines[s.Text]; ok {
				continue
			}
			w.lines[s.Text] = now
			if m.Type == protocol.TypeSegment { // live, not a backlog asked for
				w.lineLag = append(w.lineLag, now.Sub(s.Updated))
			}
		}
	}
}

// state is what the watcher has: its seq, whether it was last told the
// link is up, and how many transcript lines it has.
func (w *watcher) state() (seq uint64, up bool, lines int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq, w.link != nil && w.link.Up, len(w.lines)
}

// linkDown says whether the watcher was last told the link is down.
func (w *watcher) linkDown() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.link != nil && !w.link.Up
}

// check fails the test on any gap the watcher saw, and on any of lines it
// lacks.
func (w *watcher) check(t *testing.T, lines []string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, g := range w.gaps {
		t.Errorf("a local viewer saw a gap or a duplicate: %s", g)
	}
	for _, l := range lines {
		if _, ok := w.lines[l]; !ok {
			t.Errorf("a local viewer lacks the transcript line %q", l)
		}
	}
}

// captioner is a CART writer on the main server, writing final English
// lines.
type captioner struct {
	conn *livetest.Conn
	n    int
}

func newCaptioner(t *testing.T, m *mainServer) *captioner {
	conn := livetest.Dial(t, "ws"+strings.TrimPrefix(m.url, "http")+"/api/v1/rooms/plenary/ws?access_token="+
		m.token(t, rooms.RoleCaptioner, "cart", func(c *auth.Claims) { c.Lang = "en" }), nil)
	conn.Welcome()
	return &captioner{conn: conn}
}

// line writes text as a new final line, once the main server has it.
func (c *captioner) line(text string) {
	c.n++
	c.conn.Send(map[string]any{"type": "caption", "id": fmt.Sprintf("c%d", c.n), "lang": "en", "text": text, "final": true})
	c.conn.NextOf(protocol.TypeAck)
}

// ear is a local viewer's WHEP session on the relay, noting which packets
// of the venue's feed (micSource's stamps) it heard, and when.
type ear struct {
	sub *mediaclient.Subscriber

	mu      sync.Mutex
	arrived map[uint64]time.Time // by packet index
	sent    map[uint64]time.Time
	late    map[uint64]bool // came after a later packet: lost once, then resent
	highest uint64
}

func listen(t *testing.T, r *impaired, who string) *ear {
	t.Helper()
	e := &ear{arrived: map[uint64]time.Time{}, sent: map[uint64]time.Time{}, late: map[uint64]bool{}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sub, err := r.client.Subscribe(ctx, r.relay.url+"/api/v1/rooms/plenary/whep", issue(t, localSecret, rooms.RoleObserver, who, nil), 1, func(p mediaclient.Packet) {
		if len(p.Payload) >= 16 {
			e.hear(binary.BigEndian.Uint64(p.Payload), time.Unix(0, int64(binary.BigEndian.Uint64(p.Payload[8:]))), time.Now())
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	e.sub = sub
	t.Cleanup(func() { sub.Close(context.Background()) })
	return e
}

func (e *ear) hear(i uint64, sent, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.arrived[i]; ok {
		return
	}
	e.arrived[i], e.sent[i] = now, sent
	if i < e.highest {
		e.late[i] = true
	}
	e.highest = max(e.highest, i)
}

// heardUpTo is the index of the latest packet that has arrived.
func (e *ear) heardUpTo() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.highest
}

// heardAfter is the first packet sent after t that arrived, and when it
// did.
func (e *ear) heardAfter(t time.Time) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var first time.Time
	for i, sent := range e.sent {
		if sent.After(t) && (first.IsZero() || e.arrived[i].Before(first)) {
			first = e.arrived[i]
		}
	}
	return first, !first.IsZero()
}

// hearing is what an ear heard of packets [from, to): how many never
// arrived, how many arrived only once resent, and how long after they were
// sent the resent ones came.
type hearing struct {
	packets, missing, resent int
	resentAfter              []time.Duration
	delay                    []time.Duration // from sent to heard, every packet
}

func (e *ear) of(from, to uint64) hearing {
	e.mu.Lock()
	defer e.mu.Unlock()
	h := hearing{packets: int(to - from)}
	for i := from; i < to; i++ {
		at, ok := e.arrived[i]
		switch {
		case !ok:
			h.missing++
			continue
		case e.late[i]:
			h.resent++
			h.resentAfter = append(h.resentAfter, at.Sub(e.sent[i]))
		}
		h.delay = append(h.delay, at.Sub(e.sent[i]))
	}
	return h
}

// quantiles is p50, p99 and the max of ds, rounded to the millisecond.
func quantiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Sorted(slices.Values(ds))
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))].Round(time.Millisecond) }
	return fmt.Sprintf("p50 %v, p99 %v, max %v (%d)", q(0.5), q(0.99), s[len(s)-1].Round(time.Millisecond), len(s))
}
