package bench

import (
	"bytes"
	"time"
)

// The server writes segment messages in its structs' field order:
// {"type":"segment","lang":"en","seq":N,"segment":{"id":I,"seq":N,"lang":"en",
// "text":"...","final":true,["corrected":true,]"start":"...","updated":"...",...}}
// and {"type":"segments","lang":"en","seq":N,"segments":[{"id":...},...]}.
var (
	segmentHead     = []byte(`{"type":"segment","lang":"`)
	segmentSeq      = []byte(`,"seq":`)
	segmentInner    = []byte(`,"segment":{"id":`)
	segmentLang     = []byte(`,"lang":"`)
	segmentText     = []byte(`,"text":"`)
	segmentFinal    = []byte(`,"final":`)
	segmentFixed    = []byte(`,"corrected":true`)
	segmentStart    = []byte(`,"start":"`)
	segmentUpdated  = []byte(`,"updated":"`)
	segmentsHead    = []byte(`{"type":"segments","lang":"`)
	segmentsList    = []byte(`,"segments":[`)
	segmentsElement = []byte(`{"id":`)
)

// segmentMessage is what the bench reads of a `segment` message.
type segmentMessage struct {
	seq, id uint64
	final   bool
	updated time.Time
}

// parseSegmentFast reads a `segment` message laid out as the server writes
// it, skipping the text without decoding it; anything else returns ok false
// and goes through the full decoder, as parseEventFast does for events.
func parseSegmentFast(data []byte) (m segmentMessage, ok bool) {
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
	if m.seq, rest, ok = cutUint(rest); !ok {
		return m, false
	}
	if rest, ok = bytes.CutPrefix(rest, segmentInner); !ok {
		return m, false
	}
	if m.id, rest, ok = cutUint(rest); !ok {
		return m, false
	}
	if rest, ok = bytes.CutPrefix(rest, segmentSeq); !ok {
		return m, false
	}
	inner, rest, ok := cutUint(rest)
	if !ok || inner != m.seq {
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
		m.final, rest = true, rest[4:]
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
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return m, false
	}
	at, err := time.Parse(time.RFC3339Nano, string(rest[:end]))
	if err != nil {
		return m, false
	}
	m.updated = at
	return m, true
}

// parseSegmentsFast reads a `segments` message's channel seq and counts its
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
