package server

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/export"
)

// A record bundle (docs/record.md) holds a room's logs and what is derived
// from them. The logs are the record; every other file is a pure function
// of them (recordDerived), so a verifier recomputes each and compares it
// byte for byte.

// recordFormat names the bundle's layout and encodings.
const recordFormat = "parley-record/1"

// Views a bundle is written in.
const (
	viewPublic = "public"
	viewFull   = "full"
)

// RecordLogs are a room's logs as one reader may see them.
type RecordLogs struct {
	Room string
	// View is "public" (personal data withheld, their digests kept) or
	// "full".
	View   string
	Events []rooms.Event
	// Channels are the transcript channels' entries, by language.
	Channels map[string][]rooms.Event
	// Key is the public key of the checkpoints' signer (nil: none).
	Key ed25519.PublicKey
}

// recordManifest is manifest.json.
type recordManifest struct {
	Format    string   `json:"format"`
	Room      string   `json:"room"`
	View      string   `json:"view"`
	Languages []string `json:"languages"`
	// Key is the signer's Ed25519 public key in hex, also in
	// record-key.pem.
	Key string `json:"key,omitempty"`
}

func (l RecordLogs) languages() []string {
	langs := make([]string, 0, len(l.Channels))
	for lang := range l.Channels {
		langs = append(langs, lang)
	}
	slices.Sort(langs)
	return langs
}

// recordFiles is the whole bundle of l: its logs, then what derives from
// them.
func recordFiles(l RecordLogs) ([]export.File, error) {
	manifest := recordManifest{Format: recordFormat, Room: l.Room, View: l.View, Languages: l.languages()}
	var files []export.File
	if l.Key != nil {
		manifest.Key = hex.EncodeToString(l.Key)
		der, err := x509.MarshalPKIXPublicKey(l.Key)
		if err != nil {
			return nil, err
		}
		files = append(files, export.File{Name: "record-key.pem", Body: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})})
	}
	files = append([]export.File{{Name: "manifest.json", Body: indented(manifest)}}, files...)
	files = append(files, export.File{Name: "events.jsonl", Body: jsonLines(l.Events)})
	for _, lang := range manifest.Languages {
		files = append(files, export.File{Name: channelFile(lang, "jsonl"), Body: jsonLines(l.Channels[lang])})
	}
	derived, err := recordDerived(l)
	if err != nil {
		return nil, err
	}
	return append(files, derived...), nil
}

func channelFile(lang, ext string) string { return "transcripts/" + lang + "." + ext }

// policyChange is one entry of policy.json.
type policyChange struct {
	Seq    uint64       `json:"seq"`
	Time   time.Time    `json:"time"`
	By     rooms.Actor  `json:"by"`
	Policy queue.Policy `json:"policy"`
}

// recordCheckpoint is one entry of checkpoints.json.
type recordCheckpoint struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	rooms.Checkpoint
}

// recordBalance is balance.json: the room's figures as of its last event,
// and each agenda item's. The public view has no gender dimension: its
// log withholds the declared genders the figures would count.
type recordBalance struct {
	Balance     rooms.Balance            `json:"balance"`
	AgendaItems map[string]rooms.Balance `json:"agenda_items"`
}

// recordDerived is every file of the bundle that derives from l's logs.
func recordDerived(l RecordLogs) ([]export.File, error) {
	st := rooms.NewState(l.Room)
	policies := []policyChange{}
	checkpoints := []recordCheckpoint{}
	var last time.Time
	for _, e := range l.Events {
		st.Apply(e)
		last = e.Time
		switch e.Type {
		case rooms.EvRoomCreated, rooms.EvPolicySet:
			var d struct {
				Policy queue.Policy `json:"policy"`
			}
			_ = json.Unmarshal(e.Data, &d)
			policies = append(policies, policyChange{Seq: e.Seq, Time: e.Time, By: e.Actor, Policy: d.Policy})
		case rooms.EvCheckpoint:
			c := recordCheckpoint{Seq: e.Seq, Time: e.Time}
			_ = json.Unmarshal(e.Data, &c.Checkpoint)
			checkpoints = append(checkpoints, c)
		}
	}
	view := rooms.PublicView
	if l.View == viewFull {
		view = rooms.ViewOf(rooms.Participant{Role: rooms.RoleAdmin})
	}
	list := view.Interventions(st.Interventions())
	if list == nil {
		list = []rooms.Intervention{}
	}
	var csv bytes.Buffer
	if err := writeInterventionsCSV(&csv, list); err != nil {
		return nil, err
	}
	balance := recordBalance{Balance: st.Balance(last), AgendaItems: map[string]rooms.Balance{}}
	for _, item := range st.AgendaItems() {
		balance.AgendaItems[item] = st.BalanceFor(item, last)
	}
	if l.View != viewFull {
		delete(balance.Balance.Dimensions, queue.DimGender)
		for _, b := range balance.AgendaItems {
			delete(b.Dimensions, queue.DimGender)
		}
	}
	files := []export.File{
		{Name: "interventions.json", Body: indented(list)},
		{Name: "interventions.csv", Body: csv.Bytes()},
		{Name: "balance.json", Body: indented(balance)},
		{Name: "policy.json", Body: indented(policies)},
		{Name: "checkpoints.json", Body: indented(checkpoints)},
	}
	for _, lang := range l.languages() {
		ch := rooms.NewChannel(l.Room, lang)
		for _, e := range l.Channels[lang] {
			ch.Apply(e)
		}
		segs := ch.Segments(0, 0)
		var vtt, js bytes.Buffer
		if err := export.WriteVTT(&vtt, st.Created, segs); err != nil {
			return nil, err
		}
		if err := export.WriteJSON(&js, lang, st.Created, segs); err != nil {
			return nil, err
		}
		files = append(files, export.File{Name: channelFile(lang, "vtt"), Body: vtt.Bytes()},
			export.File{Name: channelFile(lang, "json"), Body: js.Bytes()})
	}
	return files, nil
}

// indented is v as indented JSON with a final newline; our own types
// always marshal.
func indented(v any) []byte {
	b, _ := json.MarshalIndent(v, "", "  ")
	return append(b, '\n')
}

// jsonLines is evs as JSON lines, one event a line.
func jsonLines(evs []rooms.Event) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, e := range evs {
		_ = enc.Encode(e) // events always marshal
	}
	return b.Bytes()
}

// parseLines reads JSON lines of events.
func parseLines(name string, body []byte) ([]rooms.Event, error) {
	var evs []rooms.Event
	d := json.NewDecoder(bytes.NewReader(body))
	for d.More() {
		var e rooms.Event
		if err := d.Decode(&e); err != nil {
			return nil, fmt.Errorf("%s, after event %d: %w", name, len(evs), err)
		}
		evs = append(evs, e)
	}
	return evs, nil
}
