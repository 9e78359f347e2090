package rooms_test

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

// Disclosed lists whose personal data a JSON value shows: subs whose declared
// gender appears beside them, subs whose note ("note of SUB") appears, and
// gender categories a reason names.
type disclosed struct {
	genders, notes, reasons map[string]bool
}

func disclosures(t testing.TB, v any) disclosed {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	d := disclosed{genders: map[string]bool{}, notes: map[string]bool{}, reasons: map[string]bool{}}
	d.walk(tree, "")
	return d
}

func (d disclosed) walk(v any, key string) {
	switch v := v.(type) {
	case map[string]any:
		if sub, ok := v["sub"].(string); ok {
			if g, _ := v["gender"].(string); g != "" {
				d.genders[sub] = true
			}
		}
		if w, ok := v["why"].(map[string]any); ok && (w["code"] == queue.WhyShare || w["code"] == queue.WhyBefore || w["code"] == queue.WhyAfter) {
			if c, _ := w["category"].(string); isGender(c) {
				d.reasons[c] = true
			}
		}
		for k, c := range v {
			if k == "balance" || k == "policy" {
				continue // aggregates and configuration: public
			}
			d.walk(c, k)
		}
	case []any:
		for _, c := range v {
			d.walk(c, key)
		}
	case string:
		if sub, ok := strings.CutPrefix(v, "note of "); ok {
			d.notes[sub] = true
		}
		if key == "reason" || key == "text" {
			for _, g := range rooms.DefaultCategories()[queue.DimGender] {
				if strings.HasPrefix(v, queue.Label(g)+" ") || strings.HasPrefix(v, "taken before "+queue.Label(g)) {
					d.reasons[g] = true
				}
			}
		}
	}
}

func isGender(c string) bool {
	return slices.Contains(rooms.DefaultCategories()[queue.DimGender], c)
}

func withRole(p rooms.Participant, role string) rooms.Participant {
	p.Role = role
	return p
}

// readers is one of each role, and the requesters themselves.
var readers = []rooms.Participant{
	chair, withRole(rooms.Participant{Sub: "admin", Name: "Admin"}, rooms.RoleAdmin),
	amina, carlos, mei, screen,
	withRole(rooms.Participant{Sub: "nairobi", Name: "Nairobi hub", Mode: rooms.ModeHub}, rooms.RoleHub),
	withRole(rooms.Participant{Sub: "cart", Name: "CART"}, rooms.RoleCaptioner),
}

func TestViewShowsPersonalDataToChairsAndTheirOwnersOnly(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	raise := func(p rooms.Participant) {
		r.do(p, rooms.Command{Type: rooms.CmdRaiseHand, Note: "note of " + p.Sub})
	}
	raise(amina)
	raise(carlos)
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(30e9)
	r.do(chair, cmd(rooms.CmdRelease))
	r.do(chair, cmd(rooms.CmdCallNext))
	raise(mei)
	r.do(chair, rooms.Command{Type: rooms.CmdMove, Request: r.snapshot().Queue[0].ID, Position: 1, Reason: "first"})
	r.do(amina, rooms.Command{Type: rooms.CmdRaiseHand, Kind: string(queue.KindPointOfOrder), Note: "note of amina"})
	for _, e := range r.snapshot().Queue {
		if e.Sub == amina.Sub {
			r.do(amina, rooms.Command{Type: rooms.CmdWithdraw, Request: e.ID})
		}
	}

	people := []rooms.Participant{amina, carlos, mei}
	for _, reader := range readers {
		view := rooms.ViewOf(reader)
		outputs := map[string]any{
			"snapshot":      view.Snapshot(r.snapshot()),
			"events":        view.Events(r.log),
			"interventions": view.Interventions(r.state.Interventions()),
		}
		for _, e := range r.log {
			outputs["changes of "+e.Type] = view.Changes(r.state.Changes(e.Type, r.now))
		}
		all := disclosures(t, outputs)
		for _, p := range people {
			may := reader.Role == rooms.RoleChair || reader.Role == rooms.RoleAdmin || reader.Sub == p.Sub
			if all.genders[p.Sub] != may {
				t.Errorf("%s (%s) sees %s's gender: %v, want %v", reader.Sub, reader.Role, p.Sub, all.genders[p.Sub], may)
			}
			if all.notes[p.Sub] != may {
				t.Errorf("%s (%s) sees %s's note: %v, want %v", reader.Sub, reader.Role, p.Sub, all.notes[p.Sub], may)
			}
		}
	}
}

func TestViewKeepsPublicDataAndAggregates(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(amina, rooms.Command{Type: rooms.CmdRaiseHand, Note: "note of amina"})
	full, public := r.snapshot(), rooms.ViewOf(screen).Snapshot(r.snapshot())
	got, want := public.Queue[0], full.Queue[0]
	want.Gender, want.Note = "", ""
	if mustJSON(t, got) != mustJSON(t, want) {
		t.Errorf("public entry\n%s\nwant\n%s", mustJSON(t, got), mustJSON(t, want))
	}
	if mustJSON(t, public.Balance) != mustJSON(t, full.Balance) {
		t.Errorf("the balance differs in the public view")
	}
	if full.Queue[0].Gender != "woman" || full.Queue[0].Note == "" {
		t.Errorf("the view changed the snapshot it was given: %+v", full.Queue[0])
	}
}

func TestViewSaysGenderReasonsWithoutTheCategory(t *testing.T) {
	share := queue.Why{Code: queue.WhyShare, Category: "woman", Measure: queue.MeasureTurns, Share: 0.1, Target: 0.5}
	before := queue.Why{Code: queue.WhyBefore, Category: "man", Measure: queue.MeasureTurns, Share: 0.7, Target: 0.5}
	after := queue.Why{Code: queue.WhyAfter, Category: "woman", Measure: queue.MeasureTurns, Share: 0.1, Target: 0.5, Ahead: 1}
	group := queue.Why{Code: queue.WhyShare, Category: "civil-society", Measure: queue.MeasureTurns, Share: 0.1, Target: 0.2}
	entry := func(p rooms.Participant, why queue.Why) rooms.QueueEntry {
		return rooms.QueueEntry{ID: "r-" + p.Sub, Speaker: p.Speaker(), Why: why, Reason: why.Text()}
	}
	entries := []rooms.QueueEntry{entry(amina, share), entry(mei, before), entry(carlos, group), entry(mei, after)}
	general := queue.Why{Code: queue.WhyBelowTarget}
	cases := []struct {
		reader rooms.Participant
		want   []queue.Why // per entry
	}{
		{chair, []queue.Why{share, before, group, after}},
		{amina, []queue.Why{share, general, group, general}},
		{mei, []queue.Why{general, general, group, general}},
		{screen, []queue.Why{general, general, group, general}},
	}
	for _, c := range cases {
		got := rooms.ViewOf(c.reader).Queue(entries)
		for i, e := range got {
			if e.Why != c.want[i] || e.Reason != c.want[i].Text() {
				t.Errorf("%s reads entry %d as %+v %q, want %+v", c.reader.Sub, i, e.Why, e.Reason, c.want[i])
			}
		}
	}

	granted := rooms.Event{Seq: 5, Type: rooms.EvFloorGranted, Data: []byte(mustJSON(t, rooms.FloorGranted{
		Request: "r2", Speaker: amina.Speaker(), By: rooms.ByQueue, Reason: share.Text(),
	}))}
	byChair := granted
	byChair.Data = []byte(mustJSON(t, rooms.FloorGranted{Request: "r2", Speaker: amina.Speaker(), By: rooms.ByChair, Reason: "women have had little"}))
	for _, c := range []struct {
		reader rooms.Participant
		e      rooms.Event
		want   string
	}{
		{chair, granted, share.Text()},
		{amina, granted, share.Text()},
		{screen, granted, queue.Why{Code: queue.WhyBelowTarget}.Text()},
		{screen, byChair, "women have had little"},
	} {
		var d rooms.FloorGranted
		decode(t, rooms.ViewOf(c.reader).Event(c.e), &d)
		if d.Reason != c.want {
			t.Errorf("%s reads the grant's reason as %q, want %q", c.reader.Sub, d.Reason, c.want)
		}
	}
}

func TestTranscriptSpeakersArePublic(t *testing.T) {
	ch := rooms.NewChannel("plenary", "en")
	sp := amina.Speaker()
	ch.Apply(rooms.Event{Seq: 1, Type: rooms.EvSegmentOpened, Data: []byte(mustJSON(t, rooms.SegmentChange{Text: "hello", Speaker: &sp}))})
	segs := ch.Segments(0, 0)
	if len(segs) != 1 || segs[0].Speaker == nil || segs[0].Speaker.Gender != "" || segs[0].Speaker.Group != amina.Group {
		t.Fatalf("segment speaker %+v, want amina's public view", segs[0].Speaker)
	}
}

// A turn the queue gives carries the head's why, and the projection goes
// by it: a gender reason is recognised by its dimension, whatever the
// category (a room's own too) or its English text.
func TestGrantCarriesTheQueuesWhy(t *testing.T) {
	ctx := t.Context()
	svc := rooms.NewService(newForgetful(t), slog.New(slog.DiscardHandler), nil)
	if _, err := svc.Create(ctx, chair, rooms.RoomSpec{ID: "plenary", Policy: &queue.Policy{Kind: queue.PolicyFIFO}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Execute(ctx, "plenary", amina, cmd(rooms.CmdRaiseHand)); err != nil {
		t.Fatal(err)
	}
	snap, err := svc.Snapshot(ctx, "plenary")
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Execute(ctx, "plenary", chair, cmd(rooms.CmdCallNext))
	if err != nil {
		t.Fatal(err)
	}
	var d rooms.FloorGranted
	decode(t, res.Events[len(res.Events)-1], &d)
	if d.Why == nil || *d.Why != snap.Queue[0].Why {
		t.Errorf("floor_granted carries why %+v, want the head's %+v", d.Why, snap.Queue[0].Why)
	}

	before := queue.Why{Code: queue.WhyBefore, Category: "two-spirit", Dimension: queue.DimGender, Measure: queue.MeasureTurns, Share: 0.7, Target: 0.5}
	granted := rooms.Event{Seq: 5, Type: rooms.EvFloorGranted, Data: []byte(mustJSON(t, rooms.FloorGranted{
		Request: "r2", Speaker: amina.Speaker(), By: rooms.ByQueue, Reason: before.Text(), Why: &before,
	}))}
	general := queue.Why{Code: queue.WhyBelowTarget}
	for _, c := range []struct {
		reader rooms.Participant
		want   queue.Why
	}{{chair, before}, {amina, general}, {screen, general}} {
		var d rooms.FloorGranted
		decode(t, rooms.ViewOf(c.reader).Event(granted), &d)
		if d.Why == nil || *d.Why != c.want || d.Reason != c.want.Text() {
			t.Errorf("%s reads the grant before a room's own gender as %+v %q, want %+v", c.reader.Sub, d.Why, d.Reason, c.want)
		}
	}
}
