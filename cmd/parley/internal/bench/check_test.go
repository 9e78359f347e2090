package bench

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"
)

func benchTimeAt(ms int) time.Time {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
}

func TestURLsAreUnderTheBase(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:8080/prefix/")
	cfg := Config{BaseURL: u, Room: "plenary-1"}
	if got, want := cfg.wsURL(0), "ws://127.0.0.1:8080/prefix/api/v1/rooms/plenary-1/ws"; got != want {
		t.Errorf("wsURL = %s, want %s", got, want)
	}
	if got, want := cfg.apiURL("/rooms"), "http://127.0.0.1:8080/prefix/api/v1/rooms"; got != want {
		t.Errorf("apiURL = %s, want %s", got, want)
	}
}

func TestBenchRefusesNonLoopbackTargets(t *testing.T) {
	for _, tc := range []struct {
		url         string
		allowRemote bool
		ok          bool
	}{
		{"http://127.0.0.1:8080", false, true},
		{"http://127.9.9.9:8080", false, true},
		{"http://[::1]:8080", false, true},
		{"http://localhost:8080", false, true},
		{"https://127.0.0.1/prefix", false, true},
		{"http://10.0.0.1:8080", false, false},
		{"http://example.org", false, false},
		{"http://example.org", true, true},
		{"ftp://127.0.0.1", false, false},
		{"http://user:pw@127.0.0.1", false, false},
		{"http://127.0.0.1?access_token=x", false, false},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		err = checkTarget(context.Background(), u, tc.allowRemote)
		if (err == nil) != tc.ok {
			t.Errorf("checkTarget(%s, allowRemote=%v) = %v, want ok=%v", tc.url, tc.allowRemote, err, tc.ok)
		}
	}
}

// benchClientWith is a joined client that received events with these seqs
// after a snapshot at snapSeq.
func benchClientWith(snapSeq uint64, seqs ...uint64) *client {
	c := newClient(0, len(seqs))
	c.handle(snapshotFrame(snapSeq), benchTimeAt(0))
	for i, s := range seqs {
		c.handle(eventFrame(s, benchTimeAt(0)), benchTimeAt(i+1))
	}
	return c
}

func TestTallyCountsMissingDuplicateAndForeignEvents(t *testing.T) {
	cmds := []commandResult{
		{seqs: []uint64{11}}, {seqs: []uint64{12}}, {seqs: []uint64{13}},
		{err: errors.New("HTTP 409")}, // failed: nothing expected of it
	}
	clients := []*client{
		benchClientWith(10, 11, 12, 13),         // perfect
		benchClientWith(10, 11, 13),             // lost 12
		benchClientWith(10, 11, 12, 12, 13),     // 12 twice
		benchClientWith(10, 11, 12, 14, 13),     // 14 foreign, then 13 out of order
		{dialErr: errors.New("refused")},        // never joined: not counted
		benchClientWith(10, 11, 12, 13, 11, 11), // replays after the end
	}
	d := tallyDelivery(clients, cmds)
	if d.EventsSent != 3 || d.Expected != 15 {
		t.Errorf("sent %d, expected %d; want 3, 15", d.EventsSent, d.Expected)
	}
	if d.Delivered != 13 || d.Missing != 2 || d.ClientsMissingEvents != 2 {
		t.Errorf("delivered %d, missing %d in %d clients; want 13, 2 in 2", d.Delivered, d.Missing, d.ClientsMissingEvents)
	}
	if d.DuplicateOrOutOfOrder != 4 || d.Foreign != 1 {
		t.Errorf("duplicate/out of order %d, foreign %d; want 4, 1", d.DuplicateOrOutOfOrder, d.Foreign)
	}
	if len(d.fromEvent) != d.Delivered || len(d.fromSchedule) != d.Delivered {
		t.Errorf("latency samples %d and %d, want %d", len(d.fromEvent), len(d.fromSchedule), d.Delivered)
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	ns := make([]int64, 1000)
	for i := range ns {
		ns[i] = int64(1000-i) * 1e6 // 1..1000 ms, reversed
	}
	l := summarize(ns)
	if l.Count != 1000 || l.P50Ms != 500 || l.P95Ms != 950 || l.P99Ms != 990 || l.P999Ms != 999 || l.MaxMs != 1000 {
		t.Errorf("summarize = %+v", l)
	}
	if got := percentile([]int64{7}, 99.9); got != 7 {
		t.Errorf("percentile of one sample = %d", got)
	}
}
