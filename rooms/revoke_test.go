package rooms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

func TestRevocationsAreKeptInTheLog(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	admin := rooms.Participant{Sub: "secretariat", Name: "Secretariat", Role: rooms.RoleAdmin}
	if _, err := r.try(amina, rooms.Command{Type: rooms.CmdRevoke, Sub: "carlos"}); !errors.Is(err, rooms.ErrForbidden) {
		t.Errorf("a participant revokes: %v, want ErrForbidden", err)
	}
	if _, err := r.try(admin, rooms.Command{Type: rooms.CmdRevoke}); !errors.Is(err, rooms.ErrInvalid) {
		t.Errorf("revoke naming nothing: %v, want ErrInvalid", err)
	}
	r.do(admin, rooms.Command{Type: rooms.CmdRevoke, Token: "t-17", Reason: "the link was posted online"})
	r.do(chair, rooms.Command{Type: rooms.CmdRevoke, Sub: "carlos"})
	if _, err := r.try(admin, rooms.Command{Type: rooms.CmdRevoke, Sub: "carlos"}); !errors.Is(err, rooms.ErrState) {
		t.Errorf("revoking twice: %v, want ErrState", err)
	}
	for _, c := range []struct {
		jti, sub string
		want     bool
	}{{"t-17", "amina", true}, {"t-18", "amina", false}, {"", "amina", false}, {"t-1", "carlos", true}, {"", "carlos", true}} {
		if got := r.state.Revoked(c.jti, c.sub); got != c.want {
			t.Errorf("Revoked(%q, %q) = %v, want %v", c.jti, c.sub, got, c.want)
		}
	}
	// The list survives a replay of the log, as on a restart.
	again := rooms.NewState("plenary")
	for _, e := range r.log {
		again.Apply(e)
	}
	list := again.Revocations()
	if len(list) != 2 || list[0].Token != "t-17" || list[0].Reason != "the link was posted online" || list[0].By.Sub != "secretariat" || list[1].Sub != "carlos" {
		t.Errorf("replayed list %+v", list)
	}
	// Only the chair and admins read whose link it was.
	ev := r.log[len(r.log)-1]
	if got := rooms.ViewOf(amina).Event(ev); got.Data != nil {
		t.Errorf("a participant reads %s", got.Data)
	}
	if got := rooms.ViewOf(chair).Event(ev); got.Data == nil {
		t.Error("the chair reads nothing of the revocation")
	}
}

// A context naming a revoked holder is refused on the service's own read
// of the room, before anything is shown or decided; one naming nobody, or
// a holder the list does not name, is served.
func TestTheServiceRefusesARevokedHolder(t *testing.T) {
	svc, tr := transcriptsOn(t, embeddedStore(t), true)
	bg := context.Background()
	if _, err := svc.Execute(bg, "plenary", chair, rooms.Command{Type: rooms.CmdRevoke, Token: "t-17"}); err != nil {
		t.Fatal(err)
	}
	revoked := rooms.WithHolder(bg, rooms.Holder{Token: "t-17", Sub: "amina"})
	reissued := rooms.WithHolder(bg, rooms.Holder{Token: "t-18", Sub: "amina"})
	refused := func(what string, err error) {
		t.Helper()
		var ref *rooms.Refusal
		if !errors.Is(err, rooms.ErrRevoked) || !errors.As(err, &ref) || ref.Reason != "token_revoked" {
			t.Errorf("%s: %v, want a token_revoked refusal", what, err)
		}
	}
	ran := false
	refused("View", svc.View(revoked, "plenary", func(*rooms.State) { ran = true }))
	if ran {
		t.Error("View ran fn for a revoked holder")
	}
	_, err := svc.Execute(revoked, "plenary", amina, rooms.Command{Type: rooms.CmdRaiseHand})
	refused("Execute", err)
	_, err = svc.Snapshot(revoked, "plenary")
	refused("Snapshot", err)
	_, err = svc.Events(revoked, "plenary", 0, 0)
	refused("Events", err)
	refused("Transcripts.View", tr.View(revoked, "plenary", rooms.FloorLanguage, func(*rooms.Channel) {}))

	for _, ctx := range []context.Context{bg, reissued} {
		if _, err := svc.Execute(ctx, "plenary", amina, rooms.Command{Type: rooms.CmdRaiseHand}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Execute(ctx, "plenary", amina, rooms.Command{Type: rooms.CmdWithdraw}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Events(ctx, "plenary", 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	// A room that is not there is not there, revoked or not.
	if err := svc.View(revoked, "nowhere", func(*rooms.State) {}); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("no such room: %v, want ErrNotFound", err)
	}
}
