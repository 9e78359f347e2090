package server

import (
	"io/fs"
	"net/http"

	"github.com/parley-hub/parley/frontend"
)

// pages maps each page's path to its HTML file. The room in the path is read
// by the page's script; tokens travel in the URL fragment, which browsers
// never send, so they stay out of server logs.
var pages = map[string]string{
	"GET /{$}":                  "index.html",
	"GET /rooms/{room}":         "participant.html",
	"GET /rooms/{room}/chair":   "chair.html",
	"GET /rooms/{room}/display": "display.html",
	"GET /rooms/{room}/balance": "balance.html",
}

func (s *Server) pageRoutes() {
	for pattern, file := range pages {
		s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'")
			w.Header().Set("Referrer-Policy", "no-referrer")
			http.ServeFileFS(w, r, frontend.Files, file)
		})
	}
	static, _ := fs.Sub(frontend.Files, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
}
