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
)

// BenchmarkCaptionPost posts caption bodies of short lines to one channel on
// the embedded store, as CART software does, and reports what each post
// costs per line and how much it adds to the journal.
func BenchmarkCaptionPost(b *testing.B) {
	for _, lines := range []int{10, 100, rooms.MaxPostLines} {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			dir := b.TempDir()
			store, err := filestore.OpenWithOptions(dir, filestore.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			ctx := context.Background()
			log := slog.New(slog.DiscardHandler)
			svc := rooms.NewService(store, log, func() time.Time { return t0 })
			tr := rooms.NewTranscripts(svc, log)
			if _, err := svc.Create(ctx, chair, rooms.RoomSpec{ID: "plenary", Policy: &queue.Policy{Kind: queue.PolicyFIFO}}); err != nil {
				b.Fatal(err)
			}
			if _, err := svc.Execute(ctx, "plenary", amina, cmd(rooms.CmdRaiseHand)); err != nil {
				b.Fatal(err)
			}
			if _, err := svc.Execute(ctx, "plenary", chair, cmd(rooms.CmdCallNext)); err != nil {
				b.Fatal(err)
			}
			body := strings.Repeat("a\n", lines)
			before := dirSize(b, dir)
			seq := uint64(0)
			events := 0
			for b.Loop() {
				seq++
				res, err := tr.Post(ctx, "plenary", stenographer, "en", seq, body)
				if err != nil {
					b.Fatal(err)
				}
				events += len(res.Segments)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int(seq)*lines), "ns/line")
			b.ReportMetric(float64(events)/float64(seq), "segments/post")
			b.ReportMetric(float64(dirSize(b, dir)-before)/float64(seq), "journal-B/post")
		})
	}
}

// dirSize is the bytes of the files under dir.
func dirSize(b *testing.B, dir string) int64 {
	var n int64
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
