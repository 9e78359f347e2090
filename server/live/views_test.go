package live

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

// BenchmarkEventViews prepares one hand_raised event of a room with 30
// requests waiting, as every live client of the room receives it: "one" is
// the single message of before personal data were projected, "views" the
// public and the chair's variants of now.
func BenchmarkEventViews(b *testing.B) {
	st := rooms.NewState("plenary")
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	apply := func(typ string, data any) rooms.Event {
		raw, _ := json.Marshal(data)
		e := rooms.Event{Seq: st.Seq + 1, Time: now, Type: typ, Data: raw}
		st.Apply(e)
		return e
	}
	apply(rooms.EvRoomCreated, rooms.RoomCreated{Title: "Plenary"})
	var last rooms.Event
	for i := range 30 {
		sp := rooms.Speaker{Sub: fmt.Sprint("p", i), Name: fmt.Sprint("Person ", i), Group: "civil-society", Region: "africa", Gender: []string{"woman", "man"}[i%2], Mode: rooms.ModeRemote}
		last = apply(rooms.EvHandRaised, rooms.HandRaised{Request: fmt.Sprint("r", i+2), Speaker: sp, Kind: "speak", Note: "on item 2"})
	}
	msg := protocol.Event{Type: protocol.TypeEvent, Seq: last.Seq, Event: last, Changes: st.Changes(last.Type, now)}
	log, id := slog.New(slog.DiscardHandler), rooms.RoomLog("plenary")
	b.Run("one", func(b *testing.B) {
		for b.Loop() {
			if prepare(log, id, msg) == nil {
				b.Fatal("not prepared")
			}
		}
	})
	b.Run("views", func(b *testing.B) {
		for b.Loop() {
			if v := prepareViews(log, id, msg); v.full == nil || v.public == v.full {
				b.Fatal("not prepared in two views")
			}
		}
	})
}
