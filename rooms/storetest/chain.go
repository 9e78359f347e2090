package storetest

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

// testHashChain runs a room with personal data through a Service over s
// and checks that the log read back chains, in full and in the public
// view, and that the public view does not carry what it withholds.
func testHashChain(t *testing.T, s rooms.Store) {
	ctx := t.Context()
	svc := rooms.NewService(s, slog.New(slog.DiscardHandler), nil)
	chair := rooms.Participant{Sub: "chair", Name: "Chair", Role: rooms.RoleChair}
	amina := rooms.Participant{Sub: "amina", Name: "Amina", Role: rooms.RoleParticipant, Group: "civil-society", Gender: "woman", Mode: rooms.ModeRemote}
	if _, err := svc.Create(ctx, chair, rooms.RoomSpec{ID: "chained", Title: "Chained"}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	for _, step := range []struct {
		who rooms.Participant
		cmd rooms.Command
	}{
		{amina, rooms.Command{Type: rooms.CmdRaiseHand, Note: "a note for the chair"}},
		{chair, rooms.Command{Type: rooms.CmdCallNext}},
		{chair, rooms.Command{Type: rooms.CmdRelease}},
		{chair, rooms.Command{Type: rooms.CmdCloseRoom}},
	} {
		if _, err := svc.Execute(ctx, "chained", step.who, step.cmd); err != nil {
			t.Fatalf("%s: %v", step.cmd.Type, err)
		}
	}
	log := rooms.RoomLog("chained")
	evs := readAll(t, s, log)
	if n, err := rooms.CheckChain(log, evs); err != nil || n != len(evs) {
		t.Fatalf("the full log: chain covers %d of %d events, err %v", n, len(evs), err)
	}
	public := rooms.PublicView.Events(evs)
	sealed := 0
	for _, e := range public {
		if e.Seal != "" {
			t.Fatalf("event %d: the public view carries the seal", e.Seq)
		}
		if e.Personal != "" {
			sealed++
		}
	}
	if sealed == 0 {
		t.Fatal("no event committed a personal part; the raised hand's gender and note should be")
	}
	if n, err := rooms.CheckChain(log, public); err != nil || n != len(evs) {
		t.Fatalf("the public view: chain covers %d of %d events, err %v", n, len(evs), err)
	}
	public[1].Data = []byte(`{"speaker":{"sub":"amina","name":"Amina"}}`)
	var broken *rooms.ChainError
	if _, err := rooms.CheckChain(log, public); !errors.As(err, &broken) || broken.Seq != 2 {
		t.Fatalf("an edited event: CheckChain = %v, want a ChainError at event 2", err)
	}
}
