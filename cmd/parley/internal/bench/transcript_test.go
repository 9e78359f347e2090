package bench

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
)

func smallTranscriptConfig(u *url.URL) Config {
	cfg := smallConfig(u)
	cfg.Kind, cfg.Driver = KindTranscript, ""
	cfg.Clients, cfg.Rate, cfg.Events, cfg.Lang = 30, 20, 20, "en"
	cfg.Late, cfg.LateBacklog = 2, 1000
	return cfg
}

// checkTranscriptRun asserts, besides checkDelivered's counts, what only
// the transcript kind has: every viewer got its backlog on joining, no
// frame missed the fast parser, and the late viewers all got the same last
// segments, up to the last one posted.
func checkTranscriptRun(t *testing.T, cfg Config, rep Report, joinBacklog, lateSegments int) {
	t.Helper()
	checkDelivered(t, cfg, rep)
	tr := rep.Transcript
	if rep.Kind != KindTranscript || tr == nil || tr.Lang != cfg.Lang {
		t.Fatalf("kind %q, transcript section %+v", rep.Kind, tr)
	}
	if rep.Delivery.NotAsPosted != 0 || rep.SlowPathFrames != 0 {
		t.Errorf("not as posted %d, slow path frames %d; want 0, 0", rep.Delivery.NotAsPosted, rep.SlowPathFrames)
	}
	if tr.JoinBacklogMax != joinBacklog || tr.JoinBacklogTotal != joinBacklog*cfg.Clients {
		t.Errorf("join backlog max %d, total %d; want %d each of %d viewers", tr.JoinBacklogMax, tr.JoinBacklogTotal, joinBacklog, cfg.Clients)
	}
	for _, e := range rep.PerEvent {
		if e.Count != cfg.Clients {
			t.Errorf("segment seq %d reached %d viewers, want %d", e.Seq, e.Count, cfg.Clients)
		}
	}
	checkLate(t, cfg, tr.Late, lateSegments, rep.PerEvent[len(rep.PerEvent)-1].Seq)
}

func checkLate(t *testing.T, cfg Config, late *LateReport, segments int, lastID uint64) {
	t.Helper()
	if late == nil || late.Asked != cfg.LateBacklog || len(late.WS) != cfg.Late || len(late.HTTP) != cfg.Late {
		t.Fatalf("late viewers = %+v, want %d over each way asking for %d", late, cfg.Late, cfg.LateBacklog)
	}
	for _, j := range append(late.WS, late.HTTP...) {
		if j.Err != "" || j.Segments != segments || j.LastID != lastID || j.LastID-j.FirstID+1 != uint64(segments) || j.Unfinished != 0 || j.Bytes == 0 {
			t.Errorf("late viewer got %+v; want %d final segments up to %d", j, segments, lastID)
		}
	}
	if late.WSMedianMs <= 0 || late.HTTPMedianMs <= 0 {
		t.Errorf("medians %.3f and %.3f ms, want them measured", late.WSMedianMs, late.HTTPMedianMs)
	}
}

func TestBenchTranscriptDeliversEverySegmentToEveryViewer(t *testing.T) {
	u := startServer(t)
	cfg := smallTranscriptConfig(u)
	// Three batched posts (about 580 lines fit one): the viewers join with
	// the server's default backlog of 500, the late viewers ask for 1,000.
	cfg.Prefill = 1500
	var progress bytes.Buffer
	cfg.Progress = &progress
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, progress.String())
	}
	p := rep.Transcript.Prefill
	if p == nil || p.Lines != cfg.Prefill || p.Posts != 3 || p.LastID == 0 || p.PostRoundTrip.Count < p.Posts {
		t.Fatalf("prefill = %+v, want %d lines in 3 posts", p, cfg.Prefill)
	}
	if rep.Transcript.CaptionSeqBase != 0 {
		t.Errorf("caption seq base of a new channel = %d", rep.Transcript.CaptionSeqBase)
	}
	checkTranscriptRun(t, cfg, rep, 500, cfg.LateBacklog)
	// Each post opened one segment right after the previous one's.
	for i, e := range rep.PerEvent {
		if want := p.ChannelSeq + uint64(i) + 1; e.Seq != want {
			t.Errorf("post %d's segment has seq %d, want %d", i+1, e.Seq, want)
		}
	}

	// Again in the same channel: posts are numbered after the first run's,
	// so none is taken for a retry; viewers ask for a backlog of their own.
	cfg.Prefill, cfg.Backlog, cfg.Clients, cfg.Late = 0, 50, 10, 1
	cfg.Progress = &progress
	rep, err = Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if rep.Transcript.CaptionSeqBase != uint64(cfg.Events) || rep.Transcript.Prefill != nil {
		t.Errorf("second run: caption seq base %d, prefill %+v; want %d, none", rep.Transcript.CaptionSeqBase, rep.Transcript.Prefill, cfg.Events)
	}
	checkTranscriptRun(t, cfg, rep, 50, cfg.LateBacklog)

	var text bytes.Buffer
	rep.WriteText(&text)
	for _, want := range []string{"parley bench transcript", "segments x 10 viewers", "late viewers", "PASS"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
}

func TestBenchTranscriptWarmsUpAnEmptyChannel(t *testing.T) {
	u := startServer(t)
	cfg := smallTranscriptConfig(u)
	cfg.Clients, cfg.Events, cfg.Late = 10, 5, 1
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The server lets viewers follow only a written language: one line
	// was posted first, and each viewer joined with it as its backlog.
	if !rep.Transcript.WarmUp || rep.Transcript.Prefill != nil {
		t.Errorf("warm up %v, prefill %+v; want one warm-up line and no prefill", rep.Transcript.WarmUp, rep.Transcript.Prefill)
	}
	checkTranscriptRun(t, cfg, rep, 1, 1+cfg.Events)
}

func TestBenchTranscriptLateOnlyFetchesTheWholeShortChannel(t *testing.T) {
	u := startServer(t)
	cfg := smallTranscriptConfig(u)
	cfg.LateOnly, cfg.Clients, cfg.Events, cfg.Prefill, cfg.Late, cfg.LateBacklog = true, 0, 0, 120, 1, maxLateBacklog
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed || rep.Mode != "late-only" || rep.Connected != 0 || rep.CommandsSent != 0 {
		t.Fatalf("late-only run: passed %v, mode %s, connected %d, commands %d, problems %v", rep.Passed, rep.Mode, rep.Connected, rep.CommandsSent, rep.Problems)
	}
	// The channel holds fewer than asked for: the late viewer gets them all.
	checkLate(t, cfg, rep.Transcript.Late, cfg.Prefill, rep.Transcript.Prefill.LastID)
}

// benchViewerWith is a viewer that joined at channel seq base and then got
// these segment changes (seq, segment id, final).
func benchViewerWith(base uint64, changes ...sample) *client {
	c := newClient(0, len(changes))
	c.follow = transcriptRequest("t", "en", 0)
	c.handle([]byte(`{"type":"snapshot","snapshot":{"seq":3}}`), benchTimeAt(0))
	if !c.requestDue {
		panic("the snapshot should have made the viewer ask for the transcript")
	}
	c.handle([]byte(`{"type":"segments","lang":"en","seq":`+benchItoa(base)+`,"segments":[{"id":1,"seq":1}]}`), benchTimeAt(1))
	for i, ch := range changes {
		msg, _ := json.Marshal(testSegmentMsg{Type: "segment", Lang: "en", Seq: ch.seq,
			Segment: rooms.Segment{ID: ch.segment, Seq: ch.seq, Lang: "en", Text: "x", Final: ch.final, Updated: benchTimeAt(0)}})
		c.handle(msg, benchTimeAt(i+2))
	}
	return c
}

func TestTallyChecksSegmentsAreAsPosted(t *testing.T) {
	cmds := []commandResult{
		{seqs: []uint64{11}, segments: []postedSegment{{ID: 11, Seq: 11, Final: true}}},
		{seqs: []uint64{12}, segments: []postedSegment{{ID: 12, Seq: 12, Final: true}}},
	}
	ok := func(seq uint64) sample { return sample{seq: seq, segment: seq, final: true} }
	clients := []*client{
		benchViewerWith(10, ok(11), ok(12)),
		benchViewerWith(10, ok(11), sample{seq: 12, segment: 12}),              // 12 not final
		benchViewerWith(10, ok(11), sample{seq: 12, segment: 11, final: true}), // another segment
		benchViewerWith(10, ok(12)),                                            // lost 11
		benchViewerWith(10, ok(11), ok(12), ok(12)),                            // 12 twice
	}
	for _, c := range clients {
		if !c.joinedOK() || c.backlog != 1 || c.readySeq != 10 || c.slowPath != 0 {
			t.Fatalf("viewer: joined %v, backlog %d, ready seq %d, slow path %d", c.joinedOK(), c.backlog, c.readySeq, c.slowPath)
		}
	}
	d := tallyDelivery(clients, cmds)
	if d.Expected != 10 || d.Delivered != 9 || d.Missing != 1 || d.NotAsPosted != 2 || d.DuplicateOrOutOfOrder != 1 || d.Foreign != 0 {
		t.Errorf("delivery = %+v", d)
	}
}

// testSegmentMsg is laid out as the server's segment message.
type testSegmentMsg struct {
	Type    string        `json:"type"`
	Lang    string        `json:"lang"`
	Seq     uint64        `json:"seq"`
	Segment rooms.Segment `json:"segment"`
}

func TestParseSegmentFastAgreesWithTheDecoderOrDeclines(t *testing.T) {
	at := time.Date(2026, 11, 26, 18, 44, 30, 123456789, time.UTC)
	for _, seg := range []rooms.Segment{
		{ID: 40, Seq: 42, Lang: "en", Text: `She said "no" \ <then> left`, Final: true, Start: at.Add(-time.Second), Updated: at,
			Speaker: &rooms.Speaker{Sub: "s", Name: `"updated":"2020-01-01T00:00:00Z"`}},
		{ID: 42, Seq: 42, Lang: "pt-br", Text: "", Updated: at},
		{ID: 7, Seq: 42, Lang: "en", Text: "fixed", Final: true, Corrected: true, Updated: at, Request: "r1", AgendaItem: "3"},
	} {
		data, err := json.Marshal(testSegmentMsg{Type: "segment", Lang: seg.Lang, Seq: 42, Segment: seg})
		if err != nil {
			t.Fatal(err)
		}
		m, ok := parseSegmentFast(data)
		var w wireMessage
		if err := json.Unmarshal(data, &w); err != nil {
			t.Fatal(err)
		}
		if !ok || m.seq != w.Seq || m.id != w.Segment.ID || m.final != w.Segment.Final || !m.updated.Equal(w.Segment.Updated) {
			t.Errorf("fast = %+v %v, decoder = %+v", m, ok, w.Segment)
		}
	}
	for _, other := range []string{
		`{"type":"segment","lang":"en","seq":42,"segment":{"id":40,"seq":41,"lang":"en","text":"x","final":true,"start":"2026-11-26T18:44:30Z","updated":"2026-11-26T18:44:30Z"}}`, // seqs disagree
		`{"lang":"en","type":"segment","seq":42,"segment":{"id":40,"seq":42,"lang":"en","text":"x","final":true,"start":"2026-11-26T18:44:30Z","updated":"2026-11-26T18:44:30Z"}}`, // another order
		`{"type":"segment","lang":"en","seq":42,"segment":{"id":40,"seq":42,"lang":"en","text":"x","final":1,"start":"2026-11-26T18:44:30Z","updated":"2026-11-26T18:44:30Z"}}`,
		`{"type":"segment","lang":"en","seq":42,"segment":{"id":40,"seq":42,"lang":"en","text":"x\","final":true}}`, // unterminated text
		`{"type":"segment","lang":"en","seq":42,"segment":{"id":40,"seq":42,"lang":"en","text":"x","final":true,"start":"2026-11-26T18:44:30Z","updated":"soon"}}`,
		`{"type":"segments","lang":"en","seq":42,"segments":[]}`,
	} {
		if m, ok := parseSegmentFast([]byte(other)); ok {
			t.Errorf("fast path accepted %s as %+v", other, m)
		}
	}

	segs := []rooms.Segment{{ID: 1, Seq: 1, Text: `{"id":2}`}, {ID: 3, Seq: 4, Speaker: &rooms.Speaker{Name: `{"id":`}}}
	data, _ := json.Marshal(struct {
		Type     string          `json:"type"`
		Lang     string          `json:"lang"`
		Seq      uint64          `json:"seq"`
		Segments []rooms.Segment `json:"segments"`
	}{"segments", "en", 4, segs})
	if seq, n, ok := parseSegmentsFast(data); !ok || seq != 4 || n != 2 {
		t.Errorf("parseSegmentsFast = %d, %d, %v; want 4, 2, true", seq, n, ok)
	}
	if _, _, ok := parseSegmentsFast([]byte(`{"type":"segments","lang":"en","seq":4,"segments":[{"id":1}`)); ok {
		t.Error("parseSegmentsFast accepted a truncated message")
	}
}

func TestCheckLateJoinsFindsDisagreement(t *testing.T) {
	good := LateJoin{TotalMs: 1, Segments: 100, FirstID: 1, LastID: 100}
	l := &LateReport{Asked: 100, WS: []LateJoin{good, {Err: "refused"}}, HTTP: []LateJoin{good, {TotalMs: 1, Segments: 99, FirstID: 2, LastID: 100}}}
	problems := checkLateJoins(l, 100, 100)
	if len(problems) != 3 { // the failure, the disagreement, the short count
		t.Errorf("problems = %q", problems)
	}
	if p := checkLateJoins(&LateReport{Asked: 100, WS: []LateJoin{good}}, 100, 101); len(p) != 1 || !strings.Contains(p[0], "101") {
		t.Errorf("a backlog short of the last post: %q", p)
	}
	l.WS, l.HTTP = []LateJoin{good, good, {TotalMs: 3, Segments: 100, FirstID: 1, LastID: 100}}, nil
	if problems := checkLateJoins(l, 50, 100); len(problems) != 0 || medianTotal(l.WS) != 1 {
		t.Errorf("problems %q, median %.1f", problems, medianTotal(l.WS))
	}
}
