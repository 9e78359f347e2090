package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestPeopleShareOneBucketEachAndCapConnections(t *testing.T) {
	p := NewPeople(Limits{Rate: 1, Burst: 3, MaxConns: 2})
	for i := range 3 {
		if !p.Allow("amina", t0) {
			t.Fatalf("message %d of a burst of 3 refused", i+1)
		}
	}
	if p.Allow("amina", t0) || !p.Allow("carlos", t0) {
		t.Fatal("amina's fourth message at once was allowed, or carlos paid for it")
	}
	if !p.Allow("amina", t0.Add(time.Second)) {
		t.Fatal("a second later amina has a token again")
	}
	if !p.Connect("amina", t0) || !p.Connect("amina", t0) || p.Connect("amina", t0) {
		t.Fatal("want two connections and no third")
	}
	p.Disconnect("amina")
	if !p.Connect("amina", t0) {
		t.Fatal("a closed connection did not free its place")
	}
	if d := NewPeople(Limits{}); d.limits != (Limits{Rate: DefaultRate, Burst: 2 * DefaultRate, MaxConns: DefaultMaxConns}) {
		t.Errorf("defaults = %+v", d.limits)
	}
}

// Idle people are forgotten once the map has grown, so a stream of new
// subjects costs memory for the active ones only; a person with a live
// connection, or still short of tokens, is kept.
func TestPeopleForgetsTheIdle(t *testing.T) {
	p := NewPeople(Limits{Rate: 1, Burst: 2, MaxConns: 2})
	p.Connect("connected", t0)
	for i := range 1500 {
		p.Allow(fmt.Sprint("early-", i), t0)
	}
	later := t0.Add(time.Hour)
	p.Allow("busy", later)
	p.Allow("busy", later)
	for i := range 1500 {
		p.Allow(fmt.Sprint("late-", i), later)
	}
	if n := len(p.bySub); n > 1600 {
		t.Errorf("%d people kept, want the late ones only", n)
	}
	if p.bySub["connected"] == nil || p.bySub["busy"] == nil {
		t.Errorf("a connected or spent person was forgotten")
	}
	if p.Allow("busy", later) {
		t.Errorf("forgetting refilled a spent bucket")
	}
}

func TestACostlyRequestSpendsMoreOfTheBudget(t *testing.T) {
	p := NewPeople(Limits{Rate: 1, Burst: 20})
	if !p.Spend("amina", 10, t0) || !p.Spend("amina", 10, t0) || p.Spend("amina", 10, t0) {
		t.Fatal("want two costs of 10 out of a burst of 20, and no third")
	}
	if p.Allow("amina", t0) {
		t.Fatal("the costly requests left a token")
	}
	// A cost above the burst spends the whole burst.
	small := NewPeople(Limits{Rate: 1, Burst: 3})
	if !small.Spend("amina", 10, t0) || small.Allow("amina", t0) {
		t.Fatal("a cost above the burst: want it allowed once the bucket is full, and nothing left")
	}
}
