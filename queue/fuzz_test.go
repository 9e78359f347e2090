package queue_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
)

// bytesSource hands out fuzz bytes, then zeros.
type bytesSource []byte

func (s *bytesSource) next() int {
	if len(*s) == 0 {
		return 0
	}
	b := (*s)[0]
	*s = (*s)[1:]
	return int(b)
}

// pick returns one of options, or "" (no category) for the byte just past
// them, and a category no table knows for the one after.
func (s *bytesSource) pick(options []string) string {
	i := s.next() % (len(options) + 2)
	switch {
	case i < len(options):
		return options[i]
	case i == len(options):
		return ""
	default:
		return "odd-" + options[0]
	}
}

// fuzzInput builds from data pending requests, a record, a cursor and,
// mostly, the time to plan from.
func fuzzInput(data []byte) queue.Input {
	s := bytesSource(data)
	var in queue.Input
	kinds := []string{string(queue.KindSpeak), string(queue.KindPointOfOrder), string(queue.KindReply)}
	n := s.next() % 80
	for i := range n {
		r := queue.Request{
			ID:       fmt.Sprintf("r%02d", i),
			Kind:     queue.RequestKind(s.pick(kinds)),
			RaisedAt: t0.Add(time.Duration(s.next()) * time.Second),
			Passes:   s.next() - 8,
			Expected: time.Duration(s.next()-16) * 10 * time.Second,
		}
		r.Categories = map[string]string{}
		for _, d := range dims {
			if c := s.pick(d.cats); c != "" {
				r.Categories[d.name] = c
			}
		}
		in.Pending = append(in.Pending, r)
	}
	in.Record = queue.Record{}
	for range s.next() % 12 {
		d := dims[s.next()%len(dims)]
		if in.Record[d.name] == nil {
			in.Record[d.name] = map[string]queue.Tally{}
		}
		turns := s.next() - 4
		in.Record[d.name][s.pick(d.cats)] = queue.Tally{Turns: turns, Seconds: float64(turns*s.next()) / 2}
	}
	in.Cursor = s.next() - 128
	if at := s.next(); at%5 != 0 {
		in.Now = t0.Add(time.Duration(at*8-200) * time.Second)
	}
	return in
}

func FuzzOrder(f *testing.F) {
	f.Add([]byte{12, 0, 1, 3, 2, 1, 0, 1, 0, 2, 9, 3, 4, 1, 2, 0, 3, 5, 2, 1}, []byte(`{"kind":"balanced","max_passes":2}`))
	f.Add([]byte{30, 1, 1, 1, 1, 1, 1, 1, 1, 7, 7, 7, 7, 7}, []byte(`{"kind":"rotate"}`))
	f.Add([]byte{5, 0, 0, 0, 0}, []byte(`{"kind":"rotate","pattern":["woman","remote","hub","in-room"]}`))
	f.Add([]byte{40, 2, 200, 3}, []byte(`{"kind":"fifo"}`))
	f.Add([]byte{8, 0, 10, 30}, []byte(`{"measure":"turns","weights":{"group":2,"gender":0},"targets":{"group":{"academia":0.5}}}`))
	f.Add([]byte{}, []byte(`{"kind":"lifo","max_passes":-1}`))
	f.Add([]byte{3}, []byte(`{}`))
	f.Add([]byte{20, 0, 1, 3, 9, 1, 0, 1, 0, 40, 9, 3, 4, 1, 2, 0, 3, 5, 2, 1, 7}, []byte(`{"max_wait_s":600}`))
	f.Fuzz(func(t *testing.T, data, policyJSON []byte) {
		in := fuzzInput(data)
		var p queue.Policy
		if json.Unmarshal(policyJSON, &p) != nil {
			return
		}
		n, err := p.Normalize()
		if err != nil {
			if !errors.Is(err, queue.ErrInvalidPolicy) {
				t.Fatalf("Normalize error %v does not wrap ErrInvalidPolicy", err)
			}
		} else if again, err := n.Normalize(); err != nil || !reflect.DeepEqual(again, n) {
			t.Fatalf("normalizing %+v again gave %+v, %v", n, again, err)
		}
		in.Policy = p
		checkInvariants(t, in, queue.Order(in))
	})
}
