package export_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/export"
)

// brokenWriter fails like a client that went away mid-download.
type brokenWriter struct{}

var errGone = errors.New("connection reset")

func (brokenWriter) Write([]byte) (int, error) { return 0, errGone }

func TestExportWriteErrors(t *testing.T) {
	writers := map[string]func(io.Writer, time.Time, []rooms.Segment) error{
		"text": func(w io.Writer, start time.Time, segs []rooms.Segment) error {
			return export.WriteText(w, "Plenary", "en", start, segs)
		},
		"vtt": export.WriteVTT,
		"srt": export.WriteSRT,
		"json": func(w io.Writer, start time.Time, segs []rooms.Segment) error {
			return export.WriteJSON(w, "floor", start, segs)
		},
	}
	for name, write := range writers {
		if err := write(brokenWriter{}, sessionStart, plenary()); !errors.Is(err, errGone) {
			t.Errorf("%s: got %v, want the writer's error", name, err)
		}
	}
}
