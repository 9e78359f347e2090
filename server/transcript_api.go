package server

import (
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/export"
	"github.com/parley-hub/parley/server/protocol"
)

// postCaption takes a caption post the way CART software sends one: the
// token and the language and seq in the URL, plain UTF-8 text as the body.
func (s *Server) postCaption(w http.ResponseWriter, r request) error {
	q := r.URL.Query()
	seq, err := uintParam(q.Get("seq"), 0, "seq")
	if err != nil {
		return err
	}
	body, err := readBody(w, r.Request)
	if err != nil {
		return err
	}
	if !utf8.Valid(body) {
		return fmt.Errorf("%w: the caption is not valid UTF-8 text", rooms.ErrInvalid)
	}
	res, err := s.transcripts.Post(r.Context(), r.room, r.who, langParam(r), seq, string(body))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// captionSeq tells captioning software where to resume numbering (the
// caller's own last seq in the channel, as each captioner numbers their
// own) and how long a pause finishes the line being written, which the
// captioner console finishes itself at the same pause.
func (s *Server) captionSeq(w http.ResponseWriter, r request) error {
	lang := langParam(r)
	var seq uint64
	if err := s.transcripts.View(r.Context(), r.room, lang, func(c *rooms.Channel) { seq = c.CaptionSeq(r.who.Sub) }); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"lang": lang, "caption_seq": seq, "line_idle_ms": rooms.LineIdle.Milliseconds()})
	return nil
}

// transcriptPage is a channel's segments changed after a seq.
type transcriptPage struct {
	Lang     string          `json:"lang"`
	Seq      uint64          `json:"seq"`
	Segments []rooms.Segment `json:"segments"`
}

func (s *Server) transcript(w http.ResponseWriter, r request) error {
	q := r.URL.Query()
	after, err := uintParam(q.Get("after"), 0, "after")
	if err != nil {
		return err
	}
	limit, err := uintParam(q.Get("limit"), protocol.MaxBacklog, "limit")
	if err != nil {
		return err
	}
	page := transcriptPage{Lang: langParam(r)}
	err = s.transcripts.View(r.Context(), r.room, page.Lang, func(c *rooms.Channel) {
		page.Seq, page.Segments = c.Seq, c.Segments(after, int(min(max(limit, 1), protocol.MaxBacklog)))
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) searchTranscript(w http.ResponseWriter, r request) error {
	q := r.URL.Query().Get("q")
	var found []rooms.Segment
	err := s.transcripts.View(r.Context(), r.room, langParam(r), func(c *rooms.Channel) {
		found = rooms.SearchSegments(c.Segments(0, 0), q, 100)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"query": q, "lang": langParam(r), "segments": found})
	return nil
}

// exportFormats are the transcript record's formats, by file extension.
var exportFormats = map[string]struct {
	contentType string
	write       func(w io.Writer, title, lang string, start time.Time, segs []rooms.Segment) error
}{
	"txt": {"text/plain; charset=utf-8", export.WriteText},
	"vtt": {"text/vtt; charset=utf-8", func(w io.Writer, _, _ string, start time.Time, segs []rooms.Segment) error {
		return export.WriteVTT(w, start, segs)
	}},
	"srt": {"application/x-subrip; charset=utf-8", func(w io.Writer, _, _ string, start time.Time, segs []rooms.Segment) error {
		return export.WriteSRT(w, start, segs)
	}},
	"json": {"application/json; charset=utf-8", func(w io.Writer, _, lang string, start time.Time, segs []rooms.Segment) error {
		return export.WriteJSON(w, lang, start, segs)
	}},
}

// exportTranscript writes a channel as the record, times from the session
// start (when the room opened).
func (s *Server) exportTranscript(ext string) func(http.ResponseWriter, request) error {
	format := exportFormats[ext]
	return func(w http.ResponseWriter, r request) error {
		lang := langParam(r)
		var title string
		var start time.Time
		if err := s.rooms.View(r.Context(), r.room, func(st *rooms.State) { title, start = st.Title, st.Created }); err != nil {
			return err
		}
		var segs []rooms.Segment
		if err := s.transcripts.View(r.Context(), r.room, lang, func(c *rooms.Channel) { segs = c.Segments(0, 0) }); err != nil {
			return err
		}
		w.Header().Set("Content-Type", format.contentType)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-%s.%s"`, r.room, lang, ext))
		return format.write(w, title, lang, start, segs)
	}
}

// langParam is the channel a request names; the floor by default.
func langParam(r request) string {
	if lang := r.URL.Query().Get("lang"); lang != "" {
		return lang
	}
	return rooms.FloorLanguage
}
