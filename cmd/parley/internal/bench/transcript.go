package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

// The transcript kind: viewers follow one channel over the live protocol,
// a captioner posts lines to it the way CART software does, and late
// viewers fetch its recent history. Everything else (population, dialling,
// the constant-rate drive, the drain, the tally, the report) is the ws
// kind's.

// prefillBody keeps a batched post under the server's 64 KiB body limit.
const prefillBody = 60 << 10

func (cfg Config) validateTranscript() error {
	switch {
	case !rooms.ValidLanguage(cfg.Lang):
		return fmt.Errorf("bench: --lang %q: use floor or a language tag such as en", cfg.Lang)
	case cfg.Backlog < 0 || cfg.Backlog > protocol.MaxBacklog:
		return fmt.Errorf("bench: --backlog must be between 0 and %d", protocol.MaxBacklog)
	case cfg.Prefill < 0 || cfg.Late < 0:
		return errors.New("bench: --prefill and --late must not be negative")
	case cfg.Late > 0 && (cfg.LateBacklog < 1 || cfg.LateBacklog > protocol.MaxBacklog):
		return fmt.Errorf("bench: --late-backlog must be between 1 and %d", protocol.MaxBacklog)
	case cfg.LateOnly && cfg.Late < 1:
		return errors.New("bench: --late-only needs --late of at least 1")
	}
	return nil
}

// transcriptRequest is the live message that follows lang, asking for
// backlog recent segments (0: the server's default).
func transcriptRequest(id, lang string, backlog int) []byte {
	b, _ := json.Marshal(protocol.ClientMessage{Type: protocol.TypeTranscript, ID: id, Langs: []string{lang}, Backlog: backlog})
	return b
}

// captionsURL is the captions API of the run's channel; seq 0 leaves the
// post unnumbered.
func (cfg Config) captionsURL(seq uint64) string {
	q := url.Values{"lang": {cfg.Lang}}
	if seq > 0 {
		q.Set("seq", strconv.FormatUint(seq, 10))
	}
	return cfg.apiURL("/rooms/"+url.PathEscape(cfg.Room)+"/captions") + "?" + q.Encode()
}

// captionAnswer is the captions API's answer to a post.
type captionAnswer struct {
	CaptionSeq uint64          `json:"caption_seq"`
	Duplicate  bool            `json:"duplicate"`
	Missing    uint64          `json:"missing"`
	Seq        uint64          `json:"seq"`
	Segments   []postedSegment `json:"segments"`
}

// postCaption posts body to the channel as caption seq (0: unnumbered).
func postCaption(ctx context.Context, hc *http.Client, cfg Config, token string, seq uint64, body string) (int, captionAnswer, error) {
	status, data, err := apiSend(ctx, hc, http.MethodPost, cfg.captionsURL(seq), token, "text/plain; charset=utf-8", body)
	if err != nil {
		return 0, captionAnswer{}, err
	}
	if status != http.StatusOK {
		return status, captionAnswer{}, fmt.Errorf("HTTP %d: %s", status, strings.TrimSpace(string(data)))
	}
	var a captionAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return status, captionAnswer{}, fmt.Errorf("decode answer: %w", err)
	}
	return status, a, nil
}

// captionSeqBase is the last caption seq the channel applied: a run's posts
// are numbered after it, so a room reused from an earlier run does not take
// them for retries of that run's posts.
func captionSeqBase(ctx context.Context, hc *http.Client, cfg Config, token string) (uint64, error) {
	u := cfg.apiURL("/rooms/"+url.PathEscape(cfg.Room)+"/captions/seq") + "?" + url.Values{"lang": {cfg.Lang}}.Encode()
	status, data, err := apiSend(ctx, hc, http.MethodGet, u, token, "", "")
	if err != nil {
		return 0, fmt.Errorf("bench: caption seq: %w", err)
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("bench: caption seq: HTTP %d: %s", status, strings.TrimSpace(string(data)))
	}
	var a struct {
		CaptionSeq uint64 `json:"caption_seq"`
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return 0, fmt.Errorf("bench: caption seq: %w", err)
	}
	return a.CaptionSeq, nil
}

// channelHasText reports whether the channel holds a segment: the server
// lets viewers follow only a language somebody has written.
func channelHasText(ctx context.Context, hc *http.Client, cfg Config, token string) (bool, error) {
	q := url.Values{"lang": {cfg.Lang}, "limit": {"1"}}
	status, data, err := apiSend(ctx, hc, http.MethodGet, cfg.apiURL("/rooms/"+url.PathEscape(cfg.Room)+"/transcript")+"?"+q.Encode(), token, "", "")
	if err != nil {
		return false, fmt.Errorf("bench: read the transcript: %w", err)
	}
	if status != http.StatusOK {
		return false, fmt.Errorf("bench: read the transcript: HTTP %d: %s", status, strings.TrimSpace(string(data)))
	}
	var page struct {
		Segments []postedSegment `json:"segments"`
	}
	if err := json.Unmarshal(data, &page); err != nil {
		return false, fmt.Errorf("bench: read the transcript: %w", err)
	}
	return len(page.Segments) > 0, nil
}

// captionLine is the drive's post i: one whole line, so it opens a segment
// and finishes it.
func captionLine(i int) string {
	return fmt.Sprintf("Bench caption %d: the delegation supports the proposal and asks that the text on item %d be read again.\n", i+1, i%17+1)
}

// captionPosts is the action of the transcript kind: the captioner's post
// i, numbered base+i+1, which must open exactly one final segment.
func captionPosts(hc *http.Client, cfg Config, token string, base uint64) action {
	return func(ctx context.Context, i int) ([]uint64, []postedSegment, error) {
		seq := base + uint64(i) + 1
		_, a, err := postCaption(ctx, hc, cfg, token, seq, captionLine(i))
		switch {
		case err != nil:
			return nil, nil, err
		case a.Duplicate:
			return nil, nil, fmt.Errorf("caption seq %d was taken for a retry of a post already applied", seq)
		case len(a.Segments) != 1 || !a.Segments[0].Final:
			return nil, nil, fmt.Errorf("caption seq %d changed %d segments, want one final line: %+v", seq, len(a.Segments), a.Segments)
		}
		seqs := []uint64{a.Segments[0].Seq}
		if a.Missing > 0 {
			// Applied all the same: its viewers get it, the tally counts it
			// foreign, and the run fails on this error.
			return seqs, a.Segments, fmt.Errorf("the server counted %d caption posts missing before seq %d", a.Missing, seq)
		}
		return seqs, a.Segments, nil
	}
}

// PrefillReport is how the channel was filled before the viewers came.
type PrefillReport struct {
	Lines       int     `json:"lines"`
	Posts       int     `json:"posts"`
	RateLimited int     `json:"rate_limited"` // 429s waited out and retried
	ElapsedMs   float64 `json:"elapsed_ms"`
	LinesPerSec float64 `json:"lines_per_second"`
	// ChannelSeq is the channel's seq after the last post, LastID the
	// last segment it opened.
	ChannelSeq    uint64  `json:"channel_seq"`
	LastID        uint64  `json:"last_id"`
	PostRoundTrip Latency `json:"post_round_trip"`
}

// prefill adds n lines to the channel, as many to a post as the body limit
// allows: ten thousand lines are some fifteen posts, well within one
// captioner's burst. Posts are unnumbered, so a retry after a 429 (which
// applied nothing) cannot be taken for a duplicate.
func prefill(ctx context.Context, hc *http.Client, cfg Config, token string, n int) (PrefillReport, error) {
	p := PrefillReport{Lines: n}
	start := time.Now()
	var rtts []int64
	var body strings.Builder
	for line := 0; line < n; {
		body.Reset()
		lines := 0
		for line+lines < n {
			next := fmt.Sprintf("Prefill line %d: the chair thanks the speaker and gives the floor to the next on the list for item %d.\n", line+lines+1, (line+lines)%17+1)
			if body.Len()+len(next) > prefillBody {
				break
			}
			body.WriteString(next)
			lines++
		}
		for {
			sent := time.Now()
			status, a, err := postCaption(ctx, hc, cfg, token, 0, body.String())
			rtts = append(rtts, int64(time.Since(sent)))
			if status == http.StatusTooManyRequests {
				p.RateLimited++
				if !sleepUntil(ctx, time.Now().Add(time.Second)) {
					return p, ctx.Err()
				}
				continue
			}
			if err != nil {
				return p, fmt.Errorf("bench: prefill post %d: %w", p.Posts+1, err)
			}
			if len(a.Segments) != lines {
				return p, fmt.Errorf("bench: prefill post %d of %d lines changed %d segments", p.Posts+1, lines, len(a.Segments))
			}
			p.ChannelSeq = a.Seq
			if lines > 0 {
				p.LastID = a.Segments[lines-1].ID
			}
			break
		}
		p.Posts++
		line += lines
	}
	elapsed := time.Since(start)
	p.ElapsedMs = nsToMs(int64(elapsed))
	p.LinesPerSec = float64(n) / elapsed.Seconds()
	p.PostRoundTrip = summarize(rtts)
	return p, nil
}

// TranscriptReport is what the transcript kind adds to the report.
type TranscriptReport struct {
	Lang string `json:"lang"`
	// CaptionSeqBase is the channel's caption seq before the drive: posts
	// are numbered from the next.
	CaptionSeqBase uint64         `json:"caption_seq_base"`
	Prefill        *PrefillReport `json:"prefill,omitempty"`
	// WarmUp says the channel had no text, so one line was posted before
	// the viewers came: the server lets them follow only a written language.
	WarmUp bool `json:"warm_up_line,omitempty"`
	// ViewerBacklog is what each viewer asked for (0: the server's default);
	// JoinBacklog* what they got on joining, which their join latency pays.
	ViewerBacklog    int `json:"viewer_backlog_asked"`
	JoinBacklogMax   int `json:"join_backlog_segments_max"`
	JoinBacklogTotal int `json:"join_backlog_segments_total"`
	// RoomEvents are the room's own events the viewers got besides
	// (presence is counted apart): not measured.
	RoomEvents int         `json:"room_events"`
	Late       *LateReport `json:"late,omitempty"`
}

// prepareTranscript fills the channel if asked and returns the drive's
// action, numbered after whatever the channel already applied.
func (r *runner) prepareTranscript(ctx context.Context, hc *http.Client, token string) (action, error) {
	cfg := r.cfg
	tr := &TranscriptReport{Lang: cfg.Lang, ViewerBacklog: cfg.Backlog}
	r.rep.Transcript = tr
	if cfg.Prefill == 0 {
		hasText, err := channelHasText(ctx, hc, cfg, token)
		if err != nil {
			return nil, err
		}
		if !hasText {
			p, err := prefill(ctx, hc, cfg, token, 1)
			if err != nil {
				return nil, err
			}
			tr.WarmUp, r.posted, r.lastID = true, 1, p.LastID
		}
	}
	if cfg.Prefill > 0 {
		fmt.Fprintf(r.progress, "bench: prefilling %s with %d lines\n", cfg.Lang, cfg.Prefill)
		p, err := prefill(ctx, hc, cfg, token, cfg.Prefill)
		if err != nil {
			return nil, err
		}
		tr.Prefill = &p
		r.posted, r.lastID = r.posted+p.Lines, p.LastID
		fmt.Fprintf(r.progress, "bench: prefilled %d lines in %d posts, %.0f ms\n", p.Lines, p.Posts, p.ElapsedMs)
	}
	base, err := captionSeqBase(ctx, hc, cfg, token)
	if err != nil {
		return nil, err
	}
	tr.CaptionSeqBase = base
	r.follow = transcriptRequest("t", cfg.Lang, cfg.Backlog)
	return captionPosts(hc, cfg, token, base), nil
}

// setViewers records what the viewers got besides the measured segments.
func (tr *TranscriptReport) setViewers(clients []*client) {
	for _, c := range clients {
		tr.JoinBacklogMax = max(tr.JoinBacklogMax, c.backlog)
		tr.JoinBacklogTotal += c.backlog
		tr.RoomEvents += c.roomEvents
	}
}

// writeText prints the transcript kind's own figures.
func (tr *TranscriptReport) writeText(w io.Writer, viewers bool) {
	if tr.WarmUp {
		fmt.Fprintf(w, "warm-up       the %s channel had no text: one line was posted before the viewers followed it\n", tr.Lang)
	}
	if p := tr.Prefill; p != nil {
		fmt.Fprintf(w, "prefill       %d lines in %d posts (%d rate-limited) in %.0f ms, %.0f lines/s; channel seq %d; post round trip %s\n",
			p.Lines, p.Posts, p.RateLimited, p.ElapsedMs, p.LinesPerSec, p.ChannelSeq, p.PostRoundTrip)
	}
	if viewers {
		asked := "the server's default"
		if tr.ViewerBacklog > 0 {
			asked = strconv.Itoa(tr.ViewerBacklog)
		}
		fmt.Fprintf(w, "join backlog  %s channel, asked %s: up to %d segments each viewer on joining (%d in all); %d room events besides\n",
			tr.Lang, asked, tr.JoinBacklogMax, tr.JoinBacklogTotal, tr.RoomEvents)
	}
	l := tr.Late
	if l == nil {
		return
	}
	fmt.Fprintf(w, "late viewers  asking for the last %d segments: median %.1f ms live, %.1f ms HTTP\n", l.Asked, l.WSMedianMs, l.HTTPMedianMs)
	for i := range max(len(l.WS), len(l.HTTP)) {
		fmt.Fprintf(w, "              #%d", i+1)
		if i < len(l.WS) {
			j := l.WS[i]
			if j.Err != "" {
				fmt.Fprintf(w, "  live: %s", j.Err)
			} else {
				fmt.Fprintf(w, "  live %7.1f ms (%.1f from the request), %d segments %d..%d, %.0f KiB", j.TotalMs, j.RequestMs, j.Segments, j.FirstID, j.LastID, float64(j.Bytes)/1024)
			}
		}
		if i < len(l.HTTP) {
			j := l.HTTP[i]
			if j.Err != "" {
				fmt.Fprintf(w, "  HTTP: %s", j.Err)
			} else {
				fmt.Fprintf(w, "  HTTP %7.1f ms (headers at %.1f), %d segments, %.0f KiB", j.TotalMs, j.FirstByteMs, j.Segments, float64(j.Bytes)/1024)
			}
		}
		fmt.Fprintln(w)
	}
}
