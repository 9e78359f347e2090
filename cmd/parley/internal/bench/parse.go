package bench

import (
	"bytes"
	"strconv"
	"time"

	"github.com/parley-hub/parley/server/protocol"
)

// The fast path reads the messages that come by the tens of thousands
// (events, segment changes, a channel's backlog, presence counts) as the
// server lays them out: it encodes protocol's structs with encoding/json,
// which writes their fields in declaration order:
//
//	protocol.Event:    {"type":"event","seq":N,"event":{"seq":N,"time":"...",...},"changes":...}
//	protocol.Segment:  {"type":"segment","lang":"en","seq":N,"segment":{"id":I,"seq":N,"lang":"en",
//	                   "text":"...","final":true,["corrected":true,]"start":"...","updated":"...",...}}
//	protocol.Segments: {"type":"segments","lang":"en","seq":N,"segments":[{"id":...},...]}
//	protocol.Presence: {"type":"presence","presence":{...}}
//
// Decoding 100,000 messages with encoding/json cost the bench as much CPU
// as the server spent sending them, CPU the server then lacked. A message
// laid out any other way is declined (ok false) and goes through the full
// decoder, so the fast path can be skipped but not fooled; the tests hold
// it to encoding/json on protocol's types.
var (
	eventHead       = messageHead(protocol.TypeEvent, "seq")
	eventInner      = []byte(`,"event":{"seq":`)
	eventTime       = []byte(`,"time":"`)
	segmentHead     = append(messageHead(protocol.TypeSegment, "lang"), '"')
	segmentSeq      = []byte(`,"seq":`)
	segmentInner    = []byte(`,"segment":{"id":`)
	segmentLang     = []byte(`,"lang":"`)
	segmentText     = []byte(`,"text":"`)
	segmentFinal    = []byte(`,"final":`)
	segmentFixed    = []byte(`,"corrected":true`)
	segmentStart    = []byte(`,"start":"`)
	segmentUpdated  = []byte(`,"updated":"`)
	segmentsHead    = append(messageHead(protocol.TypeSegments, "lang"), '"')
	segmentsList    = []byte(`,"segments":[`)
	segmentsElement = []byte(`{"id":`)
	presenceHead    = messageHead(protocol.TypePresence, "presence")
)

// messageHead is how a message of type typ begins, up to the colon after
// its second field's name.
func messageHead(typ, field string) []byte {
	return []byte(`{"type":"` + typ + `","` + field + `":`)
}

// parseEventFast reads seq and the event's time from a protocol.Event,
// without scanning the rest.
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
	if at, ok = cutTime(rest); !ok {
		return 0, time.Time{}, false
	}
	return seq, at, true
}

// parseSegmentFast reads a protocol.Segment's seq and its segment's id,
// final and updated, skipping the text without decoding it; the other
// fields are left zero.
func parseSegmentFast(data []byte) (m protocol.Segment, ok bool) {
	rest, ok := bytes.CutPrefix(data, segmentHead)
	if !ok {
		return m, false
	}
	if rest, ok = skipJSONString(rest); !ok {
		return m, false
	}
	if rest, ok = bytes.CutPrefix(rest, segmentSeq); !ok {
		return m, false
	}
	if m.Seq, rest, ok = cutUint(rest); !ok {
		return m, false
	}
	if rest, ok = bytes.CutPrefix(rest, segmentInner); !ok {
		return m, false
	}
	if m.Segment.ID, rest, ok = cutUint(rest); !ok {
		return m, false
	}
	if rest, ok = bytes.CutPrefix(rest, segmentSeq); !ok {
		return m, false
	}
	if m.Segment.Seq, rest, ok = cutUint(rest); !ok || m.Segment.Seq != m.Seq {
		return m, false
	}
	for _, field := range [][]byte{segmentLang, segmentText} {
		if rest, ok = bytes.CutPrefix(rest, field); !ok {
			return m, false
		}
		if rest, ok = skipJSONString(rest); !ok {
			return m, false
		}
	}
	if rest, ok = bytes.CutPrefix(rest, segmentFinal); !ok {
		return m, false
	}
	switch {
	case bytes.HasPrefix(rest, []byte("true")):
		m.Segment.Final, rest = true, rest[4:]
	case bytes.HasPrefix(rest, []byte("false")):
		rest = rest[5:]
	default:
		return m, false
	}
	rest, _ = bytes.CutPrefix(rest, segmentFixed)
	if rest, ok = bytes.CutPrefix(rest, segmentStart); !ok {
		return m, false
	}
	if rest, ok = skipJSONString(rest); !ok {
		return m, false
	}
	if rest, ok = bytes.CutPrefix(rest, segmentUpdated); !ok {
		return m, false
	}
	if m.Segment.Updated, ok = cutTime(rest); !ok {
		return m, false
	}
	return m, true
}

// parseSegmentsFast reads a protocol.Segments' channel seq and counts its
// segments without decoding them: each begins {"id": and no string inside
// one can hold that unescaped. Thousands of viewers joining each get
// hundreds of segments; decoding them all would be the bench's main cost.
func parseSegmentsFast(data []byte) (seq uint64, n int, ok bool) {
	rest, ok := bytes.CutPrefix(data, segmentsHead)
	if !ok {
		return 0, 0, false
	}
	if rest, ok = skipJSONString(rest); !ok {
		return 0, 0, false
	}
	if rest, ok = bytes.CutPrefix(rest, segmentSeq); !ok {
		return 0, 0, false
	}
	if seq, rest, ok = cutUint(rest); !ok {
		return 0, 0, false
	}
	if rest, ok = bytes.CutPrefix(rest, segmentsList); !ok || !bytes.HasSuffix(rest, []byte("]}")) {
		return 0, 0, false
	}
	return seq, bytes.Count(rest, segmentsElement), true
}

// isPresence reports whether data is a protocol.Presence, which the bench
// only counts: every client gets one as people come and go, up to one a
// second.
func isPresence(data []byte) bool { return bytes.HasPrefix(data, presenceHead) }

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

// cutTime reads the RFC 3339 time of the JSON string whose opening quote
// has been read.
func cutTime(b []byte) (time.Time, bool) {
	end := bytes.IndexByte(b, '"')
	if end < 0 {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, string(b[:end]))
	return at, err == nil
}

// skipJSONString returns what follows the JSON string whose opening quote
// has been read.
func skipJSONString(b []byte) ([]byte, bool) {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return b[i+1:], true
		}
	}
	return nil, false
}
