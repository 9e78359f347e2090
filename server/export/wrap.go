package export

import "unicode"

// wrap fills lines of at most width columns with words, breaking between
// words. A word wider than a line (a URL, or a run of Chinese, which has no
// spaces) is cut between characters, its first piece filling what is left
// of the current line.
func wrap(words []string, width int) []string {
	var lines []string
	line, used := "", 0
	flush := func() {
		if line != "" {
			lines = append(lines, line)
		}
		line, used = "", 0
	}
	for _, w := range words {
		n := columns(w)
		switch {
		case line != "" && used+1+n <= width:
			line, used = line+" "+w, used+1+n
		case n <= width:
			flush()
			line, used = w, n
		default:
			room := width
			if line != "" {
				room -= used + 1
			}
			pieces := cut(w, room, width)
			if first := pieces[0]; first != "" {
				if line != "" {
					line, used = line+" ", used+1
				}
				line, used = line+first, used+columns(first)
			}
			for _, piece := range pieces[1:] {
				flush()
				line, used = piece, columns(piece)
			}
		}
	}
	flush()
	return lines
}

// balance wraps words into as few lines as wrap does at width, but no wider
// than that needs, so that a caption's lines come out of even length instead
// of leaving a word alone on the last.
func balance(words []string, width int) []string {
	lines := wrap(words, width)
	for w := width - 1; w > 0; w-- {
		narrower := wrap(words, w)
		if len(narrower) > len(lines) {
			break
		}
		lines = narrower
	}
	return lines
}

// cut splits a word into pieces of at most width columns, the first of at
// most first columns, which leaves it empty if even one character is too
// wide. It never cuts before a zero-width rune, so an accent or an Arabic
// vowel mark written as a combining character stays with its letter.
func cut(word string, first, width int) []string {
	var pieces []string
	begin, used, room := 0, 0, first
	for i, r := range word {
		c := runeColumns(r)
		if c > 0 && used+c > room && (i > begin || room < width) {
			pieces = append(pieces, word[begin:i])
			begin, used, room = i, 0, width
		}
		used += c
	}
	return append(pieces, word[begin:])
}

func columns(s string) int {
	n := 0
	for _, r := range s {
		n += runeColumns(r)
	}
	return n
}

// runeColumns approximates how many columns a rune takes on screen, as far
// as the standard library can tell: Chinese, Japanese and Korean characters
// are drawn twice as wide as Latin ones, so a caption line holds about 21 of
// them; combining marks and format characters take no room of their own.
func runeColumns(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
		return 2
	}
	return 1
}
