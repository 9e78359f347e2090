// Package export writes a room's transcript channel as the record: plain
// text, WebVTT, SRT and JSON; and packs a room's whole record as one
// bundle (bundle.go).
//
// Every writer takes the channel's segments in transcript order and the
// session start, and is a pure function of them. The record holds the
// segments that have text: every finished line, and the line the captioner
// is still writing, as viewers see it now (JSON marks it "final": false, as
// it may yet change); a final line emptied by a correction has been
// withdrawn. Corrected text is used as it stands. Times are relative to the
// session start; a segment that began before it counts from 0.
//
// One timing rule serves every format (see record):
//
//   - A segment starts at its Start, or at the previous segment's start if
//     that is later, so starts never go backwards.
//   - It lasts as long as it takes to read (one second plus 50 ms a
//     character, at most seven), or until its Updated time (when the
//     captioner finished it) if that is later and the line was not
//     corrected since; but it ends when the next segment starts, since the
//     next line replaces it on screen.
//   - It lasts at least one second, even if that overlaps the next segment.
//
// Caption text is never markup: WebVTT and SRT alike write "&", "<" and ">"
// as character references, so a speaker's "<i>" stays words and no line can
// hold the "-->" of a timing line.
//
// Captions (WebVTT, SRT) follow the broadcast convention of at most two lines
// of 42 columns. A longer segment is split into several cues whose share of
// the segment's time follows the length of their text; all of them start
// before the next segment does, so cues stay in time order (see split).
package export
