package frontend

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// Page is one page: the route it answers and its HTML file, a template
// rendered once (render.go). The room in the path is read by the page's
// script; tokens travel in the URL fragment, which browsers never send, so
// they stay out of server logs.
type Page struct {
	Pattern string
	File    string
}

// The pages.
var (
	Join        = Page{"GET /{$}", "index.html"}
	Participant = Page{"GET /rooms/{room}", "participant.html"}
	Chair       = Page{"GET /rooms/{room}/chair", "chair.html"}
	Caption     = Page{"GET /rooms/{room}/caption", "caption.html"}
	Display     = Page{"GET /rooms/{room}/display", "display.html"}
	Balance     = Page{"GET /rooms/{room}/balance", "balance.html"}
	Report      = Page{"GET /rooms/{room}/report", "report.html"}
	Hub         = Page{"GET /rooms/{room}/hub", "hub.html"}
	Secretariat = Page{"GET /secretariat", "secretariat.html"}
)

// All are the main server's pages.
var All = []Page{Join, Participant, Chair, Caption, Display, Balance, Report, Hub, Secretariat}

// OnHub are the pages a relay serves to its hub's network: joining, the
// plenary as a viewer, the hub console and members' view, the projector.
// Chairing and captioning happen on the main server.
var OnHub = []Page{Join, Participant, Hub, Display}

// pageCSP lets a page load only its own scripts and styles and talk only
// to its origin (the live protocol over ws: or wss:).
const pageCSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"

// Mount serves pages and the static files they load on mux, each with the
// pages' security headers and a content hash as its ETag.
func Mount(mux *http.ServeMux, pages []Page) {
	for _, p := range pages {
		page, ok := rendered[p.File]
		if !ok {
			panic("frontend: no page " + p.File)
		}
		tag := contentTag(page)
		mux.HandleFunc(p.Pattern, func(w http.ResponseWriter, r *http.Request) {
			SecureHeaders(w.Header())
			w.Header().Set("Content-Security-Policy", pageCSP)
			w.Header().Set("Referrer-Policy", "no-referrer")
			revalidate(w, tag)
			http.ServeContent(w, r, p.File, time.Time{}, bytes.NewReader(page))
		})
	}
	static, _ := fs.Sub(Files, "static")
	tags := contentTags(static)
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		SecureHeaders(w.Header())
		// Only files have tags: a directory is not found, never listed.
		tag, ok := tags[strings.TrimPrefix(r.URL.Path, "/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		revalidate(w, tag)
		files.ServeHTTP(w, r)
	})
}

// SecureHeaders says what a browser may do with any answer of Parley's,
// page, API or static file: nothing framed by another site (clickjacking
// a chair's console), nothing read as another type than it says (an
// uploaded text sniffed as HTML), nothing loaded by it. Pages replace the
// policy with their own, which keeps frame-ancestors.
func SecureHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY") // frame-ancestors for browsers without it
}

// revalidate lets browsers keep a file and ask whether it changed: embedded
// files have no modification time, so a content hash answers instead, and
// a page load costs one 304 per file rather than the file.
func revalidate(w http.ResponseWriter, tag string) {
	w.Header().Set("Cache-Control", "no-cache")
	if tag != "" {
		w.Header().Set("ETag", tag)
	}
}

// contentTags is an entity tag, from a hash of its content, for every file
// of fsys.
func contentTags(fsys fs.FS) map[string]string {
	tags := map[string]string{}
	fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		tags[path] = contentTag(data)
		return nil
	})
	return tags
}

// contentTag is an entity tag from a hash of data.
func contentTag(data []byte) string {
	sum := sha256.Sum256(data)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}
