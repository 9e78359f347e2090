package rooms_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

func TestInterpretationIsInTheSnapshotAndTheLog(t *testing.T) {
	ctx := context.Background()
	svc, _ := transcriptsOn(t, embeddedStore(t), true)
	booth := rooms.Participant{Sub: "booth-fr", Name: "Booth FR", Role: rooms.RoleInterpreter, Lang: "fr"}
	interpreted := func() []string {
		t.Helper()
		snap, err := svc.Snapshot(ctx, "plenary")
		if err != nil {
			t.Fatal(err)
		}
		return snap.Interpretation
	}
	if got := interpreted(); got == nil || len(got) != 0 {
		t.Fatalf("a new room's interpretation = %#v, want []", got)
	}
	set := func(lang string, on bool) {
		t.Helper()
		if err := svc.SetInterpreted(ctx, "plenary", booth, lang, on); err != nil {
			t.Fatal(err)
		}
	}
	set("fr", true)
	set("fr", true) // the same fact again appends nothing
	set("es", true)
	set("ar", false) // never started: nothing to stop
	if got := interpreted(); !slices.Equal(got, []string{"es", "fr"}) {
		t.Fatalf("interpretation = %v, want [es fr]", got)
	}
	set("fr", false)
	if got := interpreted(); !slices.Equal(got, []string{"es"}) {
		t.Fatalf("interpretation = %v, want [es]", got)
	}
	evs, err := svc.Events(ctx, "plenary", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{rooms.EvInterpretationStarted, rooms.EvInterpretationStarted, rooms.EvInterpretationStopped}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	if evs[0].Actor.Sub != "booth-fr" {
		t.Fatalf("actor = %+v", evs[0].Actor)
	}
	var st rooms.State
	for _, e := range evs {
		st.Apply(e)
	}
	if ch := st.Changes(rooms.EvInterpretationStopped, t0); !slices.Equal(ch[rooms.KeyInterpretation].([]string), []string{"es"}) {
		t.Fatalf("changes = %v", ch)
	}
	if err := svc.SetInterpreted(ctx, "plenary", booth, "Not a tag", true); !errors.Is(err, rooms.ErrInvalid) {
		t.Fatalf("a bad language: %v", err)
	}

	// Closing the room ends every interpretation, and none starts after.
	if _, err := svc.Execute(ctx, "plenary", chair, rooms.Command{Type: rooms.CmdCloseRoom}); err != nil {
		t.Fatal(err)
	}
	set("de", true)
	if got := interpreted(); len(got) != 0 {
		t.Fatalf("a closed room's interpretation = %v", got)
	}
}
