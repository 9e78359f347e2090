package server_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/export"
)

// FuzzVerifyRecord feeds verify event logs it did not make: a bundle is
// untrusted input, and a chain anyone can recompute may carry any data,
// so verify must refuse or accept it, never fail otherwise.
func FuzzVerifyRecord(f *testing.F) {
	pub, _, _ := ed25519.GenerateKey(nil)
	manifest := []byte(`{"format":"parley-record/1","room":"plenary","view":"public","languages":["floor"]}`)
	f.Add([]byte(`{"seq":1,"time":"2014-04-23T09:00:00Z","actor":{"sub":"chair","role":"chair"},"type":"room_created","data":{"title":"P","time_limit_s":120}}`+"\n"), []byte(""))
	f.Add([]byte(`{"seq":1,"type":"floor_released","data":{"request":"r9"}}`+"\n"+`{"seq":2,"type":"room_closed"}`+"\n"),
		[]byte(`{"seq":1,"type":"segment_updated","data":{"segment":7,"text":"x"}}`+"\n"))
	f.Fuzz(func(t *testing.T, events, channel []byte) {
		files := []export.File{{Name: "manifest.json", Body: manifest}, {Name: "events.jsonl", Body: events}, {Name: "transcripts/floor.jsonl", Body: channel}}
		_, _ = server.VerifyRecord(files, nil)
		_, _ = server.VerifyRecord(files, pub)
	})
}
