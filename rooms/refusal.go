package rooms

// Refusal is a refused command with what a page needs to word it in its
// reader's language: a reason within its kind (ErrState, ErrForbidden, ...)
// and the figures the sentence names, as the queue's reasons carry them.
// Its text is the plain English one API users read; errors.Is sees Kind.
type Refusal struct {
	Kind   error
	Reason string
	Params map[string]any
	Text   string
}

func (r *Refusal) Error() string { return r.Kind.Error() + ": " + r.Text }
func (r *Refusal) Unwrap() error { return r.Kind }

// refuse is a Refusal of kind for reason, saying text, with params (may be nil).
func refuse(kind error, reason string, params map[string]any, text string) error {
	return &Refusal{Kind: kind, Reason: reason, Params: params, Text: text}
}
