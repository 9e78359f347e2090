package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// LateJoin is one late viewer's fetch of the channel's recent history.
type LateJoin struct {
	// TotalMs runs over the live protocol from starting to dial to having
	// read the whole `segments` message; over HTTP from sending the request
	// on a new connection to having read the whole answer.
	TotalMs float64 `json:"total_ms"`
	// RequestMs (live) runs from sending the transcript request;
	// FirstByteMs (HTTP) to the answer's headers.
	RequestMs   float64 `json:"request_ms,omitempty"`
	FirstByteMs float64 `json:"first_byte_ms,omitempty"`
	Bytes       int     `json:"bytes"`
	Segments    int     `json:"segments"`
	FirstID     uint64  `json:"first_id"`
	LastID      uint64  `json:"last_id"`
	Unfinished  int     `json:"unfinished,omitempty"` // segments still being written
	Err         string  `json:"error,omitempty"`
}

// LateReport is the late viewers' measurement.
type LateReport struct {
	Asked        int        `json:"backlog_asked"`
	WS           []LateJoin `json:"ws"`
	HTTP         []LateJoin `json:"http"`
	WSMedianMs   float64    `json:"ws_median_ms"`
	HTTPMedianMs float64    `json:"http_median_ms"`
}

// lateJoins times cfg.Late new viewers fetching the last cfg.LateBacklog
// segments, each over the live protocol and then over HTTP, one at a time
// while the viewers (if any) stay connected.
func (r *runner) lateJoins(ctx context.Context, tokens []string) {
	cfg := r.cfg
	late := &LateReport{Asked: cfg.LateBacklog}
	r.rep.Transcript.Late = late
	fmt.Fprintf(r.progress, "bench: timing %d late viewers asking for %d segments\n", cfg.Late, cfg.LateBacklog)
	dialer := newDialer(cfg.DialTimeout)
	for i, token := range tokens {
		if ctx.Err() != nil {
			break
		}
		late.WS = append(late.WS, lateJoinWS(ctx, cfg, dialer, token, i))
		late.HTTP = append(late.HTTP, lateJoinHTTP(ctx, cfg, token))
	}
	late.WSMedianMs, late.HTTPMedianMs = medianTotal(late.WS), medianTotal(late.HTTP)
	for _, p := range checkLateJoins(late, r.posted, r.lastID) {
		r.rep.problem(p)
	}
}

// lateJoinWS is one new live viewer asking for the channel's backlog.
func lateJoinWS(ctx context.Context, cfg Config, dialer *websocket.Dialer, token string, i int) LateJoin {
	c := newClient(-1-i, 0)
	c.follow, c.keepBacklog = transcriptRequest("late", cfg.Lang, cfg.LateBacklog), true
	go c.run(ctx, dialer, cfg.wsURL(0), token)
	timer := time.NewTimer(cfg.DialTimeout + joinGrace)
	defer timer.Stop()
	select {
	case <-c.joined:
	case <-timer.C:
	case <-ctx.Done():
	}
	c.startClose()
	if !waitAll([]*client{c}, closeWait) {
		c.forceClose()
		if !waitAll([]*client{c}, closeWait) {
			panic("bench: a late viewer's reader did not stop after its connection was closed")
		}
	}
	if !c.joinedOK() {
		return LateJoin{Err: failureReason(c)}
	}
	j := LateJoin{
		TotalMs:   nsToMs(int64(c.readyAt.Sub(c.dialStart))),
		RequestMs: nsToMs(int64(c.readyAt.Sub(c.requestAt))),
		Bytes:     len(c.backlogFrame),
	}
	j.check(c.backlogFrame)
	if j.Err == "" && j.Segments != c.backlog {
		j.Err = fmt.Sprintf("the fast count found %d segments, the decoder %d", c.backlog, j.Segments)
	}
	return j
}

// lateJoinHTTP is one new viewer fetching the channel's backlog over HTTP,
// on a connection of its own as a page loading does.
func lateJoinHTTP(ctx context.Context, cfg Config, token string) LateJoin {
	hc := newHTTPClient()
	hc.Transport = &http.Transport{Proxy: nil, DisableKeepAlives: true}
	hc.Timeout = cfg.DialTimeout + joinGrace
	defer hc.CloseIdleConnections()
	q := url.Values{"lang": {cfg.Lang}, "limit": {strconv.Itoa(cfg.LateBacklog)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.apiURL("/rooms/"+url.PathEscape(cfg.Room)+"/transcript")+"?"+q.Encode(), nil)
	if err != nil {
		return LateJoin{Err: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return LateJoin{Err: err.Error()}
	}
	defer resp.Body.Close()
	headers := time.Now()
	data, err := io.ReadAll(resp.Body)
	end := time.Now()
	switch {
	case err != nil:
		return LateJoin{Err: err.Error()}
	case resp.StatusCode != http.StatusOK:
		return LateJoin{Err: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(data[:min(len(data), 300)])))}
	}
	j := LateJoin{TotalMs: nsToMs(int64(end.Sub(start))), FirstByteMs: nsToMs(int64(headers.Sub(start))), Bytes: len(data)}
	j.check(data)
	return j
}

// check decodes a `segments` message or a transcript page, once the timing
// is done, and notes what it holds.
func (j *LateJoin) check(data []byte) {
	var page struct {
		Segments []postedSegment `json:"segments"`
	}
	if err := json.Unmarshal(data, &page); err != nil {
		j.Err = "decode the backlog: " + err.Error()
		return
	}
	j.Segments = len(page.Segments)
	for i, s := range page.Segments {
		if i > 0 && s.ID <= page.Segments[i-1].ID {
			j.Err = fmt.Sprintf("segment %d follows segment %d: the backlog is out of order", s.ID, page.Segments[i-1].ID)
			return
		}
		if !s.Final {
			j.Unfinished++
		}
	}
	if j.Segments > 0 {
		j.FirstID, j.LastID = page.Segments[0].ID, page.Segments[j.Segments-1].ID
	}
}

// checkLateJoins lists what is wrong with the late viewers' fetches: one
// failed, one got other segments than the rest, fewer than the channel
// holds (at least posted), or not up to the last segment posted.
func checkLateJoins(l *LateReport, posted int, lastID uint64) []string {
	var problems []string
	var ref *LateJoin
	for _, set := range []struct {
		via   string
		joins []LateJoin
	}{{"live", l.WS}, {"HTTP", l.HTTP}} {
		for i := range set.joins {
			j := &set.joins[i]
			switch {
			case j.Err != "":
				problems = append(problems, fmt.Sprintf("late viewer %d (%s): %s", i+1, set.via, j.Err))
				continue
			case ref == nil:
				ref = j
			case j.Segments != ref.Segments || j.FirstID != ref.FirstID || j.LastID != ref.LastID:
				problems = append(problems, fmt.Sprintf("late viewer %d (%s) got segments %d..%d (%d), another got %d..%d (%d)",
					i+1, set.via, j.FirstID, j.LastID, j.Segments, ref.FirstID, ref.LastID, ref.Segments))
			}
			if want := min(l.Asked, posted); j.Segments < want {
				problems = append(problems, fmt.Sprintf("late viewer %d (%s) got %d segments; this run alone posted %d and asked for %d", i+1, set.via, j.Segments, posted, l.Asked))
			}
			if lastID > 0 && j.LastID != lastID {
				problems = append(problems, fmt.Sprintf("late viewer %d (%s) got up to segment %d, but the last one posted is %d", i+1, set.via, j.LastID, lastID))
			}
		}
	}
	return problems
}

// medianTotal is the median of the successful joins' total times.
func medianTotal(joins []LateJoin) float64 {
	var ns []int64
	for _, j := range joins {
		if j.Err == "" {
			ns = append(ns, int64(j.TotalMs*1e6))
		}
	}
	if len(ns) == 0 {
		return 0
	}
	slices.Sort(ns)
	return nsToMs(percentile(ns, 50))
}
