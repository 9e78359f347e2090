package rooms

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The hash chain (docs/record.md is the reference a verifier is written
// from). Every event carries the hash of the event before it (Prev) and its
// own (Hash): SHA-256 over a canonical encoding of the event in which the
// data is the public view's, and the personal part, if any, is committed by
// its own salted digest (Personal). So a public copy of the log, with the
// personal data withheld, verifies as well as the full one, and the digest
// cannot be used to guess a declared gender: the salt (Seal) goes only to
// those who may see the data.

// EvChainStarted begins the chain of a log written before events were
// hashed: the events before it are not covered.
const EvChainStarted = "chain_started"

// ChainStarted says where the chain of a log began.
type ChainStarted struct {
	// After is the last event not covered (0: the chain covers the log).
	After  uint64 `json:"after"`
	Reason string `json:"reason"`
}

// systemActor is Parley itself as the cause of an event.
var systemActor = Actor{Sub: "system", Role: "system"}

// ErrChain says a log's chain does not hold: an event was changed, removed
// or inserted after it was appended.
var ErrChain = errors.New("the record's hash chain is broken")

// ChainError names the first event that breaks a chain.
type ChainError struct {
	Log    LogID
	Seq    uint64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("%s: log %s, event %d: %s", ErrChain, e.Log, e.Seq, e.Reason)
}

func (e *ChainError) Unwrap() error { return ErrChain }

// Genesis is what the first event of a log chains to: its log's id and
// when the log was created (its first event's time).
func Genesis(log LogID, created time.Time) string {
	h := sha256.New()
	h.Write([]byte("parley-genesis-v1\n"))
	writeField(h, log.String())
	writeField(h, timeText(created))
	return hex.EncodeToString(h.Sum(nil))
}

// link numbers drafts to follow seq, whose event's hash is head ("" only
// for an empty log), and chains them: each gets its Prev, its personal
// part sealed if the public view withholds one, and its Hash.
func link(log LogID, seq uint64, head string, drafts []Event) ([]Event, error) {
	out := make([]Event, len(drafts))
	for i, e := range drafts {
		e.Seq = seq + uint64(i) + 1
		if head == "" {
			head = Genesis(log, e.Time)
		}
		e.Prev = head
		public, err := seal(&e)
		if err != nil {
			return nil, err
		}
		h, err := hashOf(log, e, public)
		if err != nil {
			return nil, err
		}
		e.Hash, head = h, h
		out[i] = e
	}
	return out, nil
}

// seal commits e's personal part, if the public view withholds any, and
// returns the canonical JSON of the public view's data.
func seal(e *Event) (public []byte, err error) {
	full, err := CanonicalJSON(e.Data)
	if err != nil {
		return nil, err
	}
	public = full
	if pub := PublicView.Event(*e).Data; !bytes.Equal(pub, e.Data) {
		if public, err = CanonicalJSON(pub); err != nil {
			return nil, err
		}
	}
	if bytes.Equal(full, public) {
		return public, nil
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt) // crypto/rand.Read does not fail
	e.Seal = hex.EncodeToString(salt)
	e.Personal = personalDigest(salt, full)
	return public, nil
}

func personalDigest(salt, canonical []byte) string {
	h := sha256.New()
	h.Write([]byte("parley-personal-v1\n"))
	h.Write(salt)
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil))
}

// EventHash computes e's hash in log from its fields, as the full log or
// the public view of it holds them: with the Seal, e's data is the full
// data, which must match Personal, and the public view is derived from it;
// without it, e's data is the public view's. It does not read e.Hash.
func EventHash(log LogID, e Event) (string, error) {
	data := e.Data
	if e.Seal != "" {
		salt, err := hex.DecodeString(e.Seal)
		if err != nil {
			return "", fmt.Errorf("seal: %w", err)
		}
		full, err := CanonicalJSON(e.Data)
		if err != nil {
			return "", err
		}
		if personalDigest(salt, full) != e.Personal {
			return "", errors.New("the personal data do not match their digest")
		}
		data = PublicView.Event(e).Data
	}
	public, err := CanonicalJSON(data)
	if err != nil {
		return "", err
	}
	return hashOf(log, e, public)
}

// hashOf is e's hash with public, the canonical JSON of its public data.
func hashOf(log LogID, e Event, public []byte) (string, error) {
	prev, err := digestBytes(e.Prev)
	if err != nil {
		return "", fmt.Errorf("prev: %w", err)
	}
	personal := make([]byte, sha256.Size)
	if e.Personal != "" {
		if personal, err = digestBytes(e.Personal); err != nil {
			return "", fmt.Errorf("personal: %w", err)
		}
	}
	h := sha256.New()
	h.Write([]byte("parley-event-v1\n"))
	writeField(h, log.String())
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], e.Seq)
	h.Write(seq[:])
	writeField(h, timeText(e.Time))
	writeField(h, e.Actor.Sub)
	writeField(h, e.Actor.Name)
	writeField(h, e.Actor.Role)
	writeField(h, e.Type)
	writeField(h, string(public))
	h.Write(personal)
	h.Write(prev)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// CheckChain checks that evs, a log's events in order from its first (or
// the public view of them), chain: each one's hash recomputes and names
// the one before, from the genesis or from the event that started the
// chain in a log older than it. It returns how many events the chain
// covers, and a *ChainError for the first that breaks it.
func CheckChain(log LogID, evs []Event) (covered int, err error) {
	head := ""
	for i, e := range evs {
		broken := func(format string, args ...any) (int, error) {
			return covered, &ChainError{Log: log, Seq: e.Seq, Reason: fmt.Sprintf(format, args...)}
		}
		if e.Seq != uint64(i)+1 {
			return broken("expected event %d here", i+1)
		}
		switch {
		case head == "" && e.Hash == "" && e.Prev == "":
			continue // before the chain started
		case head == "" && i == 0 && e.Prev != Genesis(log, e.Time):
			return broken("the first event does not chain to the log's genesis")
		case head == "" && i > 0 && e.Type != EvChainStarted:
			return broken("an event without a hash came before it, but it does not start the chain")
		case head == "" && i > 0 && e.Prev != Genesis(log, e.Time):
			return broken("the chain does not start at this log's genesis")
		case head != "" && e.Prev != head:
			return broken("prev is not the hash of event %d", e.Seq-1)
		}
		h, err := EventHash(log, e)
		if err != nil {
			return broken("%v", err)
		}
		if h != e.Hash {
			return broken("its hash does not match its content")
		}
		head = h
		covered++
	}
	return covered, nil
}

// chainStart is the event that starts the chain of a log of seq events
// written before events were hashed.
func chainStart(now time.Time, seq uint64) Event {
	return draft(now, systemActor, EvChainStarted, ChainStarted{After: seq,
		Reason: "this log was written before its events were hashed: the chain covers the events from here on"})
}

// CanonicalJSON is data as the chain hashes it: decoded and encoded again
// with object keys sorted, no space, numbers as written, and no escaping
// of <, > and &. Empty data is empty.
func CanonicalJSON(data json.RawMessage) ([]byte, error) {
	if len(data) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("event data: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("event data: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func digestBytes(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err == nil && len(b) != sha256.Size {
		err = fmt.Errorf("%d bytes, not %d", len(b), sha256.Size)
	}
	return b, err
}

type hashWriter interface{ Write([]byte) (int, error) }

// writeField writes s with its length ahead, so that no two sequences of
// fields encode alike.
func writeField(h hashWriter, s string) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
