package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
)

// fault says what err, from a Redis call made under ctx, means to the room
// service: the caller's own context ending stays a context error (a client
// that left is no outage); Redis unreachable, too slow, loading, read-only
// or out of memory wraps rooms.ErrUnavailable; anything else, a reply
// Parley does not expect, is left as it is.
func fault(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %w", rooms.ErrUnavailable, err)
	}
	return err
}

func unavailable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) ||
		errors.Is(err, context.DeadlineExceeded) ||
		redis.IsLoadingError(err) || redis.IsReadOnlyError(err) || redis.IsOOMError(err) ||
		redis.IsClusterDownError(err) || redis.IsMasterDownError(err) || redis.IsTryAgainError(err) ||
		redis.IsMaxClientsError(err) || redis.IsNoReplicasError(err) || redis.HasErrorPrefix(err, "BUSY")
}

// Client timeouts that ParseURL sets unless the URL does: a Redis that is
// down or stalled fails a request within a few seconds instead of holding
// it, and the server answers 503.
const (
	DialTimeout  = time.Second
	ReadTimeout  = 2 * time.Second
	WriteTimeout = 2 * time.Second
	PoolTimeout  = 2 * time.Second
	MaxRetries   = 1
	// DialRetries bounds the dials of one connection attempt.
	DialRetries = 2
)

// ParseURL is redis.ParseURL with the timeouts above for those the URL
// leaves unset, and the context's deadline honoured.
func ParseURL(url string) (*redis.Options, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	set := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	set(&opts.DialTimeout, DialTimeout)
	set(&opts.ReadTimeout, ReadTimeout)
	set(&opts.WriteTimeout, WriteTimeout)
	set(&opts.PoolTimeout, PoolTimeout)
	if opts.MaxRetries == 0 {
		opts.MaxRetries = MaxRetries
	}
	if opts.DialerRetries == 0 {
		opts.DialerRetries = DialRetries
	}
	opts.ContextTimeoutEnabled = true
	return opts, nil
}
