package export

import (
	"encoding/json"
	"io"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// jsonRecord is the record for programs. Every key is always present, so a
// reader needs no defaults.
type jsonRecord struct {
	Lang     string        `json:"lang"`
	Start    time.Time     `json:"start"`
	Segments []jsonSegment `json:"segments"`
}

// jsonSegment gives each time twice: in seconds from the session start, as
// media players and caption tools count, and as an RFC 3339 instant in UTC,
// to match against the room's event log. Text is exactly as the captioner
// left it.
type jsonSegment struct {
	ID         uint64         `json:"id"`
	StartS     float64        `json:"start_s"`
	EndS       float64        `json:"end_s"`
	Start      time.Time      `json:"start"`
	End        time.Time      `json:"end"`
	Text       string         `json:"text"`
	Speaker    *rooms.Speaker `json:"speaker"`
	Request    string         `json:"request"`
	AgendaItem string         `json:"agenda_item"`
	Corrected  bool           `json:"corrected"`
	// Final is false for the line the captioner is still writing.
	Final bool `json:"final"`
}

// WriteJSON writes the record as one JSON object:
//
//	{"lang": "floor", "start": "2014-04-23T09:00:00Z", "segments": [
//	  {"id": 7, "start_s": 5, "end_s": 9.5,
//	   "start": "2014-04-23T09:00:05Z", "end": "2014-04-23T09:00:09.5Z",
//	   "text": "...", "speaker": {"sub": "...", "name": "...", ...} or null,
//	   "request": "...", "agenda_item": "...", "corrected": false,
//	   "final": true}]}
//
// lang is the channel's language, given even when it has no segments.
func WriteJSON(w io.Writer, lang string, start time.Time, segs []rooms.Segment) error {
	out := jsonRecord{Lang: lang, Start: start.UTC(), Segments: []jsonSegment{}}
	for _, e := range record(start, segs) {
		out.Segments = append(out.Segments, jsonSegment{
			ID:         e.seg.ID,
			StartS:     seconds(e.start),
			EndS:       seconds(e.end),
			Start:      start.Add(e.start).UTC(),
			End:        start.Add(e.end).UTC(),
			Text:       e.seg.Text,
			Speaker:    e.seg.Speaker,
			Request:    e.seg.Request,
			AgendaItem: e.seg.AgendaItem,
			Corrected:  e.seg.Corrected,
			Final:      e.seg.Final,
		})
	}
	enc := json.NewEncoder(w)
	// The record is a file to keep, not a page: "<" stays "<".
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// seconds is d in seconds to the millisecond, divided once so that 9.123 s
// prints as 9.123 and not 9.123000000000001.
func seconds(d time.Duration) float64 {
	return float64(d.Milliseconds()) / 1000
}
