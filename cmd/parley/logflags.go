package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/parley-hub/parley/server"
)

// logConfig is how a command logs: the flags `parley serve` and `parley
// relay` share, added by addLogFlags so both spell and check them alike.
type logConfig struct {
	LogLevel  slog.Level
	LogFormat string
	NodeID    string
}

// addLogFlags adds --log-level, --log-format and --node-id to fs, read
// into cfg.
func addLogFlags(fs *flag.FlagSet, cfg *logConfig, getenv func(string) string) {
	fs.TextVar(&cfg.LogLevel, "log-level", slog.LevelInfo, "debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "text or json")
	fs.StringVar(&cfg.NodeID, "node-id", cmp.Or(getenv("PARLEY_NODE_ID"), defaultNodeID()), "this node's name in every log line, and in serve's metrics (env PARLEY_NODE_ID; default the host name)")
}

// check reports a flag value the parser could not refuse by itself.
func (cfg logConfig) check() error {
	if logFormats[cfg.LogFormat] == nil {
		return fmt.Errorf("--log-format %q: text or json", cfg.LogFormat)
	}
	return nil
}

// logger is the logger cfg describes, writing to w.
func (cfg logConfig) logger(w io.Writer) *slog.Logger {
	return newLogger(w, cfg.LogFormat, cfg.LogLevel, cfg.NodeID)
}

// logFormats are --log-format's values.
var logFormats = map[string]func(io.Writer, *slog.HandlerOptions) slog.Handler{
	"text": func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewTextHandler(w, o) },
	"json": func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewJSONHandler(w, o) },
}

// newLogger logs to w in format at level, every line with the node's id
// and, within a request, its request_id.
func newLogger(w io.Writer, format string, level slog.Level, node string) *slog.Logger {
	h := logFormats[format](w, &slog.HandlerOptions{Level: level})
	return slog.New(server.LogHandler(h, slog.String("node", node)))
}

// defaultNodeID is the host's name, which tells nodes apart in most
// deployments.
func defaultNodeID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		return "parley"
	}
	return host
}
