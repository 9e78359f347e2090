package rooms_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
)

var (
	stenographer = rooms.Participant{Sub: "cart-1", Name: "CART", Role: rooms.RoleCaptioner}
	interpreter  = rooms.Participant{Sub: "int-fr", Name: "Interprète", Role: rooms.RoleCaptioner, Lang: "fr"}
)

// transcriptRoom is a room on the embedded store with a clock the test
// moves, and its transcripts.
type transcriptRoom struct {
	svc *rooms.Service
	tr  *rooms.Transcripts
	now time.Time
}

func newTranscriptRoom(t *testing.T) *transcriptRoom {
	t.Helper()
	store, err := filestore.OpenWithOptions(t.TempDir(), filestore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	r := &transcriptRoom{now: t0}
	log := slog.New(slog.DiscardHandler)
	r.svc = rooms.NewService(store, log, func() time.Time { return r.now })
	r.tr = rooms.NewTranscripts(r.svc, log)
	if _, err := r.svc.Create(context.Background(), chair, rooms.RoomSpec{ID: "plenary", Policy: &queue.Policy{Kind: queue.PolicyFIFO}}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *transcriptRoom) do(t *testing.T, who rooms.Participant, c rooms.Command) {
	t.Helper()
	if _, err := r.svc.Execute(context.Background(), "plenary", who, c); err != nil {
		t.Fatal(err)
	}
}

func (r *transcriptRoom) post(t *testing.T, lang string, seq uint64, body string) rooms.CaptionResult {
	t.Helper()
	res, err := r.tr.Post(context.Background(), "plenary", stenographer, lang, seq, body)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (r *transcriptRoom) segments(t *testing.T, lang string) []rooms.Segment {
	t.Helper()
	var segs []rooms.Segment
	if err := r.tr.View(context.Background(), "plenary", lang, func(c *rooms.Channel) { segs = c.Segments(0, 0) }); err != nil {
		t.Fatal(err)
	}
	return segs
}

func TestCaptionsAreAttributedToTheFloor(t *testing.T) {
	r := newTranscriptRoom(t)
	r.post(t, rooms.FloorLanguage, 1, "Good morning, ")
	r.do(t, amina, cmd(rooms.CmdRaiseHand))
	r.do(t, chair, cmd(rooms.CmdCallNext))
	r.now = r.now.Add(time.Second)
	// The chair's line was still open when Amina got the floor: it is
	// finished, and her words start a segment of their own.
	res := r.post(t, rooms.FloorLanguage, 2, "Thank you, chair.\nCivil society")
	if len(res.Segments) != 3 {
		t.Fatalf("post changed %d segments, want 3: %+v", len(res.Segments), res.Segments)
	}
	segs := r.segments(t, rooms.FloorLanguage)
	if len(segs) != 3 {
		t.Fatalf("segments = %+v", segs)
	}
	if segs[0].Text != "Good morning," || !segs[0].Final || segs[0].Speaker != nil {
		t.Errorf("first segment = %+v, want final, before anyone had the floor", segs[0])
	}
	if segs[1].Text != "Thank you, chair." || !segs[1].Final || segs[1].Speaker == nil || segs[1].Speaker.Sub != "amina" || segs[1].Request != "r3" {
		t.Errorf("second segment = %+v, want Amina's, final", segs[1])
	}
	if segs[2].Text != "Civil society" || segs[2].Final {
		t.Errorf("third segment = %+v, want partial", segs[2])
	}
	snap, _ := r.svc.Snapshot(context.Background(), "plenary")
	if len(snap.Languages) != 1 || snap.Languages[0] != rooms.FloorLanguage {
		t.Errorf("room languages = %v", snap.Languages)
	}
}

func TestCaptionSeqRetriesAndGaps(t *testing.T) {
	r := newTranscriptRoom(t)
	r.post(t, "en", 1, "One ")
	if res := r.post(t, "en", 1, "One "); !res.Duplicate || res.CaptionSeq != 1 {
		t.Errorf("retry = %+v, want a duplicate", res)
	}
	if res := r.post(t, "en", 4, "four\n"); res.Missing != 2 || res.CaptionSeq != 4 || res.Duplicate {
		t.Errorf("jump = %+v, want 2 missing", res)
	}
	if res := r.post(t, "en", 3, "three"); !res.Duplicate {
		t.Errorf("late post = %+v, want a duplicate: the channel is past it", res)
	}
	segs := r.segments(t, "en")
	if len(segs) != 1 || segs[0].Text != "One four" {
		t.Errorf("segments = %+v, want one line 'One four'", segs)
	}
	if fr := r.segments(t, "fr"); len(fr) != 0 {
		t.Errorf("fr has %d segments, want none: languages are separate", len(fr))
	}
}

func TestWhoMayWriteTheTranscript(t *testing.T) {
	r := newTranscriptRoom(t)
	ctx := context.Background()
	tests := []struct {
		name string
		who  rooms.Participant
		lang string
		want error
	}{
		{"participant", amina, "en", rooms.ErrForbidden},
		{"interpreter in another language", interpreter, "en", rooms.ErrForbidden},
		{"made-up language", stenographer, "Klingon!", rooms.ErrInvalid},
		{"interpreter in their language", interpreter, "fr", nil},
	}
	for _, tc := range tests {
		if _, err := r.tr.Post(ctx, "plenary", tc.who, tc.lang, 0, "Bonjour"); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := r.tr.Post(ctx, "nowhere", stenographer, "en", 0, "x"); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("unknown room: %v", err)
	}
}

func TestConsoleLinesAndCorrections(t *testing.T) {
	r := newTranscriptRoom(t)
	ctx := context.Background()
	for _, typed := range []string{"Multi", "Multistake", "Multistakeholder"} {
		if _, err := r.tr.Write(ctx, "plenary", stenographer, "en", typed, false); err != nil {
			t.Fatal(err)
		}
	}
	seg, err := r.tr.Write(ctx, "plenary", stenographer, "en", "Multistakeholder model.", true)
	if err != nil || !seg.Final || seg.Text != "Multistakeholder model." {
		t.Fatalf("final line = %+v, %v", seg, err)
	}
	fixed, err := r.tr.Correct(ctx, "plenary", stenographer, "en", seg.ID, "The multistakeholder model.")
	if err != nil || !fixed.Corrected || fixed.Text != "The multistakeholder model." {
		t.Fatalf("correction = %+v, %v", fixed, err)
	}
	if segs := r.segments(t, "en"); len(segs) != 1 {
		t.Errorf("segments = %+v, want one", segs)
	}
	if _, err := r.tr.Correct(ctx, "plenary", stenographer, "en", 99, "x"); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("correcting an unknown segment: %v", err)
	}
}

func TestIdleLinesAreFinished(t *testing.T) {
	r := newTranscriptRoom(t)
	r.post(t, "en", 1, "We now turn to")
	r.now = r.now.Add(time.Second)
	r.tr.FinishIdle(context.Background())
	if segs := r.segments(t, "en"); segs[0].Final {
		t.Fatal("a line one second old was finished")
	}
	r.now = r.now.Add(rooms.LineIdle)
	r.tr.FinishIdle(context.Background())
	if segs := r.segments(t, "en"); !segs[0].Final || segs[0].Text != "We now turn to" {
		t.Errorf("after a pause: %+v, want the line final", segs[0])
	}
}

// A console keeps showing the line it is typing; when the server finishes
// that line under it (the floor changed hands, or the writer paused), the
// words it sends again are not repeated in the next segment.
func TestConsoleLineInterruptedIsNotRepeated(t *testing.T) {
	r := newTranscriptRoom(t)
	ctx := context.Background()
	write := func(text string, final bool) rooms.Segment {
		t.Helper()
		seg, err := r.tr.Write(ctx, "plenary", stenographer, "en", text, final)
		if err != nil {
			t.Fatal(err)
		}
		return seg
	}
	r.do(t, amina, cmd(rooms.CmdRaiseHand))
	r.do(t, carlos, cmd(rooms.CmdRaiseHand))
	r.do(t, chair, cmd(rooms.CmdCallNext))
	write("Thank you chair", false)
	r.do(t, chair, cmd(rooms.CmdCallNext)) // Carlos has the floor now
	if seg := write("Thank you chair I would", false); seg.Text != "I would" || seg.Speaker.Sub != "carlos" {
		t.Errorf("after the floor changed: %+v, want Carlos's 'I would'", seg)
	}
	write("Thank you chair I would like to", false)
	r.now = r.now.Add(5 * time.Second)
	r.tr.FinishIdle(ctx)
	if seg := write("Thank you chair I would like to add", true); seg.Text != "add" || !seg.Final {
		t.Errorf("after a pause: %+v, want the final line 'add'", seg)
	}
	var texts []string
	for _, s := range r.segments(t, "en") {
		texts = append(texts, s.Text)
	}
	if got := strings.Join(texts, " | "); got != "Thank you chair | I would like to | add" {
		t.Errorf("segments = %q", got)
	}
}
