package server

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"

	"github.com/parley-hub/parley/frontend"
)

// pages maps each page's path to its HTML file. The room in the path is read
// by the page's script; tokens travel in the URL fragment, which browsers
// never send, so they stay out of server logs.
var pages = map[string]string{
	"GET /{$}":                  "index.html",
	"GET /rooms/{room}":         "participant.html",
	"GET /rooms/{room}/chair":   "chair.html",
	"GET /rooms/{room}/caption": "caption.html",
	"GET /rooms/{room}/display": "display.html",
	"GET /rooms/{room}/balance": "balance.html",
	"GET /rooms/{room}/hub":     "hub.html",
	"GET /secretariat":          "secretariat.html",
}

func (s *Server) pageRoutes() {
	tags := contentTags(frontend.Files)
	for pattern, file := range pages {
		s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
			w.Header().Set("Referrer-Policy", "no-referrer")
			revalidate(w, tags[file])
			http.ServeFileFS(w, r, frontend.Files, file)
		})
	}
	static, _ := fs.Sub(frontend.Files, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	s.mux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		// Only files have tags: a directory is not found, never listed.
		tag, ok := tags["static/"+strings.TrimPrefix(r.URL.Path, "/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		revalidate(w, tag)
		files.ServeHTTP(w, r)
	})
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
		sum := sha256.Sum256(data)
		tags[path] = `"` + hex.EncodeToString(sum[:8]) + `"`
		return nil
	})
	return tags
}
