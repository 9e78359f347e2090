package rooms

import (
	"fmt"
	"strings"
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
	var cur strings.Builder
	cur.WriteString(open)
	runes := utf8.RuneCountInString(open)
	continues, changed := hasOpen, false
	endLine := func() {
		if cur.Len() > 0 || continues {
			out = append(out, lineChange{text: strings.TrimSpace(cur.String()), final: true, continues: continues})
		}
		cur.Reset()
		runes, continues, changed = 0, false, false
	}
	for _, r := range body {
		if runes >= MaxLine && r != backspace {
			endLine()
		}
		switch {
		case r == backspace:
			if s := cur.String(); s != "" {
				_, size := utf8.DecodeLastRuneInString(s)
				cur.Reset()
				cur.WriteString(s[:len(s)-size])
				runes--
				changed = true
			}
		case r == newline:
			endLine()
		case r == '\t':
			cur.WriteByte(' ')
			runes++
			changed = true
		case unicode.IsControl(r):
		default:
			cur.WriteRune(r)
			runes++
			changed = true
		}
	}
	if changed && (cur.Len() > 0 || continues) {
		out = append(out, lineChange{text: cur.String(), continues: continues})
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
