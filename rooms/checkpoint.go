package rooms

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// EvCheckpoint is a signed checkpoint of a room's record: the server signs
// the heads of the room's logs with its record key, at the close and now
// and then while the room runs, so that a copy of the record can be shown
// to be the one the server kept, up to there.
const EvCheckpoint = "record_checkpoint"

// Why a checkpoint was made.
const (
	CheckpointClosed   = "closed"
	CheckpointPeriodic = "periodic"
)

// Checkpoint is a checkpoint event's data.
type Checkpoint struct {
	Reason string `json:"reason"`
	// Logs are the heads signed: the room's event log first (the event
	// before this one), then each transcript channel's.
	Logs []LogHead `json:"logs"`
	// Key is the Ed25519 public key that signed, in hex.
	Key string `json:"key"`
	// Sig is the signature, in hex, of CheckpointMessage.
	Sig string `json:"sig,omitempty"`
}

// LogHead is the last event of a log when it was signed.
type LogHead struct {
	Log  string `json:"log"`
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// ErrSignature says a checkpoint's signature does not verify.
var ErrSignature = errors.New("the checkpoint's signature does not verify")

// CheckpointMessage is what a checkpoint's key signs: a fixed prefix, the
// room's id, and the canonical JSON of the checkpoint without its sig.
func CheckpointMessage(room string, c Checkpoint) ([]byte, error) {
	c.Sig = ""
	body, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	canonical, err := CanonicalJSON(body)
	if err != nil {
		return nil, err
	}
	var msg bytes.Buffer
	msg.WriteString("parley-checkpoint-v1\n")
	writeField(&msg, room)
	msg.Write(canonical)
	return msg.Bytes(), nil
}

// VerifyCheckpoint checks c's signature by key; c.Key must be key.
func VerifyCheckpoint(room string, c Checkpoint, key ed25519.PublicKey) error {
	if c.Key != hex.EncodeToString(key) {
		return fmt.Errorf("%w: signed by key %.16s…, not this record's", ErrSignature, c.Key)
	}
	sig, err := hex.DecodeString(c.Sig)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	msg, err := CheckpointMessage(room, c)
	if err != nil {
		return err
	}
	if !ed25519.Verify(key, msg, sig) {
		return ErrSignature
	}
	return nil
}

// WithRecordKey has the service sign checkpoints with key: at the close of
// each room, and every so often (every > 0) in rooms open with events
// since their last checkpoint, while RunCheckpoints runs.
func WithRecordKey(key ed25519.PrivateKey, every time.Duration) Option {
	return func(s *Service) { s.recordKey, s.checkpointEvery = key, every }
}

// RecordKey is the public key checkpoints are signed with, nil if none.
func (s *Service) RecordKey() ed25519.PublicKey {
	if s.recordKey == nil {
		return nil
	}
	return s.recordKey.Public().(ed25519.PublicKey)
}

// RunCheckpoints signs a checkpoint, every period WithRecordKey gave, of
// each room this node holds that is open and has events since its last,
// until ctx is done. With several nodes each may sign; a room whose last
// event is a checkpoint gets no other.
func (s *Service) RunCheckpoints(ctx context.Context) {
	if s.recordKey == nil || s.checkpointEvery <= 0 {
		return
	}
	tick := time.NewTicker(s.checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, id := range s.rooms.keys() {
			if err := s.record(ctx, id, "checkpoint", func(st *State) []Event {
				if st.Closed {
					return nil
				}
				return s.checkpointEvents(ctx, st, CheckpointPeriodic)
			}); err != nil && !errors.Is(err, ErrNotFound) {
				s.log.WarnContext(ctx, "record checkpoint failed; the next one will sign what this one would have", "room", id, "err", err)
			}
		}
	}
}

// checkpointEvents is a checkpoint of st's room, for reason, if the service
// signs and anything happened since the last one.
func (s *Service) checkpointEvents(ctx context.Context, st *State, reason string) []Event {
	if s.recordKey == nil || st.Head == "" {
		return nil
	}
	last, err := s.store.Read(ctx, RoomLog(st.ID), st.Seq-1, 1)
	if err != nil || (len(last) == 1 && last[0].Type == EvCheckpoint) {
		return nil
	}
	c := Checkpoint{Reason: reason, Logs: []LogHead{{Log: RoomLog(st.ID).String(), Seq: st.Seq, Hash: st.Head}},
		Key: hex.EncodeToString(s.RecordKey())}
	for _, lang := range st.Languages {
		id := TranscriptLog(st.ID, lang)
		seq, err := s.store.LastSeq(ctx, id)
		if err != nil || seq == 0 {
			continue
		}
		evs, err := s.store.Read(ctx, id, seq-1, 1)
		if err != nil || len(evs) == 0 || evs[0].Hash == "" {
			continue // only a chained log's head can be signed
		}
		c.Logs = append(c.Logs, LogHead{Log: id.String(), Seq: evs[0].Seq, Hash: evs[0].Hash})
	}
	msg, err := CheckpointMessage(st.ID, c)
	if err != nil {
		return nil
	}
	c.Sig = hex.EncodeToString(ed25519.Sign(s.recordKey, msg))
	return []Event{draft(s.now(), systemActor, EvCheckpoint, c)}
}

// closedCheckpoint signs the record of a room the events just closed, if
// they did. The caller holds the room's lock.
func (s *Service) closedCheckpoint(ctx context.Context, r *room, appended []Event) {
	closed := false
	for _, e := range appended {
		closed = closed || e.Type == EvRoomClosed
	}
	if !closed || s.recordKey == nil {
		return
	}
	_, err := commit(ctx, s.store, RoomLog(r.state.ID), r.state, s.now, func() ([]Event, error) {
		return s.checkpointEvents(ctx, r.state, CheckpointClosed), nil
	}, s.applied(r.state.ID, r.state))
	if err != nil {
		s.log.WarnContext(ctx, "the closing checkpoint of the record failed", "room", r.state.ID, "err", err)
	}
}
