package rooms

import (
	"strings"
	"unicode"
)

// searchLimit is how many segments a search returns when the caller sets no
// limit: more than a screenful, few enough to send at once.
const searchLimit = 100

// SearchSegments returns the final segments whose text holds every word of
// query, in transcript order, at most limit of them (limit <= 0 means 100).
// A query with no words finds nothing.
//
// Matching ignores case and, for Latin letters, accents: "participacao"
// finds "participação", and "govern" finds "governance", since a query word
// may be any part of a word. The same substring match serves scripts that
// write no spaces between words, such as Chinese: "治理" finds "互联网治理".
// Punctuation around a query word is dropped, so "governance," matches too.
func SearchSegments(segs []Segment, query string, limit int) []Segment {
	if limit <= 0 {
		limit = searchLimit
	}
	var terms []string
	for _, w := range strings.Fields(foldText(query)) {
		if w = strings.TrimFunc(w, unicode.IsPunct); w != "" {
			terms = append(terms, w)
		}
	}
	if len(terms) == 0 {
		return nil
	}
	var found []Segment
	for _, s := range segs {
		if s.Final && containsAll(foldText(s.Text), terms) {
			found = append(found, s)
			if len(found) == limit {
				break
			}
		}
	}
	return found
}

// containsAll reports whether text holds every term. A term has no spaces,
// so it is inside text exactly when it is inside one of text's words.
func containsAll(text string, terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}

// foldText puts text in the form searches compare: lower case, with Latin
// letters stripped of their accents.
//
// The standard library has no Unicode decomposition, so accents are removed
// two ways: precomposed letters through latinBase, which covers Latin-1 and
// Latin Extended-A (the languages of Western, Central and Eastern Europe and
// Turkish, and so Portuguese, Spanish and French as written in Latin America
// and Africa) plus Romanian ș and ț, and combining accents (U+0300 to
// U+036F) by dropping them.
// Letters outside those blocks, such as Vietnamese ones with two marks
// (U+1E00 to U+1EFF), match only as written.
func foldText(text string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch base, ok := latinBase[r]; {
		case ok:
			b.WriteString(base)
		case r >= 0x300 && r <= 0x36f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// latinBase maps lower-case accented Latin letters to the letters a person
// types without them.
var latinBase = func() map[rune]string {
	m := map[rune]string{}
	for base, accented := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "d": "ďđð", "e": "èéêëēĕėęě",
		"g": "ĝğġģ", "h": "ĥħ", "i": "ìíîïĩīĭįı", "j": "ĵ", "k": "ķ",
		"l": "ĺļľŀł", "n": "ñńņňŉ", "o": "òóôõöøōŏő", "r": "ŕŗř",
		"s": "śŝşšș", "t": "ţťŧț", "u": "ùúûüũūŭůűų", "w": "ŵ", "y": "ýÿŷ",
		"z": "źżž", "ss": "ß", "ae": "æ", "oe": "œ", "th": "þ", "ij": "ĳ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()
