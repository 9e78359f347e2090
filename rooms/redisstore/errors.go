package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

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
