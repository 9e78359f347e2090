// Package server is Parley's edge: the HTTP API and pages, token checks,
// and the one mapping of domain errors to statuses and error codes a client
// can act on, for HTTP and the live protocol alike. It mounts the live
// side (server/live), which cmd/parley/wire.go builds and hands it.
package server
