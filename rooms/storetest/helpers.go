package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// The logs the cases use.
var (
	plenary = rooms.RoomLog("plenary")
	nowhere = rooms.RoomLog("nowhere")
	roomA   = rooms.RoomLog("room-a")
	roomB   = rooms.RoomLog("room-b")
	// caption is a second log of plenary's, as transcripts are.
	caption = rooms.LogID{Room: "plenary", Channel: "transcript-en"}
)

func newEvent(typ, data string) rooms.Event {
	e := rooms.Event{
		Time:  base,
		Actor: rooms.Actor{Sub: "chair-1", Name: "Chair", Role: "chair"},
		Type:  typ,
	}
	if data != "" {
		e.Data = json.RawMessage(data)
	}
	return e
}

// numbered returns n events whose Data says which one they are.
func numbered(n int) []rooms.Event {
	events := make([]rooms.Event, n)
	for i := range events {
		events[i] = newEvent("hand.raised", fmt.Sprintf(`{"n":%d}`, i+1))
		events[i].Time = base.Add(time.Duration(i) * time.Second)
	}
	return events
}

// fieldEvents exercise every field with values that are easy to get wrong.
func fieldEvents() []rooms.Event {
	big := `{"text":"` + strings.Repeat("Palavra é prata, silêncio é ouro. ", 3000) + `"}`
	return []rooms.Event{
		{
			Time:  time.Date(2014, time.April, 24, 18, 59, 59, 999999999, time.UTC),
			Actor: rooms.Actor{Sub: "hub-nairobi", Name: "Nairobi hub — iHub", Role: "hub"},
			Type:  "hub.joined",
			Data:  json.RawMessage(`{ "nested": {"list": [1, 2.5, -3e10, 12345678901234567890], "ok": true, "none": null},` + "\n" + ` "text": "<b>&amp;</b> \u00e9 \"quoted\" 日本語" }`),
		},
		{
			Time:  time.Date(2014, time.April, 23, 8, 0, 0, 1, time.FixedZone("", 5*60*60+30*60)),
			Actor: rooms.Actor{Sub: "system"},
			Type:  "room.opened",
			// The chain's fields are kept as given.
			Prev:     strings.Repeat("0123456789abcdef", 4),
			Hash:     strings.Repeat("fedcba9876543210", 4),
			Personal: strings.Repeat("00ff", 16),
			Seal:     "5eed5eed5eed5eed5eed5eed5eed5eed",
		},
		{
			Time:  base.Add(time.Microsecond + time.Nanosecond),
			Actor: rooms.Actor{Sub: "captioner-es", Role: "captioner"},
			Type:  "transcript.large",
			Data:  json.RawMessage(big),
		},
	}
}

// appendOK appends events and checks the result, returning what was appended.
func appendOK(t *testing.T, s rooms.Store, log rooms.LogID, expected uint64, events ...rooms.Event) []rooms.Event {
	t.Helper()
	got, err := s.Append(t.Context(), log, expected, events)
	if err != nil {
		t.Fatalf("Append(%q, %d, %d events): %v", log, expected, len(events), err)
	}
	want := numberFrom(expected, events)
	checkEvents(t, fmt.Sprintf("Append(%q, %d) result", log, expected), got, want)
	return want
}

// numberFrom returns a copy of events numbered expected+1, expected+2, ...
func numberFrom(expected uint64, events []rooms.Event) []rooms.Event {
	out := slices.Clone(events)
	for i := range out {
		out[i].Seq = expected + uint64(i) + 1
	}
	return out
}

func readAll(t *testing.T, s rooms.Store, log rooms.LogID) []rooms.Event {
	t.Helper()
	got, err := s.Read(t.Context(), log, 0, 0)
	if err != nil {
		t.Fatalf("Read(%q, 0, 0): %v", log, err)
	}
	return got
}

func lastSeq(t *testing.T, s rooms.Store, log rooms.LogID) uint64 {
	t.Helper()
	last, err := s.LastSeq(t.Context(), log)
	if err != nil {
		t.Fatalf("LastSeq(%q): %v", log, err)
	}
	return last
}

func closeStore(t *testing.T, s rooms.Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// checkEvents fails t unless got and want are the same events: Time as an
// instant, Data as equivalent JSON, everything else exactly.
func checkEvents(t *testing.T, what string, got, want []rooms.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d events, want %d", what, len(got), len(want))
	}
	for i := range want {
		if err := sameEvent(got[i], want[i]); err != nil {
			t.Fatalf("%s: event %d: %v", what, i, err)
		}
	}
}

func sameEvent(got, want rooms.Event) error {
	switch {
	case got.Seq != want.Seq:
		return fmt.Errorf("Seq = %d, want %d", got.Seq, want.Seq)
	case !got.Time.Equal(want.Time):
		return fmt.Errorf("seq %d: Time = %s, want %s", want.Seq, got.Time.Format(time.RFC3339Nano), want.Time.Format(time.RFC3339Nano))
	case got.Actor != want.Actor:
		return fmt.Errorf("seq %d: Actor = %+v, want %+v", want.Seq, got.Actor, want.Actor)
	case got.Type != want.Type:
		return fmt.Errorf("seq %d: Type = %q, want %q", want.Seq, got.Type, want.Type)
	case !sameJSON(got.Data, want.Data):
		return fmt.Errorf("seq %d: Data = %.200s, want %.200s", want.Seq, got.Data, want.Data)
	case got.Prev != want.Prev || got.Hash != want.Hash || got.Personal != want.Personal || got.Seal != want.Seal:
		return fmt.Errorf("seq %d: chain fields (prev, hash, personal, seal) = %q %q %q %q, want %q %q %q %q", want.Seq,
			got.Prev, got.Hash, got.Personal, got.Seal, want.Prev, want.Hash, want.Personal, want.Seal)
	}
	return nil
}

// sameJSON reports whether a and b are the same JSON value. Numbers are
// compared as written, so a store that round-trips them through float64 and
// loses digits fails. Empty means no Data at all.
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	va, erra := decodeJSON(a)
	vb, errb := decodeJSON(b)
	return erra == nil && errb == nil && reflect.DeepEqual(va, vb)
}

func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}
