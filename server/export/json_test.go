package export_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/export"
)

// jsonRecord is the JSON record as a program reading it would declare it.
type jsonRecord struct {
	Lang     string    `json:"lang"`
	Start    time.Time `json:"start"`
	Segments []struct {
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
		Final      bool           `json:"final"`
	} `json:"segments"`
}

func exportJSON(t *testing.T, lang string, segs []rooms.Segment) (jsonRecord, string) {
	t.Helper()
	var out strings.Builder
	if err := export.WriteJSON(&out, lang, sessionStart, segs); err != nil {
		t.Fatal(err)
	}
	var rec jsonRecord
	dec := json.NewDecoder(strings.NewReader(out.String()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		t.Fatalf("%v in\n%s", err, out.String())
	}
	return rec, out.String()
}

// TestWriteJSON reads the record back and finds every segment as the room
// holds it: text, speaker, request, agenda item, correction and whether it
// is finished intact.
func TestWriteJSON(t *testing.T) {
	rec, _ := exportJSON(t, rooms.FloorLanguage, plenary())
	if rec.Lang != rooms.FloorLanguage || !rec.Start.Equal(sessionStart) {
		t.Errorf("lang %q, start %v; want floor, %v", rec.Lang, rec.Start, sessionStart)
	}
	var ids []uint64
	byID := map[uint64]rooms.Segment{}
	for _, s := range plenary() {
		byID[s.ID] = s
	}
	for _, got := range rec.Segments {
		ids = append(ids, got.ID)
		want := byID[got.ID]
		if got.Text != want.Text || got.Request != want.Request || got.AgendaItem != want.AgendaItem || got.Corrected != want.Corrected || got.Final != want.Final {
			t.Errorf("segment %d: got %+v, want %+v", got.ID, got, want)
		}
		if (got.Speaker == nil) != (want.Speaker == nil) || got.Speaker != nil && *got.Speaker != *want.Speaker {
			t.Errorf("segment %d: speaker %+v, want %+v", got.ID, got.Speaker, want.Speaker)
		}
		if d := time.Duration(got.StartS * float64(time.Second)); !got.Start.Equal(sessionStart.Add(d)) {
			t.Errorf("segment %d: start %v does not match start_s %v", got.ID, got.Start, got.StartS)
		}
		if d := time.Duration(got.EndS * float64(time.Second)); !got.End.Equal(sessionStart.Add(d)) {
			t.Errorf("segment %d: end %v does not match end_s %v", got.ID, got.End, got.EndS)
		}
	}
	if !slices.Equal(ids, onRecord) {
		t.Errorf("segments %v, want %v", ids, onRecord)
	}
}

// Every key is present even when empty, and an empty channel is an empty
// list rather than null.
func TestWriteJSONKeys(t *testing.T) {
	_, doc := exportJSON(t, rooms.FloorLanguage, plenary()[:1])
	for _, key := range []string{`"speaker": null`, `"request": ""`, `"agenda_item": ""`, `"corrected": false`, `"final": true`} {
		if !strings.Contains(doc, key) {
			t.Errorf("no %s in\n%s", key, doc)
		}
	}
	if rec, doc := exportJSON(t, "fr", nil); !strings.Contains(doc, `"segments": []`) || rec.Lang != "fr" {
		t.Errorf("an empty record of fr:\n%s", doc)
	}
}
