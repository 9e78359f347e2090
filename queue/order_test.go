package queue_test

import (
	"slices"
	"testing"

	"github.com/parley-hub/parley/queue"
)

func TestOrderTakesPointsOfOrderThenReplies(t *testing.T) {
	pending := []queue.Request{
		req("speak-1", 1, "group=civil-society"),
		withKind(req("reply-2", 5), queue.KindReply),
		withKind(req("order-2", 7), queue.KindPointOfOrder),
		withKind(req("reply-1", 3), queue.KindReply),
		withKind(req("odd", 0), "question"), // unknown kinds queue as speakers
		withKind(req("order-1", 6), queue.KindPointOfOrder),
	}
	for _, kind := range []string{queue.PolicyFIFO, queue.PolicyRotate, queue.PolicyBalanced} {
		t.Run(kind, func(t *testing.T) {
			out := queue.Order(queue.Input{Pending: pending, Policy: queue.Policy{Kind: kind}})
			got := reasons(out)[:4]
			want := []string{
				"order-1: point of order: taken before other speakers",
				"order-2: point of order: taken before other speakers",
				"reply-1: reply: taken after points of order",
				"reply-2: reply: taken after points of order",
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %q\nwant %q", got, want)
			}
			if rest := ids(out[4:]); len(rest) != 2 || !slices.Contains(rest, "odd") || !slices.Contains(rest, "speak-1") {
				t.Errorf("speakers after them: %v", rest)
			}
		})
	}
}

func TestFIFO(t *testing.T) {
	pending := []queue.Request{
		req("c", 2, "group=government"),
		req("b", 1, "group=civil-society"),
		req("a", 2, "group=private-sector"), // same minute as c: ID decides
	}
	out := queue.Order(queue.Input{Pending: pending, Policy: queue.Policy{Kind: queue.PolicyFIFO}})
	want := []string{
		"b: first come, first served: asked at 09:01:00 UTC",
		"a: first come, first served: asked at 09:02:00 UTC",
		"c: first come, first served: asked at 09:02:00 UTC",
	}
	if got := reasons(out); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if !slices.Equal(slots(out), []int{-1, -1, -1}) {
		t.Errorf("fifo slots %v, want -1", slots(out))
	}
	if pending[0].ID != "c" {
		t.Error("Order reordered the caller's pending slice")
	}
}

func TestOrderWithZeroPolicyIsBalancedWithDefaults(t *testing.T) {
	in := queue.Input{
		Pending: []queue.Request{
			req("a", 1, "group=private-sector", "gender=man"),
			req("b", 2, "group=civil-society", "gender=woman"),
		},
		Record: turns(nil, "group", map[string]int{"private-sector": 5, "civil-society": 1}),
	}
	zero := queue.Order(in)
	in.Policy = queue.Presets()["balanced"]
	if def := queue.Order(in); !slices.Equal(reasons(zero), reasons(def)) {
		t.Errorf("zero policy gave %q, balanced preset %q", reasons(zero), reasons(def))
	}
	if ids(zero)[0] != "b" {
		t.Errorf("zero policy did not balance: %q", reasons(zero))
	}
}

func TestOrderWithInvalidPolicyIsFirstComeFirstServed(t *testing.T) {
	in := queue.Input{
		Pending: []queue.Request{req("b", 2, "group=civil-society"), req("a", 1, "group=private-sector")},
		Record:  turns(nil, "group", map[string]int{"private-sector": 9}),
		Policy:  queue.Policy{Kind: "lifo"},
	}
	if got := ids(queue.Order(in)); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("got %v, want arrival order", got)
	}
}

func TestOrderOfNothing(t *testing.T) {
	for _, kind := range []string{queue.PolicyFIFO, queue.PolicyRotate, queue.PolicyBalanced} {
		if out := queue.Order(queue.Input{Policy: queue.Policy{Kind: kind}}); len(out) != 0 {
			t.Errorf("%s: empty input gave %v", kind, out)
		}
	}
}

func TestLabel(t *testing.T) {
	for in, want := range map[string]string{
		"private-sector":          "private sector",
		"civil-society":           "civil society",
		"latin-america-caribbean": "Latin America and the Caribbean",
		"western-europe-others":   "Western Europe and others",
		"woman":                   "women",
		"non-binary":              "non-binary speakers",
		"in-room":                 "in-room participants",
		"hub":                     "hubs",
		"youth":                   "youth", // room-configured categories print as they are
	} {
		if got := queue.Label(in); got != want {
			t.Errorf("Label(%q) = %q, want %q", in, got, want)
		}
	}
}
