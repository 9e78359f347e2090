package relay

import (
	"cmp"
	"encoding/json"
	"slices"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

// replayWindow is how many recent events the mirror keeps for local
// clients resuming by after, as the main server does.
const replayWindow = 1024

// mirror is the room as the relay last heard it from upstream: the
// snapshot folded with every event since (clients fold the same way:
// docs/protocol.md), the recent events as upstream encoded them, and the
// transcript channels followed. It does no I/O and has no lock: Relay.mu
// guards it.
type mirror struct {
	snap    map[string]json.RawMessage // nil before the first snapshot
	seq     uint64
	base    uint64  // seq of the event before window[0]
	window  []frame // upstream's event messages after base, in order
	encoded []byte  // the snapshot message at seq, once asked for
	chans   map[string]*channel
}

type frame struct {
	seq uint64
	raw []byte
}

// channel is one transcript language: its latest segments by id.
type channel struct {
	seq  uint64
	segs map[uint64]rooms.Segment
}

func newMirror() mirror { return mirror{chans: map[string]*channel{}} }

// ready reports whether the mirror has had a snapshot.
func (m *mirror) ready() bool { return m.snap != nil }

// reset starts the mirror over from upstream's snapshot: events kept for
// replay are of before it.
func (m *mirror) reset(snap map[string]json.RawMessage) {
	m.snap = snap
	m.seq = seqOf(snap)
	m.base, m.window, m.encoded = m.seq, nil, nil
}

// apply folds one event into the snapshot and keeps its message for
// replay; an event the mirror has had already is ignored (false).
func (m *mirror) apply(seq uint64, changes map[string]json.RawMessage, raw []byte) bool {
	if m.snap == nil || seq <= m.seq {
		return false
	}
	for k, v := range changes {
		m.snap[k] = v
	}
	m.seq = seq
	m.snap["seq"], _ = json.Marshal(seq)
	m.encoded = nil
	m.window = append(m.window, frame{seq: seq, raw: raw})
	if over := len(m.window) - replayWindow; over > 0 {
		m.base = m.window[over-1].seq
		m.window = slices.Clone(m.window[over:])
	}
	return true
}

// snapshotMessage is the snapshot message at the mirror's seq.
func (m *mirror) snapshotMessage() []byte {
	if m.encoded == nil {
		m.encoded = mustJSON(struct {
			Type     string                     `json:"type"`
			Snapshot map[string]json.RawMessage `json:"snapshot"`
		}{protocol.TypeSnapshot, m.snap})
	}
	return m.encoded
}

// since returns the event messages after `after`, or false when the
// mirror cannot replay from there (too old, or ahead of it).
func (m *mirror) since(after uint64) ([][]byte, bool) {
	if m.snap == nil || after < m.base || after > m.seq {
		return nil, false
	}
	var out [][]byte
	for _, f := range m.window {
		if f.seq > after {
			out = append(out, f.raw)
		}
	}
	return out, true
}

// languages are the channels the room has text in, besides floor.
func (m *mirror) languages() []string {
	var langs []string
	json.Unmarshal(m.snap["languages"], &langs)
	return langs
}

// channel returns lang's channel, made on first use.
func (m *mirror) channel(lang string) *channel {
	c := m.chans[lang]
	if c == nil {
		c = &channel{segs: map[uint64]rooms.Segment{}}
		m.chans[lang] = c
	}
	return c
}

// fold keeps s if it is newer than what the channel has of it, and reports
// whether it was; the channel keeps its MaxBacklog latest segments.
func (c *channel) fold(s rooms.Segment) bool {
	if old, ok := c.segs[s.ID]; ok && old.Seq >= s.Seq {
		return false
	}
	c.segs[s.ID] = s
	c.seq = max(c.seq, s.Seq)
	if len(c.segs) > protocol.MaxBacklog {
		delete(c.segs, slices.Min(keys(c.segs)))
	}
	return true
}

// recent is the channel's last n segments, in order.
func (c *channel) recent(n int) []rooms.Segment {
	all := c.sorted(func(a, b rooms.Segment) int { return cmp.Compare(a.ID, b.ID) })
	return all[max(0, len(all)-n):]
}

// changedAfter is what changed after seq, in the order it changed, or
// false when the channel no longer holds all of it.
func (c *channel) changedAfter(seq uint64) ([]rooms.Segment, bool) {
	if len(c.segs) >= protocol.MaxBacklog || seq > c.seq {
		return nil, false
	}
	var out []rooms.Segment
	for _, s := range c.sorted(func(a, b rooms.Segment) int { return cmp.Compare(a.Seq, b.Seq) }) {
		if s.Seq > seq {
			out = append(out, s)
		}
	}
	return out, true
}

func (c *channel) sorted(by func(a, b rooms.Segment) int) []rooms.Segment {
	out := make([]rooms.Segment, 0, len(c.segs))
	for _, s := range c.segs {
		out = append(out, s)
	}
	slices.SortFunc(out, by)
	return out
}

func keys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func seqOf(snap map[string]json.RawMessage) uint64 {
	var seq uint64
	json.Unmarshal(snap["seq"], &seq)
	return seq
}

// mustJSON encodes what always encodes: the protocol's types and raw JSON.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("relay: encoding a protocol message: " + err.Error())
	}
	return b
}
