package bench

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

// The frames below are built as server/live builds them: protocol's
// structs through encoding/json.

func frame(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func snapshotFrame(seq uint64) []byte {
	return frame(protocol.Snapshot{Type: protocol.TypeSnapshot, Snapshot: rooms.Snapshot{Room: "bench", Seq: seq, Languages: []string{}}})
}

func eventFrame(seq uint64, at time.Time) []byte {
	return frame(protocol.Event{Type: protocol.TypeEvent, Seq: seq,
		Event:   rooms.Event{Seq: seq, Time: at, Actor: rooms.Actor{Sub: "c"}, Type: "agenda_item_set", Data: json.RawMessage(`{"title":"x"}`)},
		Changes: map[string]any{"agenda_item": "x"}})
}

func segmentFrame(seq uint64, seg rooms.Segment) []byte {
	return frame(protocol.Segment{Type: protocol.TypeSegment, Lang: seg.Lang, Seq: seq, Segment: seg})
}

func segmentsFrame(seq uint64, segs ...rooms.Segment) []byte {
	return frame(protocol.Segments{Type: protocol.TypeSegments, Lang: "en", Seq: seq, Segments: segs})
}

// decode is what encoding/json reads of a frame: the truth the fast path
// must agree with.
func decode(t *testing.T, data []byte) protocol.ServerMessage {
	t.Helper()
	var m protocol.ServerMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return m
}

func TestParseEventFastAgreesWithTheDecoderOrDeclines(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(2026, 11, 26, 18, 44, 30, 123456789, time.UTC),
		time.Date(2026, 11, 26, 18, 44, 30, 0, time.FixedZone("", 3600)),
	} {
		data := eventFrame(42, at)
		seq, got, ok := parseEventFast(data)
		m := decode(t, data)
		if !ok || m.Type != protocol.TypeEvent || seq != m.Seq || !got.Equal(m.Event.Time) {
			t.Errorf("fast = %d %v %v, decoder = %d %v", seq, got, ok, m.Seq, m.Event.Time)
		}
	}
	for _, other := range []string{
		`{"type":"event","seq":42,"event":{"seq":41,"time":"2026-11-26T18:44:30Z"}}`, // seqs disagree
		`{"seq":42,"type":"event","event":{"seq":42,"time":"2026-11-26T18:44:30Z"}}`, // another order
		`{"type":"event","seq":42,"event":{"seq":42,"actor":{},"time":"2026-11-26T18:44:30Z"}}`,
		`{"type":"event","seq":,"event":{"seq":42,"time":"2026-11-26T18:44:30Z"}}`,
		`{"type":"event","seq":42,"event":{"seq":42,"time":"yesterday"}}`,
		string(snapshotFrame(42)),
	} {
		if _, _, ok := parseEventFast([]byte(other)); ok {
			t.Errorf("fast path accepted %s", other)
		}
	}
}

func TestParseSegmentFastAgreesWithTheDecoderOrDeclines(t *testing.T) {
	at := time.Date(2026, 11, 26, 18, 44, 30, 123456789, time.UTC)
	for _, seg := range []rooms.Segment{
		{ID: 40, Seq: 42, Lang: "en", Text: `She said "no" \ <then> left`, Final: true, Start: at.Add(-time.Second), Updated: at,
			Speaker: &rooms.Speaker{Sub: "s", Name: `"updated":"2020-01-01T00:00:00Z"`}},
		{ID: 42, Seq: 42, Lang: "pt-br", Text: "", Updated: at},
		{ID: 7, Seq: 42, Lang: "en", Text: "fixed", Final: true, Corrected: true, Updated: at, Request: "r1", AgendaItem: "3"},
	} {
		data := segmentFrame(42, seg)
		fast, ok := parseSegmentFast(data)
		m := decode(t, data)
		if !ok || m.Type != protocol.TypeSegment || fast.Seq != m.Seq || fast.Segment.ID != m.Segment.ID ||
			fast.Segment.Final != m.Segment.Final || !fast.Segment.Updated.Equal(m.Segment.Updated) {
			t.Errorf("fast = %+v %v, decoder = %+v", fast, ok, m.Segment)
		}
	}
	for _, other := range []string{
		`{"type":"segment","lang":"en","seq":42,"segment":{"id":40,"seq":41,"lang":"en","text":"x","final":true,"start":"2026-11-26T18:44:30Z","updated":"2026-11-26T18:44:30Z"}}`, // seqs disagree
		`{"lang":"en","type":"segment","seq":42,"segment":{"id":40,"seq":42,"lang":"en","text":"x","final":true,"start":"2026-11-26T18:44:30Z","updated":"2026-11-26T18:44:30Z"}}`, // another order
		`{"type":"segment","lang":"en","seq":42,"segment":{"id":40,"seq":42,"lang":"en","text":"x","final":1,"start":"2026-11-26T18:44:30Z","updated":"2026-11-26T18:44:30Z"}}`,
		`{"type":"segment","lang":"en","seq":42,"segment":{"id":40,"seq":42,"lang":"en","text":"x\","final":true}}`, // unterminated text
		`{"type":"segment","lang":"en","seq":42,"segment":{"id":40,"seq":42,"lang":"en","text":"x","final":true,"start":"2026-11-26T18:44:30Z","updated":"soon"}}`,
		string(segmentsFrame(42)),
	} {
		if m, ok := parseSegmentFast([]byte(other)); ok {
			t.Errorf("fast path accepted %s as %+v", other, m)
		}
	}
}

func TestParseSegmentsFastCountsAsTheDecoderDoes(t *testing.T) {
	for _, segs := range [][]rooms.Segment{
		{}, // rooms.Channel.Segments never gives nil
		{{ID: 1, Seq: 1, Text: `{"id":2}`}, {ID: 3, Seq: 4, Speaker: &rooms.Speaker{Name: `{"id":`}}},
	} {
		data := segmentsFrame(4, segs...)
		seq, n, ok := parseSegmentsFast(data)
		m := decode(t, data)
		if !ok || m.Type != protocol.TypeSegments || seq != m.Seq || n != len(m.Segments) {
			t.Errorf("fast = %d, %d, %v; decoder = %d, %d", seq, n, ok, m.Seq, len(m.Segments))
		}
	}
	if _, _, ok := parseSegmentsFast([]byte(`{"type":"segments","lang":"en","seq":4,"segments":[{"id":1}`)); ok {
		t.Error("parseSegmentsFast accepted a truncated message")
	}
}

func TestIsPresenceAgreesWithTheDecoder(t *testing.T) {
	p := rooms.NewPresence()
	p.Add(rooms.Participant{Role: "viewer"}, 1)
	data := frame(protocol.Presence{Type: protocol.TypePresence, Presence: p})
	if !isPresence(data) || decode(t, data).Type != protocol.TypePresence {
		t.Errorf("isPresence(%s) = false", data)
	}
	for _, other := range [][]byte{eventFrame(1, benchTimeAt(0)), snapshotFrame(1), []byte(`{"presence":{},"type":"presence"}`)} {
		if isPresence(other) {
			t.Errorf("isPresence(%s) = true", other)
		}
	}
}

// TestClientReadsWhatTheFastPathDeclines: a message laid out otherwise is
// still read, through the decoder, and counted as such.
func TestClientReadsWhatTheFastPathDeclines(t *testing.T) {
	c := newClient(0, 2)
	c.handle([]byte(`{"snapshot":{"seq":10},"type":"snapshot"}`), benchTimeAt(0))
	c.handle(eventFrame(11, benchTimeAt(0)), benchTimeAt(1))
	c.handle([]byte(`{"seq":12,"type":"event","event":{"time":"2026-01-01T00:00:00Z","seq":12}}`), benchTimeAt(2))
	c.handle([]byte(`{"presence":{"total":1},"type":"presence"}`), benchTimeAt(3))
	c.handle([]byte(`{"type":"event"}`), benchTimeAt(4))
	if !c.joinedOK() || c.readySeq != 10 || len(c.samples) != 2 || c.samples[1].seq != 12 || c.samples[1].latNs != 2e6 {
		t.Fatalf("joined %v at seq %d, samples %+v", c.joinedOK(), c.readySeq, c.samples)
	}
	if c.slowPath != 1 || c.presence != 1 || c.other != 1 || c.badFrames != 0 {
		t.Errorf("slow path %d, presence %d, other %d, bad %d; want 1, 1, 1, 0", c.slowPath, c.presence, c.other, c.badFrames)
	}
}
