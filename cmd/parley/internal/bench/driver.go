package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Drivers: which commands the chair fires. Both keep the room small, so
// the last event costs the server as much as the first.
const (
	// DriverAgenda sets the agenda item to a new title each time: one small
	// event whose changes carry only agenda_item. It measures the fan-out
	// itself.
	DriverAgenda = "agenda"
	// DriverHand has the driver raise a hand and withdraw it, alternately:
	// each event's changes carry the ordered queue (and, on raising, the
	// balance), as a real meeting's events do.
	DriverHand = "hand"
)

// driverCommands gives, per driver, the body of command i.
var driverCommands = map[string]func(i int) string{
	DriverAgenda: func(i int) string {
		return fmt.Sprintf(`{"type":"set_agenda_item","title":"Bench agenda item %d"}`, i+1)
	},
	DriverHand: func(i int) string {
		if i%2 == 0 {
			return `{"type":"raise_hand","kind":"speak","note":"bench"}`
		}
		return `{"type":"withdraw"}`
	},
}

// commandResult is one driven command.
type commandResult struct {
	dueNs  int64 // when the schedule said to send it (Unix nanoseconds)
	sentNs int64 // when it was sent; later than dueNs if the previous one was slow
	rttNs  int64 // the POST's round trip: decide, append to the journal, answer
	seqs   []uint64
	// segments are, for a caption post, the segments it changed as its
	// answer gave them: each viewer must get each of them as it is there.
	segments []postedSegment
	err      error
}

// postedSegment is a segment as a caption post's answer gives it.
type postedSegment struct {
	ID    uint64 `json:"id"`
	Seq   uint64 `json:"seq"`
	Final bool   `json:"final"`
}

// action sends command i and says what it appended: the log seqs,
// and for a caption post the segments.
type action func(ctx context.Context, i int) ([]uint64, []postedSegment, error)

// roomCommands is the action of the ws kind: the chair's command i of the
// configured driver, through the HTTP API.
func roomCommands(hc *http.Client, cfg Config, token string) action {
	url := cfg.apiURL("/rooms/" + cfg.Room + "/commands")
	body := driverCommands[cfg.Driver]
	return func(ctx context.Context, i int) ([]uint64, []postedSegment, error) {
		status, answer, err := apiCall(ctx, hc, url, token, body(i))
		switch {
		case err != nil:
			return nil, nil, err
		case status != http.StatusOK:
			return nil, nil, fmt.Errorf("HTTP %d: %s", status, strings.TrimSpace(string(answer)))
		}
		seqs, err := appendedSeqs(answer)
		return seqs, nil, err
	}
}

// prepareDriver leaves the room as the driver needs it: for the hand
// driver, no request of the driver's own left over from an interrupted run.
// It runs before clients connect, so what it appends is no one's concern.
func prepareDriver(ctx context.Context, hc *http.Client, cfg Config, token string) error {
	if cfg.Driver != DriverHand {
		return nil
	}
	status, body, err := apiCall(ctx, hc, cfg.apiURL("/rooms/"+cfg.Room+"/commands"), token, `{"type":"withdraw"}`)
	if err != nil {
		return fmt.Errorf("bench: prepare driver: %w", err)
	}
	if status != http.StatusOK && status != http.StatusConflict {
		return fmt.Errorf("bench: prepare driver: HTTP %d: %s", status, strings.TrimSpace(string(body)))
	}
	return nil
}

// drive fires the commands on a constant schedule: command i is due at
// start + i/rate whatever happened to command i-1, so a slow server shows
// up as lateness instead of quietly lowering the load (coordinated
// omission). One command is in flight at a time, because the hand driver's
// commands depend on each other and caption posts are numbered in order;
// lateness is recorded for each.
func drive(ctx context.Context, cfg Config, act action) []commandResult {
	start := time.Now()
	var results []commandResult
	for i := 0; cfg.Events == 0 || i < cfg.Events; i++ {
		due := start.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))
		if cfg.Duration > 0 && due.Sub(start) >= cfg.Duration {
			break
		}
		if !sleepUntil(ctx, due) {
			break
		}
		r := commandResult{dueNs: due.UnixNano(), sentNs: time.Now().UnixNano()}
		seqs, segs, err := act(ctx, i)
		r.rttNs = time.Now().UnixNano() - r.sentNs
		r.seqs, r.segments = seqs, segs
		if err != nil {
			r.err = fmt.Errorf("command %d: %w", i+1, err)
		}
		results = append(results, r)
		if ctx.Err() != nil {
			break
		}
	}
	return results
}

// appendedSeqs reads the seqs of the events a command appended from the
// API's answer ({"seq":N,"events":[...]}).
func appendedSeqs(answer []byte) ([]uint64, error) {
	var res struct {
		Events []struct {
			Seq uint64 `json:"seq"`
		} `json:"events"`
	}
	if err := json.Unmarshal(answer, &res); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	if len(res.Events) == 0 {
		return nil, fmt.Errorf("the answer lists no events")
	}
	seqs := make([]uint64, len(res.Events))
	for i, e := range res.Events {
		seqs[i] = e.Seq
	}
	return seqs, nil
}

// sleepUntil waits for t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
