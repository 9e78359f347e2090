package redisstore

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// LogTo sends go-redis's own messages (failed dials during an outage, pool
// trouble) to log at WARN instead of unstructured lines on stderr. go-redis
// has one logger per process, so this is for the binary to call once.
func LogTo(log *slog.Logger) {
	redis.SetLogger(slogPrinter{log})
}

type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(ctx context.Context, format string, v ...any) {
	p.log.WarnContext(ctx, "redis client", "msg", fmt.Sprintf(format, v...))
}
