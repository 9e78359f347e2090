package metrics

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-hub/parley/rooms"
)

// Label values that are not a known command type, role or route.
const (
	invalid   = "invalid"
	other     = "other"
	unmatched = "unmatched"
)

// Command outcomes, as live.Metrics and server.Metrics report them.
var outcomes = []string{"ok", "refused", "error"}

// transports are where commands and rate-limit refusals come from.
var transports = []string{"http", "live"}

// Metrics is one node's series. Its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	liveConns       *prometheus.GaugeVec
	commands        *prometheus.CounterVec
	commandDuration *prometheus.HistogramVec
	events          prometheus.Counter
	delivered       prometheus.Counter
	deliveryLatency prometheus.Histogram
	transcriptLag   prometheus.Histogram
	storeRequests   *prometheus.CounterVec
	storeErrors     *prometheus.CounterVec
	storeDuration   *prometheus.HistogramVec
	rateLimited     *prometheus.CounterVec
	httpRequests    *prometheus.CounterVec
	httpDuration    *prometheus.HistogramVec
}

// New returns the series of node (its --node-id) running version, with
// the Go runtime's and the process's own.
func New(node, version string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		liveConns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "parley_live_connections", Help: "Live (WebSocket) connections open now, by the role of their token.",
		}, []string{"role"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_commands_total", Help: "Room commands handled, by type and outcome (ok; refused: the client's error; error: the server's or the store's).",
		}, []string{"type", "outcome"}),
		commandDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_command_duration_seconds", Help: "Time to decide and append a room command, by transport.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"transport"}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_events_appended_total", Help: "Room events this node folded into the rooms it serves, appended here or, with a shared store, by another node.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_live_messages_delivered_total", Help: "Live messages written to clients' sockets, every kind.",
		}),
		deliveryLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_delivery_latency_seconds", Help: "From a room event's server time to its message written to a client's socket, once per client.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		transcriptLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_transcript_lag_seconds", Help: "From a transcript segment's server time (its latest change) to its message written to a client's socket, once per client.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 13),
		}),
		storeRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_store_requests_total", Help: "Round trips to the store, by operation.",
		}, []string{"op"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_store_errors_total", Help: "Store round trips that failed, by operation; a compare-and-append that lost its race and a caller's cancellation are not errors.",
		}, []string{"op"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_store_duration_seconds", Help: "Time of a store round trip, by operation.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}, []string{"op"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_rate_limited_total", Help: "Requests, live messages and live connections refused for their person's rate, by transport.",
		}, []string{"transport"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_http_requests_total", Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern (a live connection's: until upgraded).",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "parley_node_info", Help: "Always 1: the node's id and build.", ConstLabels: prometheus.Labels{"node": node, "version": version},
	})
	info.Set(1)
	m.reg.MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), info,
		m.liveConns, m.commands, m.commandDuration, m.events, m.delivered, m.deliveryLatency, m.transcriptLag,
		m.storeRequests, m.storeErrors, m.storeDuration, m.rateLimited, m.httpRequests, m.httpDuration,
	)
	// Series that exist from the start, at 0, so a rate over them is never
	// empty and a dashboard shows a quiet node as quiet.
	for _, role := range roles {
		m.liveConns.WithLabelValues(role)
	}
	for _, t := range transports {
		m.rateLimited.WithLabelValues(t)
		m.commandDuration.WithLabelValues(t)
	}
	for _, o := range outcomes {
		m.commands.WithLabelValues(invalid, o)
	}
	for _, op := range storeOps {
		m.storeRequests.WithLabelValues(op)
		m.storeErrors.WithLabelValues(op)
	}
	return m
}

// Handler serves the series in Prometheus's text format (or OpenMetrics,
// if asked), logging its own failures to log.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn), EnableOpenMetrics: true,
	})
}

// roles are the live connections' label values; any other role is
// "other".
var roles = []string{
	rooms.RoleParticipant, rooms.RoleChair, rooms.RoleHub, rooms.RoleCaptioner, rooms.RoleObserver,
	rooms.RoleAdmin, rooms.RoleVenue, rooms.RoleInterpreter, other,
}

func roleLabel(role string) string {
	for _, r := range roles {
		if r == role {
			return role
		}
	}
	return other
}

// Connected counts a live connection of role opening (delta 1) or
// closing (-1) (live.Metrics).
func (m *Metrics) Connected(role string, delta int) {
	m.liveConns.WithLabelValues(roleLabel(role)).Add(float64(delta))
}

// Command counts a room command of type typ ("invalid" for one that could
// not be read) and its outcome, "ok", "refused" or "error", taking took
// over transport, "http" or "live" (live.Metrics, server.Metrics). The
// callers pass only types rooms.DecodeCommand accepted.
func (m *Metrics) Command(transport, typ, outcome string, took time.Duration) {
	if typ == "" {
		typ = invalid
	}
	m.commands.WithLabelValues(typ, outcome).Inc()
	m.commandDuration.WithLabelValues(transport).Observe(took.Seconds())
}

// RateLimited counts a refusal for a person's rate over transport
// (live.Metrics, server.Metrics).
func (m *Metrics) RateLimited(transport string) {
	m.rateLimited.WithLabelValues(transport).Inc()
}

// Delivered counts a live message written to a client's socket; sent,
// unless zero, is the server time of the room event (or, if transcript,
// of the transcript segment) it carries (live.Metrics).
func (m *Metrics) Delivered(sent time.Time, transcript bool) {
	m.delivered.Inc()
	if sent.IsZero() {
		return
	}
	lag := max(time.Since(sent), 0).Seconds()
	if transcript {
		m.transcriptLag.Observe(lag)
	} else {
		m.deliveryLatency.Observe(lag)
	}
}

// Request counts an HTTP request of route, the pattern the server's mux
// matched ("" for none), answered with status after took
// (server.Metrics).
func (m *Metrics) Request(route string, status int, took time.Duration) {
	if route == "" {
		route = unmatched
	}
	m.httpRequests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(took.Seconds())
}
