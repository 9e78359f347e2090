package server

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/export"
)

// ErrRecord says a record bundle does not verify.
var ErrRecord = errors.New("the record does not verify")

// VerifyRecord checks a record bundle: every log's hash chain, every
// checkpoint's signature (by pin if given, else by the bundle's key) and
// that the heads it signed are in the logs, and that every derived file
// recomputes exactly from the logs. It returns what it checked, line by
// line, and an error wrapping ErrRecord naming the first thing broken.
func VerifyRecord(files []export.File, pin ed25519.PublicKey) ([]string, error) {
	var report []string
	say := func(format string, args ...any) { report = append(report, fmt.Sprintf(format, args...)) }
	fail := func(format string, args ...any) ([]string, error) {
		return report, fmt.Errorf("%w: %s", ErrRecord, fmt.Sprintf(format, args...))
	}
	byName := map[string][]byte{}
	for _, f := range files {
		if _, dup := byName[f.Name]; dup {
			return fail("%s appears twice", f.Name)
		}
		byName[f.Name] = f.Body
	}
	var m recordManifest
	if err := json.Unmarshal(byName["manifest.json"], &m); err != nil || m.Format != recordFormat {
		return fail("manifest.json is not a %s manifest (%v)", recordFormat, err)
	}
	if m.View != viewPublic && m.View != viewFull {
		return fail("manifest.json: view %q is neither public nor full", m.View)
	}
	say("manifest: room %q, %s view, %d transcript channels %v", m.Room, m.View, len(m.Languages), m.Languages)
	l := RecordLogs{Room: m.Room, View: m.View, Channels: map[string][]rooms.Event{}}
	key, err := bundleKey(byName, m)
	if err != nil {
		return fail("%v", err)
	}
	l.Key = key
	if pin != nil && (key == nil || !key.Equal(pin)) {
		return fail("the bundle's key is not the one given to check it against")
	}
	if l.Events, err = parseLines("events.jsonl", byName["events.jsonl"]); err != nil {
		return fail("%v", err)
	}
	logs := map[string][]rooms.Event{rooms.RoomLog(m.Room).String(): l.Events}
	if err := checkLog(say, "events.jsonl", rooms.RoomLog(m.Room), l.Events); err != nil {
		return fail("%v", err)
	}
	for _, lang := range m.Languages {
		name, id := channelFile(lang, "jsonl"), rooms.TranscriptLog(m.Room, lang)
		if !rooms.ValidLanguage(lang) {
			return fail("manifest.json: %q is not a language", lang)
		}
		evs, err := parseLines(name, byName[name])
		if err != nil {
			return fail("%v", err)
		}
		if err := checkLog(say, name, id, evs); err != nil {
			return fail("%v", err)
		}
		l.Channels[lang], logs[id.String()] = evs, evs
	}
	if err := checkCheckpoints(say, m.Room, key, l.Events, logs); err != nil {
		return fail("%v", err)
	}
	want, err := recordFiles(l)
	if err != nil {
		return fail("%v", err)
	}
	for _, f := range want {
		got, ok := byName[f.Name]
		if !ok {
			return fail("%s is missing", f.Name)
		}
		if !bytes.Equal(got, f.Body) {
			return fail("%s does not recompute from the log: %s", f.Name, firstDifference(got, f.Body))
		}
		delete(byName, f.Name)
	}
	if len(byName) > 0 {
		extra := slices.Sorted(func(yield func(string) bool) {
			for name := range byName {
				if !yield(name) {
					return
				}
			}
		})
		return fail("the bundle holds files a record does not: %s", strings.Join(extra, ", "))
	}
	say("interventions (JSON, CSV), balance, policy history, checkpoints and every transcript (WebVTT, JSON) recompute exactly from the log")
	return report, nil
}

// bundleKey is the signer's key as record-key.pem holds it, which must be
// the manifest's; nil if the bundle has none.
func bundleKey(byName map[string][]byte, m recordManifest) (ed25519.PublicKey, error) {
	body, ok := byName["record-key.pem"]
	if !ok {
		if m.Key != "" {
			return nil, errors.New("record-key.pem is missing")
		}
		return nil, nil
	}
	block, _ := pem.Decode(body)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("record-key.pem is not a PEM PUBLIC KEY")
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("record-key.pem: %w", err)
	}
	key, ok := parsed.(ed25519.PublicKey)
	if !ok || hex.EncodeToString(key) != m.Key {
		return nil, errors.New("record-key.pem is not the manifest's Ed25519 key")
	}
	return key, nil
}

// checkLog checks one log's chain and says what it covers.
func checkLog(say func(string, ...any), name string, id rooms.LogID, evs []rooms.Event) error {
	covered, err := rooms.CheckChain(id, evs)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case covered == len(evs):
		say("%s: %d events, the hash chain holds from the first", name, len(evs))
	case covered == 0 && len(evs) > 0:
		return fmt.Errorf("%s: none of its %d events is hashed", name, len(evs))
	default:
		say("%s: %d events; the first %d were written before events were hashed: the chain holds from event %d on", name, len(evs), len(evs)-covered, len(evs)-covered+1)
	}
	return nil
}

// checkCheckpoints checks every checkpoint of the room's log: its
// signature, and that each head it signed is in the logs; a closed room's
// record must hold the checkpoint signed at its close.
func checkCheckpoints(say func(string, ...any), room string, key ed25519.PublicKey, events []rooms.Event, logs map[string][]rooms.Event) error {
	signed, lastSigned := 0, uint64(0)
	closedAt := uint64(0)
	for _, e := range events {
		if e.Type == rooms.EvRoomClosed {
			closedAt = e.Seq
		}
		if e.Type != rooms.EvCheckpoint {
			continue
		}
		var c rooms.Checkpoint
		if err := json.Unmarshal(e.Data, &c); err != nil {
			return fmt.Errorf("events.jsonl: event %d: a checkpoint that cannot be read: %v", e.Seq, err)
		}
		if key == nil {
			return fmt.Errorf("events.jsonl: event %d: a checkpoint, but the bundle has no key to check it", e.Seq)
		}
		if err := rooms.VerifyCheckpoint(room, c, key); err != nil {
			return fmt.Errorf("events.jsonl: event %d: %w", e.Seq, err)
		}
		for _, h := range c.Logs {
			evs := logs[h.Log]
			if h.Seq == 0 || h.Seq > uint64(len(evs)) || evs[h.Seq-1].Hash != h.Hash {
				return fmt.Errorf("events.jsonl: event %d: the checkpoint signs event %d of log %s, which the bundle does not hold as signed", e.Seq, h.Seq, h.Log)
			}
		}
		signed++
		lastSigned = e.Seq
	}
	if key != nil {
		say("checkpoints: %d, signed by Ed25519 key %s", signed, hex.EncodeToString(key))
	}
	if closedAt > 0 && key != nil && lastSigned < closedAt {
		return fmt.Errorf("events.jsonl: event %d: the room closed, but no checkpoint signed its record after", closedAt)
	}
	if n := len(events) - int(lastSigned); n > 0 {
		say("events.jsonl: the last %d events follow the last checkpoint: the chain holds them, no signature does yet", n)
	}
	return nil
}

// firstDifference says where got first differs from want, by line.
func firstDifference(got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := range min(len(g), len(w)) {
		if !bytes.Equal(g[i], w[i]) {
			return fmt.Sprintf("line %d is %.120q, the log makes %.120q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("it has %d lines, the log makes %d", len(g), len(w))
}
