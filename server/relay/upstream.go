package relay

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

// upMessage is a server message as the relay reads it: the snapshot and
// changes stay raw, to be folded and passed on as upstream encoded them.
type upMessage struct {
	Type       string                     `json:"type"`
	ID         string                     `json:"id"`
	Seq        uint64                     `json:"seq"`
	ServerTime time.Time                  `json:"server_time"`
	Snapshot   map[string]json.RawMessage `json:"snapshot"`
	Changes    map[string]json.RawMessage `json:"changes"`
	Lang       string                     `json:"lang"`
	Segments   []rooms.Segment            `json:"segments"`
	Segment    *rooms.Segment             `json:"segment"`
	raw        []byte
}

func readUp(ws *websocket.Conn, m *upMessage) error {
	_, raw, err := ws.ReadMessage()
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, m); err != nil {
		return fmt.Errorf("upstream sent malformed JSON: %w", err)
	}
	m.raw = raw
	return nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// read folds upstream's messages into the mirror and passes them on until
// the connection ends.
func (r *Relay) read(ws *websocket.Conn) error {
	for {
		ws.SetReadDeadline(time.Now().Add(readWait))
		var m upMessage
		if err := readUp(ws, &m); err != nil {
			return err
		}
		r.liveBytes.Add(uint64(len(m.raw)))
		r.take(m)
	}
}

// take applies one upstream message.
func (r *Relay) take(m upMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch m.Type {
	case protocol.TypeSnapshot:
		if m.Snapshot != nil {
			r.m.reset(m.Snapshot)
			r.broadcast(r.m.snapshotMessage())
			r.noteFloor()
		}
	case protocol.TypeEvent:
		if r.m.apply(m.Seq, m.Changes, m.raw) {
			r.broadcast(m.raw)
			r.noteFloor()
		}
	case protocol.TypePresence:
		r.broadcast(m.raw)
	case protocol.TypeSegments, protocol.TypeSegment:
		r.takeSegments(m)
	case protocol.TypePong:
		if m.ID == pingID {
			r.quality.ponged()
		}
		if !m.ServerTime.IsZero() {
			r.offset = m.ServerTime.Sub(time.Now())
		}
	case protocol.TypeAck, protocol.TypeError:
		r.answer(m)
	}
}

// takeSegments folds transcript segments and passes those that are new to
// the local clients following their language. The caller holds r.mu.
func (r *Relay) takeSegments(m upMessage) {
	c := r.m.channel(m.Lang)
	segs := m.Segments
	if m.Segment != nil {
		segs = []rooms.Segment{*m.Segment}
	}
	var fresh []rooms.Segment
	for _, s := range segs {
		if c.fold(s) {
			fresh = append(fresh, s)
		}
	}
	c.seq = max(c.seq, m.Seq)
	if len(fresh) == 0 {
		return
	}
	msg := m.raw
	if len(fresh) != len(segs) || m.Type == protocol.TypeSegments {
		msg = mustJSON(protocol.Segments{Type: protocol.TypeSegments, Lang: m.Lang, Seq: c.seq, Segments: fresh})
	}
	for cl := range r.clients {
		if cl.langs[m.Lang] {
			cl.send(msg)
		}
	}
}

// answer passes upstream's ack or error on to the local client whose
// command it answers. The caller holds r.mu.
func (r *Relay) answer(m upMessage) {
	o, ok := r.pending[m.ID]
	if !ok {
		return
	}
	delete(r.pending, m.ID)
	if o.from == nil {
		if m.Type == protocol.TypeError {
			r.log.Warn("relay: upstream refused the relay's own request", "answer", string(m.raw))
		}
		return
	}
	var answer map[string]json.RawMessage
	if json.Unmarshal(m.raw, &answer) != nil {
		return
	}
	answer["id"] = mustJSON(o.localID)
	o.from.send(mustJSON(answer))
}
