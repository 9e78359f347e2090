// Package server is Parley's edge: the HTTP API, token checks, and the
// mapping of domain errors to statuses and error codes a client can act on.
package server
