package server

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/export"
)

// recordKey serves the public key that signs the record's checkpoints, as
// PEM (Accept: application/x-pem-file) or JSON with the key in hex.
func (s *Server) recordKey(w http.ResponseWriter, r *http.Request) {
	key := s.rooms.RecordKey()
	if key == nil {
		writeError(w, r, s.log, fmt.Errorf("%w: this server signs no checkpoints", rooms.ErrNotFound))
		return
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if r.Header.Get("Accept") == "application/x-pem-file" {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(block)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"algorithm": "Ed25519", "key": hex.EncodeToString(key), "pem": string(block)})
}

// record serves the room's record as one zip bundle, in the reader's
// view: full for the chair and admins, public for anyone else.
func (s *Server) record(w http.ResponseWriter, r request) error {
	view := rooms.ViewOf(r.who)
	l := RecordLogs{Room: r.room, View: viewPublic, Channels: map[string][]rooms.Event{}, Key: s.rooms.RecordKey()}
	if view.Full() {
		l.View = viewFull
	}
	evs, err := s.rooms.Log(r.Context(), rooms.RoomLog(r.room))
	if err != nil {
		return err
	}
	l.Events = view.Events(evs)
	var langs []string
	if err := s.rooms.View(r.Context(), r.room, func(st *rooms.State) { langs = append(langs, st.Languages...) }); err != nil {
		return err
	}
	for _, lang := range langs {
		entries, err := s.rooms.Log(r.Context(), rooms.TranscriptLog(r.room, lang))
		if err != nil {
			return err
		}
		l.Channels[lang] = view.Events(entries)
	}
	files, err := recordFiles(l)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-record.zip"`, r.room))
	modified := evs[len(evs)-1].Time
	if err := export.WriteBundle(w, modified, files); err != nil {
		r.log.WarnContext(r.Context(), "record bundle cut short", "err", err)
	}
	return nil
}

// publicOnceClosed serves h as inRoom does for a request with a token; one
// without is served in the public view if the room's record is published
// (closed, and not opened with "record": {"public": false}), and refused
// as inRoom refuses it otherwise. Readers without a token share a budget
// per address.
func (s *Server) publicOnceClosed(h func(http.ResponseWriter, request) error) http.HandlerFunc {
	withToken := s.inRoom(h)
	return func(w http.ResponseWriter, r *http.Request) {
		if auth.Bearer(r) != "" {
			withToken(w, r)
			return
		}
		room := r.PathValue("room")
		log := s.log.With("room", room, "participant", "")
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if err := s.allow("address:" + host); err != nil {
			writeError(w, r, log, err)
			return
		}
		published, err := s.rooms.Published(r.Context(), room)
		if err != nil && !errors.Is(err, rooms.ErrNotFound) {
			writeError(w, r, log, err)
			return
		}
		if !published {
			withToken(w, r)
			return
		}
		if err := h(w, request{Request: r, room: room, log: log}); err != nil {
			writeError(w, r, log, err)
		}
	}
}
