package rooms_test

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
)

// raisedHand is a typical event with a personal part: a speaker with a
// declared gender and a note to the chair.
func raisedHand() rooms.Event {
	data, _ := json.Marshal(rooms.HandRaised{Request: "r2", Kind: queue.KindSpeak, Note: "on item 2, briefly",
		Speaker: rooms.Speaker{Sub: "amina", Name: "Amina Diallo", Group: "civil-society", Region: "africa", Gender: "woman", Mode: rooms.ModeRemote}})
	return rooms.Event{Time: time.Date(2014, 4, 23, 9, 0, 0, 0, time.UTC), Actor: rooms.Actor{Sub: "amina", Name: "Amina Diallo", Role: rooms.RoleParticipant},
		Type: rooms.EvHandRaised, Data: data}
}

// BenchmarkChainLink is the hash chain's work for one event: its canonical
// encoding, the public view, the personal part's digest and the hash.
func BenchmarkChainLink(b *testing.B) {
	log, e := rooms.RoomLog("plenary"), raisedHand()
	head := rooms.Genesis(log, e.Time)
	seq := uint64(1)
	for b.Loop() {
		out, err := rooms.Link(log, seq, head, []rooms.Event{e})
		if err != nil {
			b.Fatal(err)
		}
		seq, head = seq+1, out[0].Hash
	}
}

// BenchmarkAppendEvent appends one event at a time to the embedded store,
// each fsynced, as a command does: unhashed, and chained first.
func BenchmarkAppendEvent(b *testing.B) {
	for _, chained := range []bool{false, true} {
		name := "unhashed"
		if chained {
			name = "chained"
		}
		b.Run(name, func(b *testing.B) {
			store, err := filestore.OpenWithOptions(b.TempDir(), filestore.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			log, e := rooms.RoomLog("plenary"), raisedHand()
			seq, head := uint64(0), ""
			for b.Loop() {
				evs := []rooms.Event{e}
				if chained {
					if evs, err = rooms.Link(log, seq, head, evs); err != nil {
						b.Fatal(err)
					}
				}
				out, err := store.Append(b.Context(), log, seq, evs)
				if err != nil {
					b.Fatal(err)
				}
				seq, head = out[0].Seq, out[0].Hash
			}
		})
	}
}
