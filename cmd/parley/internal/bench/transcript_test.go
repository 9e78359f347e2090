package bench

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
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
	cfg.LateOnly, cfg.Clients, cfg.Events, cfg.Prefill, cfg.Late, cfg.LateBacklog = true, 0, 0, 120, 1, protocol.MaxBacklog
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
	c.handle(snapshotFrame(3), benchTimeAt(0))
	if !c.requestDue {
		panic("the snapshot should have made the viewer ask for the transcript")
	}
	c.handle(segmentsFrame(base, rooms.Segment{ID: 1, Seq: 1, Lang: "en"}), benchTimeAt(1))
	for i, ch := range changes {
		c.handle(segmentFrame(ch.seq, rooms.Segment{ID: ch.segment, Seq: ch.seq, Lang: "en", Text: "x", Final: ch.final, Updated: benchTimeAt(0)}), benchTimeAt(i+2))
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
