package rooms_test

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
)

func TestCanonicalJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{``, ``},
		{`{"b": 1, "a": [true, null, "x"]}`, `{"a":[true,null,"x"],"b":1}`},
		{`{"n": 12345678901234567890, "f": -3e10, "g": 2.50}`, `{"f":-3e10,"g":2.50,"n":12345678901234567890}`},
		{`{"t": "<b>&amp;</b> \u00e9"}`, `{"t":"<b>&amp;</b> é"}`},
		{`{"z": {"y": 1, "x": 2}}`, `{"z":{"x":2,"y":1}}`},
	} {
		got, err := rooms.CanonicalJSON(json.RawMessage(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("CanonicalJSON(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
}

// TestChainUpgrade opens a log written before events were hashed: the
// first append starts the chain after the old events, says so, and the
// chain covers everything from there on.
func TestChainUpgrade(t *testing.T) {
	ctx := t.Context()
	store, err := filestore.OpenWithOptions(t.TempDir(), filestore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	log := rooms.RoomLog("old")
	at := time.Date(2014, 4, 23, 9, 0, 0, 0, time.UTC)
	appendLegacy(t, store, log, at, rooms.EvListClosed)
	svc := rooms.NewService(store, slog.New(slog.DiscardHandler), func() time.Time { return at.Add(time.Hour) })
	chair := rooms.Participant{Sub: "chair", Role: rooms.RoleChair}
	res, err := svc.Execute(ctx, "old", chair, rooms.Command{Type: rooms.CmdOpenList})
	if err != nil {
		t.Fatal(err)
	}
	if res.Seq != 4 {
		t.Fatalf("after the command the log is at %d, want 4 (2 old events, the chain's start, the command)", res.Seq)
	}
	evs, err := store.Read(ctx, log, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := types(evs); got[2] != rooms.EvChainStarted || got[3] != rooms.EvListOpened {
		t.Fatalf("events %v: want the chain started before list_opened", got)
	}
	var started rooms.ChainStarted
	decode(t, evs[2], &started)
	if started.After != 2 {
		t.Fatalf("chain_started says it follows event %d, want 2", started.After)
	}
	if n, err := rooms.CheckChain(log, evs); err != nil || n != 2 {
		t.Fatalf("CheckChain covers %d events, err %v; want 2 and nil", n, err)
	}
}

// appendLegacy writes log as Parley did before the chain: the room's
// creation at at, then an event of each of types a minute apart, by the
// chair, none of them hashed.
func appendLegacy(t *testing.T, store rooms.Store, log rooms.LogID, at time.Time, types ...string) {
	t.Helper()
	chair := rooms.Actor{Sub: "chair", Role: rooms.RoleChair}
	created, _ := json.Marshal(rooms.RoomCreated{Title: "Old", TimeLimitS: 120})
	legacy := []rooms.Event{{Time: at, Actor: chair, Type: rooms.EvRoomCreated, Data: created}}
	for i, typ := range types {
		legacy = append(legacy, rooms.Event{Time: at.Add(time.Duration(i+1) * time.Minute), Actor: chair, Type: typ})
	}
	if _, err := store.Append(t.Context(), log, 0, legacy); err != nil {
		t.Fatal(err)
	}
}
