package rooms_test

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// BenchmarkCaptionPost posts caption bodies of short lines to one channel,
// as CART software does, on each store, and reports what a post costs per
// line and, on the embedded store, how much it adds to the journal.
func BenchmarkCaptionPost(b *testing.B) {
	for _, store := range []string{"embedded", "redis"} {
		for _, lines := range []int{10, 100, rooms.MaxPostLines} {
			b.Run(fmt.Sprintf("%s/lines=%d", store, lines), func(b *testing.B) {
				if store == "redis" {
					benchmarkPosts(b, redisstore.New(redistest.Client(b)), "", lines)
					return
				}
				dir := b.TempDir()
				journal, err := filestore.OpenWithOptions(dir, filestore.Options{Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				defer journal.Close()
				benchmarkPosts(b, journal, dir, lines)
			})
		}
	}
}

// benchmarkPosts posts bodies of lines lines to store; dir, when not "",
// holds the store's files.
func benchmarkPosts(b *testing.B, store rooms.Store, dir string, lines int) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	svc := rooms.NewService(store, log, func() time.Time { return t0 })
	tr := rooms.NewTranscripts(svc, log)
	if _, err := svc.Create(ctx, chair, rooms.RoomSpec{ID: "plenary", Policy: &queue.Policy{Kind: queue.PolicyFIFO}}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		who rooms.Participant
		typ string
	}{{amina, rooms.CmdRaiseHand}, {chair, rooms.CmdCallNext}} {
		if _, err := svc.Execute(ctx, "plenary", c.who, cmd(c.typ)); err != nil {
			b.Fatal(err)
		}
	}
	body := strings.Repeat("a\n", lines)
	before := dirSize(b, dir)
	seq, segments := uint64(0), 0
	for b.Loop() {
		seq++
		res, err := tr.Post(ctx, "plenary", stenographer, "en", seq, body)
		if err != nil {
			b.Fatal(err)
		}
		segments += len(res.Segments)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int(seq)*lines), "ns/line")
	b.ReportMetric(float64(segments)/float64(seq), "segments/post")
	if dir != "" {
		grown := dirSize(b, dir) - before
		b.ReportMetric(float64(grown)/float64(seq), "journal-B/post")
	}
}

// dirSize is the bytes of the files under dir; 0 for "".
func dirSize(b *testing.B, dir string) int64 {
	var n int64
	if dir == "" {
		return 0
	}
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
