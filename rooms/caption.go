package rooms

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Control characters a caption body may carry.
const (
	backspace = '\b' // stenography software corrects by sending it
	newline   = '\n' // ends the line: the segment becomes final
)

// MaxLine bounds a segment's text: a captioner who never ends a line still
// produces segments a screen can show, and an export can cue.
const MaxLine = 1000

// MaxPostLines bounds the lines (newlines) one caption post may finish.
// Every line is an entry in the channel's log, some 300 bytes on disk
// with its speaker, so a body of short lines would otherwise write 150
// times its size; stenography software sends a few words a post.
const MaxPostLines = 1000

// MaxCaptionSeqJump bounds how far ahead of a captioner's last caption seq
// a post may number itself (the first post of a captioner counts from 0).
// Posts at or below the last seq are retries and are not applied again, so
// one seq near 2^64 would otherwise make every later post a duplicate.
const MaxCaptionSeqJump = 1000

// LineIdle is how long a line being written may go without an addition
// before the server finishes it: a captioner who pauses has ended the
// sentence, and viewers should see it final.
const LineIdle = 3 * time.Second

// Caption posts refused for their shape. Both wrap ErrInvalid.
var (
	// ErrTooManyLines: the post finishes more than MaxPostLines lines.
	ErrTooManyLines = fmt.Errorf("%w: too many lines in one caption post", ErrInvalid)
	// ErrCaptionSeqTooFar: the post's seq is more than MaxCaptionSeqJump
	// ahead of the captioner's last.
	ErrCaptionSeqTooFar = fmt.Errorf("%w: caption seq too far ahead", ErrInvalid)
)

// checkPostLines refuses a caption body that finishes too many lines,
// before it costs any work.
func checkPostLines(body string) error {
	if n := strings.Count(body, "\n"); n > MaxPostLines {
		return fmt.Errorf("%w: this post finishes %d lines; send at most %d lines a post", ErrTooManyLines, n, MaxPostLines)
	}
	return nil
}

// checkCaptionSeq decides a numbered post (seq > 0) against the
// captioner's last applied seq: a retry of an applied post is a duplicate,
// a jump ahead within MaxCaptionSeqJump is taken with the posts skipped
// counted as missing, and a longer one is refused.
func checkCaptionSeq(seq, last uint64) (duplicate bool, missing uint64, err error) {
	switch {
	case seq <= last:
		return true, 0, nil
	case seq-last > MaxCaptionSeqJump:
		return false, 0, fmt.Errorf("%w: seq %d is more than %d ahead of your last seq %d in this language: number posts 1, 2, 3, ... and ask GET /captions/seq where to resume",
			ErrCaptionSeqTooFar, seq, MaxCaptionSeqJump, last)
	case last > 0:
		missing = seq - last - 1
	}
	return false, missing, nil
}

// lineChange is one segment as a caption body leaves it.
type lineChange struct {
	text  string
	final bool
	// continues says the change is to the segment already being written,
	// not a new one.
	continues bool
}

// splitCaption applies a caption body to the line being written (open,
// when there is one) and returns the segments it changes, in order: the
// open line extended or finished, then each new line. A backspace deletes
// the character before it within the line being written, never text
// already final; other control characters are dropped and tabs become
// spaces. A line reaching MaxLine characters is finished and the text goes
// on in a new one. An empty body changes nothing.
func splitCaption(open string, hasOpen bool, body string) []lineChange {
	var out []lineChange
	// One buffer, cut and grown in place: each character of the body costs
	// the same, a backspace too.
	cur := []byte(open)
	runes := utf8.RuneCountInString(open)
	continues, changed := hasOpen, false
	endLine := func() {
		if len(cur) > 0 || continues {
			out = append(out, lineChange{text: strings.TrimSpace(string(cur)), final: true, continues: continues})
		}
		cur = cur[:0]
		runes, continues, changed = 0, false, false
	}
	for _, r := range body {
		if runes >= MaxLine && r != backspace {
			endLine()
		}
		switch {
		case r == backspace:
			if len(cur) > 0 {
				_, size := utf8.DecodeLastRune(cur)
				cur = cur[:len(cur)-size]
				runes--
				changed = true
			}
		case r == newline:
			endLine()
		case r == '\t':
			cur = append(cur, ' ')
			runes++
			changed = true
		case unicode.IsControl(r):
		default:
			cur = utf8.AppendRune(cur, r)
			runes++
			changed = true
		}
	}
	if changed && (len(cur) > 0 || continues) {
		out = append(out, lineChange{text: string(cur), continues: continues})
	}
	return out
}

// checkLine refuses console text that a caption post could not have made.
func checkLine(text string) error {
	if !utf8.ValidString(text) {
		return fmt.Errorf("%w: text is not valid UTF-8", ErrInvalid)
	}
	if utf8.RuneCountInString(text) > MaxLine {
		return fmt.Errorf("%w: a line holds at most %d characters: finish it and start another", ErrInvalid, MaxLine)
	}
	if strings.ContainsFunc(text, unicode.IsControl) {
		return fmt.Errorf("%w: a line cannot hold control characters such as newlines", ErrInvalid)
	}
	return nil
}
