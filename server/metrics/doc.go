// Package metrics is Parley's monitoring: one Prometheus registry of the
// node's series (README "Monitoring" lists them), the handler that serves
// it, and the adapters that feed it without the parts knowing Prometheus:
// a rooms.Observer for the events folded in, a decorator of rooms.Store
// for its round trips, and the small interfaces package live and package
// server declare for their hooks (live.Metrics, server.Metrics). Figures
// the parts already keep (media sessions and packets, rooms in memory)
// are read when scraped.
//
// Every label value is one of a bounded set: a route pattern, never a
// path; a role or command type the rooms package knows, else "other" or
// "invalid"; never a room, a person or a token.
//
// It holds no lock of its own: the Prometheus collectors are safe for
// concurrent use, and the functions read at scrape time take their
// parts' locks, none of which is held while scraping.
package metrics
