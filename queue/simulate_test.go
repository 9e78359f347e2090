package queue_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/parley-hub/parley/queue"
)

// simulateMeeting plays a meeting the way a room runs one: open hands hands
// at the start, perTurn more raised during each turn, turns fixed 2-minute
// turns each given to the head of the queue. 70% of the hands come from the
// private sector and 75% from men. It returns the record and the targets the
// policy balanced against at the end.
func simulateMeeting(p queue.Policy, seed uint64, open, turnCount, perTurn int) (queue.Record, map[string]map[string]float64) {
	rng := rand.New(rand.NewPCG(seed, 2014))
	others := []string{"government", "civil-society", "technical-community", "academia"}
	raised := 0
	hand := func(now time.Time) queue.Request {
		raised++
		group, gender := "private-sector", "man"
		if rng.Float64() >= 0.70 {
			group = others[rng.IntN(len(others))]
		}
		if rng.Float64() >= 0.75 {
			gender = "woman"
		}
		return queue.Request{
			ID:         fmt.Sprintf("hand-%03d", raised),
			Kind:       queue.KindSpeak,
			RaisedAt:   now.Add(time.Duration(raised) * time.Second),
			Categories: map[string]string{queue.DimGroup: group, queue.DimGender: gender},
		}
	}

	var pending []queue.Request
	for range open {
		pending = append(pending, hand(t0))
	}
	rec := queue.Record{}
	for turn := range turnCount {
		speaker := queue.Order(queue.Input{Pending: pending, Record: rec, Policy: p})[0].Request
		pending = speaks(rec, pending, speaker, 120)
		now := t0.Add(time.Duration(turn) * 2 * time.Minute)
		for range perTurn {
			pending = append(pending, hand(now))
		}
	}
	return rec, queue.TargetShares(p, rec, pending)
}

// speaks records that speaker spoke for seconds and returns pending
// without them, each earlier request passed once more, as the room counts
// it: a later hand was given the floor.
func speaks(rec queue.Record, pending []queue.Request, speaker queue.Request, seconds float64) []queue.Request {
	for d, c := range speaker.Categories {
		if rec[d] == nil {
			rec[d] = map[string]queue.Tally{}
		}
		tally := rec[d][c]
		tally.Turns++
		tally.Seconds += seconds
		rec[d][c] = tally
	}
	waiting := pending[:0]
	for _, r := range pending {
		if r.ID == speaker.ID {
			continue
		}
		if r.RaisedAt.Before(speaker.RaisedAt) {
			r.Passes++
		}
		waiting = append(waiting, r)
	}
	return waiting
}
