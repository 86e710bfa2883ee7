// Package redisconn is what mcpgen's Redis stores (runtime/state/redisstore
// and runtime/tasks/redistasks) share about their connection: opening a
// client from a redis:// URL and checking that it answers, and bounding
// each command in time. Errors start with the name of the store's package,
// as the stores' own errors do.
package redisconn

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultTimeout bounds each command of a store whose Options.Timeout is 0.
const DefaultTimeout = 2 * time.Second

// Timeout returns d, or DefaultTimeout when d is not positive.
func Timeout(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultTimeout
	}
	return d
}

// Bound returns ctx with a timeout of d, unless ctx's own deadline comes
// within d (then ctx itself, with a cancel that does nothing).
func Bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// Ping checks that rdb answers within timeout (see Bound); the error is
// "name: redis does not answer: ...", wrapping go-redis's.
func Ping(ctx context.Context, name string, rdb redis.UniversalClient, timeout time.Duration) error {
	ctx, cancel := Bound(ctx, timeout)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("%s: redis does not answer: %w", name, err)
	}
	return nil
}

// Open connects to the Redis server at url (redis://[user:password@]host:port/db
// or rediss:// for TLS) and checks that it answers (Ping), so that a
// server configured with an unreachable Redis says so at start. A URL
// that does not parse is "name: " and go-redis's message. The client is
// the caller's to close; on an error, Open has closed it.
func Open(ctx context.Context, name, url string, timeout time.Duration) (*redis.Client, error) {
	ro, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	rdb := redis.NewClient(ro)
	if err := Ping(ctx, name, rdb, timeout); err != nil {
		rdb.Close()
		return nil, err
	}
	return rdb, nil
}
