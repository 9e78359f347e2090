package rooms

import (
	"context"
	"fmt"
	"slices"
)

// Interpretation is a language an interpreter's booth is publishing into
// (interpretation_started) or has stopped publishing into
// (interpretation_stopped). The media plane appends them: they are in the
// log so that every node's snapshot lists the languages to listen in, and
// the record says when each language was interpreted.
type Interpretation struct {
	Lang string `json:"lang"`
}

// SetInterpreted records that room is (on) or is no longer (off)
// interpreted into lang, appending an event only if that changes the
// room's state: calling it again with the same facts does nothing. by is
// the interpreter.
func (s *Service) SetInterpreted(ctx context.Context, roomID string, by Participant, lang string, on bool) error {
	if !ValidLanguage(lang) {
		return fmt.Errorf("%w: %q is not a language tag such as en or pt-br", ErrInvalid, lang)
	}
	return s.record(ctx, roomID, "interpretation into "+lang, func(st *State) []Event {
		if st.Closed || st.interpreted(lang) == on {
			return nil
		}
		typ := EvInterpretationStopped
		if on {
			typ = EvInterpretationStarted
		}
		return []Event{draft(s.now(), by.Actor(), typ, Interpretation{Lang: lang})}
	})
}

func (s *State) interpreted(lang string) bool {
	_, found := slices.BinarySearch(s.Interpreted, lang)
	return found
}

// foldInterpretation applies an interpretation event to the state.
func (s *State) foldInterpretation(e Event) {
	var d Interpretation
	unmarshal(e, &d)
	i, found := slices.BinarySearch(s.Interpreted, d.Lang)
	switch {
	case e.Type == EvInterpretationStarted && !found:
		s.Interpreted = slices.Insert(s.Interpreted, i, d.Lang)
	case e.Type == EvInterpretationStopped && found:
		s.Interpreted = slices.Delete(s.Interpreted, i, i+1)
	}
}

// interpretation is Interpreted as the snapshot shows it: never null.
func (s *State) interpretation() []string {
	return append([]string{}, s.Interpreted...)
}
