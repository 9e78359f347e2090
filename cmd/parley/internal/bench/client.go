package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// wireMessage is the little of a server message the bench needs. Fields it
// does not name (changes, the snapshot's queue and balance, a segment's
// text) are skipped by the decoder without being built, which keeps 5,000
// readers cheap.
type wireMessage struct {
	Type  string `json:"type"`
	Seq   uint64 `json:"seq"`
	Event struct {
		Seq  uint64    `json:"seq"`
		Time time.Time `json:"time"`
	} `json:"event"`
	Snapshot struct {
		Seq uint64 `json:"seq"`
	} `json:"snapshot"`
	Segment struct {
		ID      uint64    `json:"id"`
		Seq     uint64    `json:"seq"`
		Final   bool      `json:"final"`
		Updated time.Time `json:"updated"`
	} `json:"segment"`
	Segments []struct{} `json:"segments"`
	Code     string     `json:"code"`
	Message  string     `json:"message"`
}

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
	hdr := http.Header{"Authorization": []string{"Bearer " + token}}
	conn, resp, err := d.DialContext(ctx, url, hdr)
	if err != nil {
		c.dialErr = describeDialError(err, resp)
		return
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
		if err == nil {
			c.handle(buf.Bytes(), now)
		}
		if buf.Cap() <= maxPooledFrame {
			framePool.Put(buf)
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

func (c *client) handle(data []byte, now time.Time) {
	if c.follow != nil {
		if seg, ok := parseSegmentFast(data); ok {
			c.recordSegment(seg, now)
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
	var m wireMessage
	if err := json.Unmarshal(data, &m); err != nil {
		c.badFrames++
		return
	}
	switch m.Type {
	case "event":
		c.slowPath++
		c.recordEvent(m.Seq, m.Event.Time, now)
	case "snapshot":
		if !c.snapshotAt.IsZero() {
			c.resnapshot++
			if c.follow == nil {
				c.lastSeq.Store(m.Snapshot.Seq)
			}
			return
		}
		c.snapshotAt, c.snapshotSeq = now, m.Snapshot.Seq
		if c.follow != nil {
			c.requestDue = true
			return
		}
		c.ready(now, m.Snapshot.Seq)
	case "segment":
		c.slowPath++
		c.recordSegment(segmentMessage{seq: m.Seq, id: m.Segment.ID, final: m.Segment.Final, updated: m.Segment.Updated}, now)
	case "segments":
		c.slowPath++
		c.segmentsArrived(m.Seq, len(m.Segments), data, now)
	case "error":
		if c.readyAt.IsZero() && c.follow != nil {
			// The transcript request was refused: this client will not join.
			c.joinErr = fmt.Errorf("the server refused the transcript request: %s: %s", m.Code, m.Message)
			c.markJoined()
			return
		}
		c.other++
	case "presence":
		c.presence++
	case "welcome", "ack":
	default:
		c.other++
	}
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

func (c *client) recordSegment(m segmentMessage, now time.Time) {
	if c.follow == nil {
		c.other++
		return
	}
	c.samples = append(c.samples, sample{
		seq: m.seq, recvNs: now.UnixNano(), latNs: now.Sub(m.updated).Nanoseconds(), segment: m.id, final: m.final,
	})
	c.lastSeq.Store(m.seq)
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

// The server writes every event message in its struct's field order:
// {"type":"event","seq":N,"event":{"seq":N,"time":"...",...},"changes":...}.
var (
	eventHead  = []byte(`{"type":"event","seq":`)
	eventInner = []byte(`,"event":{"seq":`)
	eventTime  = []byte(`,"time":"`)
)

// parseEventFast reads seq and the event's time from a message that begins
// exactly as the server writes events, without scanning the rest: decoding
// 100,000 messages with encoding/json cost the bench as much CPU as the
// server spent sending them, CPU the server then lacked. Anything else,
// including an event laid out differently, returns ok false and goes
// through the full decoder, so the fast path can be skipped but not fooled.
func parseEventFast(data []byte) (seq uint64, at time.Time, ok bool) {
	rest, ok := bytes.CutPrefix(data, eventHead)
	if !ok {
		return 0, time.Time{}, false
	}
	if seq, rest, ok = cutUint(rest); !ok {
		return 0, time.Time{}, false
	}
	if rest, ok = bytes.CutPrefix(rest, eventInner); !ok {
		return 0, time.Time{}, false
	}
	inner, rest, ok := cutUint(rest)
	if !ok || inner != seq {
		return 0, time.Time{}, false
	}
	if rest, ok = bytes.CutPrefix(rest, eventTime); !ok {
		return 0, time.Time{}, false
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return 0, time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, string(rest[:end]))
	if err != nil {
		return 0, time.Time{}, false
	}
	return seq, at, true
}

// cutUint reads the decimal number b starts with.
func cutUint(b []byte) (uint64, []byte, bool) {
	i := 0
	for i < len(b) && i < 20 && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	n, err := strconv.ParseUint(string(b[:i]), 10, 64)
	if err != nil {
		return 0, b, false
	}
	return n, b[i:], true
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
