package server

import "github.com/parley-hub/parley/frontend"

// pageRoutes serves every page and its static files (frontend.Mount, which
// a relay shares for the hub's pages).
func (s *Server) pageRoutes() {
	frontend.Mount(s.mux, frontend.All)
}
