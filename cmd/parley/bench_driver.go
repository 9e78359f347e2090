package main

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
	// driverAgenda sets the agenda item to a new title each time: one small
	// event whose changes carry only agenda_item. It measures the fan-out
	// itself.
	driverAgenda = "agenda"
	// driverHand has the driver raise a hand and withdraw it, alternately:
	// each event's changes carry the ordered queue (and, on raising, the
	// balance), as a real meeting's events do.
	driverHand = "hand"
)

// driverCommands gives, per driver, the body of command i.
var driverCommands = map[string]func(i int) string{
	driverAgenda: func(i int) string {
		return fmt.Sprintf(`{"type":"set_agenda_item","title":"Bench agenda item %d"}`, i+1)
	},
	driverHand: func(i int) string {
		if i%2 == 0 {
			return `{"type":"raise_hand","kind":"speak","note":"bench"}`
		}
		return `{"type":"withdraw"}`
	},
}

// benchCommandResult is one driven command.
type benchCommandResult struct {
	dueNs  int64 // when the schedule said to send it (Unix nanoseconds)
	sentNs int64 // when it was sent; later than dueNs if the previous one was slow
	rttNs  int64 // the POST's round trip: decide, append to the journal, answer
	seqs   []uint64
	err    error
}

// prepareDriver leaves the room as the driver needs it: for the hand
// driver, no request of the driver's own left over from an interrupted run.
// It runs before clients connect, so what it appends is no one's concern.
func prepareDriver(ctx context.Context, hc *http.Client, cfg benchConfig, token string) error {
	if cfg.Driver != driverHand {
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
// commands depend on each other; lateness is recorded for each.
func drive(ctx context.Context, hc *http.Client, cfg benchConfig, token string) []benchCommandResult {
	url := cfg.apiURL("/rooms/" + cfg.Room + "/commands")
	body := driverCommands[cfg.Driver]
	start := time.Now()
	var results []benchCommandResult
	for i := 0; cfg.Events == 0 || i < cfg.Events; i++ {
		due := start.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))
		if cfg.Duration > 0 && due.Sub(start) >= cfg.Duration {
			break
		}
		if !sleepUntil(ctx, due) {
			break
		}
		r := benchCommandResult{dueNs: due.UnixNano(), sentNs: time.Now().UnixNano()}
		status, answer, err := apiCall(ctx, hc, url, token, body(i))
		r.rttNs = time.Now().UnixNano() - r.sentNs
		switch {
		case err != nil:
			r.err = fmt.Errorf("command %d: %w", i+1, err)
		case status != http.StatusOK:
			r.err = fmt.Errorf("command %d: HTTP %d: %s", i+1, status, strings.TrimSpace(string(answer)))
		default:
			r.seqs, r.err = appendedSeqs(answer)
			if r.err != nil {
				r.err = fmt.Errorf("command %d: %w", i+1, r.err)
			}
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
