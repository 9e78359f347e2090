package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/server/protocol"
)

// sample is one event, or one segment change, as one client received
// it.
type sample struct {
	seq    uint64
	recvNs int64 // wall clock, Unix nanoseconds, when the whole frame was read
	latNs  int64 // recvNs minus the event's server timestamp (a segment's updated)
	// segment is the id of the transcript segment the entry changed, and
	// final whether that left it finished; zero for room events.
	segment uint64
	final   bool
}

// framePool lends read buffers to the readers: a buffer per connection
// would hold the largest frame (a snapshot) for the whole run.
var framePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// client is one live connection: a goroutine dials it on schedule and
// then reads until the connection ends. Fields without atomics are written
// only by that goroutine and read by others only after done closes, except
// the join fields, which are final once joined closes.
//
// A client measures its room's events, or with follow a transcript
// channel's segments: once the room's snapshot has come it sends follow (a
// `transcript` message) and is ready when the channel's `segments` arrive.
type client struct {
	index int
	// follow is the transcript request to send after the snapshot; nil
	// measures the room's events.
	follow []byte
	// keepBacklog keeps the `segments` frame, for checking what a late
	// viewer got once the timing is done.
	keepBacklog bool
	// channel, when set, is the Centrifugo channel the client subscribes
	// to: it speaks Centrifugo's protocol (centrifugo.go).
	channel string

	dialStart   time.Time
	dialErr     error
	snapshotAt  time.Time // first snapshot; zero if none came
	snapshotSeq uint64
	requestDue  bool      // the snapshot came: send follow
	requestAt   time.Time // when follow was sent
	// readyAt is when measuring starts: the snapshot, or with follow the
	// channel's segments; zero if the client never got there. readySeq is
	// the seq of the measured log then: later entries are the deliveries.
	readyAt  time.Time
	readySeq uint64
	joinErr  error // the server answered follow with an error
	// backlog counts the segments of the `segments` message; backlogFrame
	// holds it with keepBacklog.
	backlog      int
	backlogFrame []byte

	samples    []sample
	resnapshot int // snapshots (or segments) after the first: the server made the client start over
	presence   int
	roomEvents int // room events received while following a transcript: not measured
	slowPath   int // events and segments the fast parser declined
	badFrames  int
	other      int
	endErr     error // why reading stopped
	// endedUnasked: reading stopped before the bench asked to close.
	endedUnasked bool

	conn    atomic.Pointer[websocket.Conn]
	lastSeq atomic.Uint64 // the newest seq applied, for watching the drain
	closing atomic.Bool   // the bench asked to close: an end after this is expected

	joinOnce sync.Once
	joined   chan struct{} // closed when ready, or when the client gives up
	done     chan struct{} // closed when the reader returns
}

func newClient(index, expectEvents int) *client {
	return &client{
		index:   index,
		samples: make([]sample, 0, expectEvents),
		joined:  make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// newDialer keeps each connection's buffers small: the bench only reads
// and its frames rarely exceed a kilobyte (a larger one is read in parts).
// It dials the given URL only: no proxy from the environment.
func newDialer(timeout time.Duration) *websocket.Dialer {
	return &websocket.Dialer{
		Proxy:            nil,
		HandshakeTimeout: timeout,
		ReadBufferSize:   1024,
		WriteBufferSize:  256,
		WriteBufferPool:  &sync.Pool{},
	}
}

// run dials, then reads until the connection ends.
func (c *client) run(ctx context.Context, d *websocket.Dialer, url, token string) {
	defer close(c.done)
	defer c.markJoined()
	c.dialStart = time.Now()
	// The header, not the query: the token stays out of any access log.
	// Centrifugo takes it in the client's first command instead.
	var hdr http.Header
	if c.channel == "" {
		hdr = http.Header{"Authorization": []string{"Bearer " + token}}
	}
	conn, resp, err := d.DialContext(ctx, url, hdr)
	if err != nil {
		c.dialErr = describeDialError(err, resp)
		return
	}
	if c.channel != "" {
		if err := c.sayHello(conn, token, c.channel); err != nil {
			conn.Close()
			c.dialErr = fmt.Errorf("connect and subscribe: %w", err)
			return
		}
	}
	c.conn.Store(conn)
	if c.closing.Load() {
		// The bench gave up on stragglers while this one dialled.
		conn.Close()
		c.endErr = errors.New("closed before it joined")
		return
	}
	c.read(conn)
}

func describeDialError(err error, resp *http.Response) error {
	if resp == nil {
		return err
	}
	return fmt.Errorf("%w (HTTP %d)", err, resp.StatusCode)
}

func (c *client) markJoined() { c.joinOnce.Do(func() { close(c.joined) }) }

// read handles frames until the connection ends.
func (c *client) read(conn *websocket.Conn) {
	for {
		_, r, err := conn.NextReader()
		if err != nil {
			c.endErr, c.endedUnasked = err, !c.closing.Load()
			return
		}
		buf := framePool.Get().(*bytes.Buffer)
		buf.Reset()
		_, err = buf.ReadFrom(r)
		now := time.Now()
		pong := false
		switch {
		case err != nil:
		case c.channel != "":
			pong = c.handleCentrifugo(buf.Bytes(), now)
		default:
			c.handle(buf.Bytes(), now)
		}
		if buf.Cap() <= maxPooledFrame {
			framePool.Put(buf)
		}
		if err == nil && pong {
			err = conn.WriteMessage(websocket.TextMessage, centrifugoPing)
		}
		if err == nil && c.requestDue {
			c.requestDue, c.requestAt = false, time.Now()
			err = conn.WriteMessage(websocket.TextMessage, c.follow)
		}
		if err != nil {
			c.endErr, c.endedUnasked = err, !c.closing.Load()
			return
		}
	}
}

// maxPooledFrame keeps a late viewer's backlog (megabytes) out of the pool
// that every reader draws on.
const maxPooledFrame = 256 << 10

// handle takes one frame: the fast path first, then, for anything it
// declines, encoding/json into protocol's ServerMessage.
func (c *client) handle(data []byte, now time.Time) {
	if c.follow != nil {
		if m, ok := parseSegmentFast(data); ok {
			c.recordSegment(m, now)
			return
		}
		if seq, n, ok := parseSegmentsFast(data); ok {
			c.segmentsArrived(seq, n, data, now)
			return
		}
	}
	if seq, at, ok := parseEventFast(data); ok {
		c.recordEvent(seq, at, now)
		return
	}
	if isPresence(data) {
		c.presence++
		return
	}
	var m protocol.ServerMessage
	if err := json.Unmarshal(data, &m); err != nil {
		c.badFrames++
		return
	}
	switch {
	case m.Type == protocol.TypeEvent && m.Event != nil:
		c.slowPath++
		c.recordEvent(m.Seq, m.Event.Time, now)
	case m.Type == protocol.TypeSnapshot && m.Snapshot != nil:
		c.snapshotArrived(m.Snapshot.Seq, now)
	case m.Type == protocol.TypeSegment && m.Segment != nil:
		c.slowPath++
		c.recordSegment(protocol.Segment{Seq: m.Seq, Segment: *m.Segment}, now)
	case m.Type == protocol.TypeSegments:
		c.slowPath++
		c.segmentsArrived(m.Seq, len(m.Segments), data, now)
	case m.Type == protocol.TypeError && c.readyAt.IsZero() && c.follow != nil:
		// The transcript request was refused: this client will not join.
		c.joinErr = fmt.Errorf("the server refused the transcript request: %s: %s", m.Code, m.Message)
		c.markJoined()
	case m.Type == protocol.TypePresence:
		c.presence++
	case m.Type == protocol.TypeWelcome, m.Type == protocol.TypeAck:
	default:
		c.other++
	}
}

// snapshotArrived takes the room's snapshot as of seq: the start of
// measuring, or with follow the cue to send it; a later one means the
// server made the client start over.
func (c *client) snapshotArrived(seq uint64, now time.Time) {
	if !c.snapshotAt.IsZero() {
		c.resnapshot++
		if c.follow == nil {
			c.lastSeq.Store(seq)
		}
		return
	}
	c.snapshotAt, c.snapshotSeq = now, seq
	if c.follow != nil {
		c.requestDue = true
		return
	}
	c.ready(now, seq)
}

// ready starts measuring: deliveries are the entries after seq.
func (c *client) ready(now time.Time, seq uint64) {
	c.readyAt, c.readySeq = now, seq
	c.lastSeq.Store(seq)
	c.markJoined()
}

func (c *client) recordEvent(seq uint64, at, now time.Time) {
	if c.follow != nil {
		c.roomEvents++ // the room's log, not the channel's: another seq space
		return
	}
	c.samples = append(c.samples, sample{seq: seq, recvNs: now.UnixNano(), latNs: now.Sub(at).Nanoseconds()})
	c.lastSeq.Store(seq)
}

// recordSegment takes a segment change: m's Seq and its segment's ID,
// Final and Updated.
func (c *client) recordSegment(m protocol.Segment, now time.Time) {
	if c.follow == nil {
		c.other++
		return
	}
	c.samples = append(c.samples, sample{
		seq: m.Seq, recvNs: now.UnixNano(), latNs: now.Sub(m.Segment.Updated).Nanoseconds(), segment: m.Segment.ID, final: m.Segment.Final,
	})
	c.lastSeq.Store(m.Seq)
}

// segmentsArrived takes the channel's answer to the transcript request: n
// recent segments as of the channel's seq.
func (c *client) segmentsArrived(seq uint64, n int, data []byte, now time.Time) {
	if c.follow == nil {
		c.other++
		return
	}
	if !c.readyAt.IsZero() {
		c.resnapshot++
		return
	}
	c.backlog = n
	if c.keepBacklog {
		c.backlogFrame = bytes.Clone(data)
	}
	c.ready(now, seq)
}

// joinedOK reports, once joined has closed, whether the client got ready:
// its snapshot, or its transcript's segments.
func (c *client) joinedOK() bool { return c.dialErr == nil && !c.readyAt.IsZero() }

// startClose sends a normal close frame; the server answers it and ends
// the connection, which ends the reader.
func (c *client) startClose() {
	c.closing.Store(true)
	if conn := c.conn.Load(); conn != nil {
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bench done")
		_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	}
}

// forceClose drops the connection of a reader that did not end by itself.
func (c *client) forceClose() {
	c.closing.Store(true)
	if conn := c.conn.Load(); conn != nil {
		conn.Close()
	}
}

// droppedEarly reports, once done has closed, whether the connection ended
// before the bench asked, and how.
func (c *client) droppedEarly() (bool, string) {
	if c.dialErr != nil || c.conn.Load() == nil {
		return false, ""
	}
	var ce *websocket.CloseError
	isClose := errors.As(c.endErr, &ce)
	// After the bench's close frame the server answers with its own or just
	// ends the connection; a close code of its own choosing still counts.
	if !c.endedUnasked && (!isClose || ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseNoStatusReceived || ce.Code == websocket.CloseAbnormalClosure) {
		return false, ""
	}
	switch {
	case isClose:
		return true, fmt.Sprintf("closed by the server: %d %s", ce.Code, ce.Text)
	case c.endErr == nil:
		return true, "ended without error"
	}
	return true, c.endErr.Error()
}
