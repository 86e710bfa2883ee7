// Package redisstore is a session state store on Redis, for servers that
// run as several replicas: state set through one replica is read through
// any other. Entries expire as they do in the in-memory store (each Set
// gives the entry its time to live, and an expired entry is gone), but
// Redis does the expiring, so replicas never disagree about it.
//
//	store, err := redisstore.Open(ctx, "redis://127.0.0.1:6379/0", redisstore.Options{})
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//	srv := runtime.NewServer(impl, &runtime.Options{State: store})
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgen/mcpgen/internal/redisconn"
	"github.com/mcpgen/mcpgen/runtime"
)

// DefaultPrefix is the key prefix of a store whose Options.Prefix is "".
const DefaultPrefix = "mcpgen:state:"

// Options configure a Store.
type Options struct {
	// Prefix is put before every key, so that one Redis database can hold
	// the state of several deployments (DefaultPrefix when "").
	Prefix string
	// Timeout bounds each Redis command when the caller's context has no
	// earlier deadline (2 seconds when 0). A slow or unreachable Redis
	// then fails the request that touched state instead of holding it.
	Timeout time.Duration
}

// Store is a runtime.StateStore on Redis. It is safe for concurrent use.
type Store struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
	owned   bool
}

var _ runtime.StateStore = (*Store)(nil)

// New returns a store on an existing client, which the caller keeps and
// closes. Any redis.UniversalClient works: a single node, Sentinel or
// Cluster.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	opts.Timeout = redisconn.Timeout(opts.Timeout)
	return &Store{rdb: rdb, prefix: opts.Prefix, timeout: opts.Timeout}
}

// Open connects to the Redis server at url (redis://[user:password@]host:port/db
// or rediss:// for TLS) and checks that it answers, so that a server
// configured with an unreachable Redis says so at start rather than on its
// first request. Close closes the connection.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	rdb, err := redisconn.Open(ctx, "redisstore", url, redisconn.Timeout(opts.Timeout))
	if err != nil {
		return nil, err
	}
	s := New(rdb, opts)
	s.owned = true
	return s, nil
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return redisconn.Ping(ctx, "redisstore", s.rdb, s.timeout)
}

// Close closes the client if Open created it; a client passed to New is
// the caller's to close.
func (s *Store) Close() error {
	if s.owned {
		return s.rdb.Close()
	}
	return nil
}

// Get returns the value stored under key, and false if there is none or it
// expired.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	v, err := s.rdb.Get(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("redisstore: get: %w", err)
	}
	return v, true, nil
}

// Take returns the value stored under key and deletes it, in one atomic
// step (GETDEL), so that of several replicas redeeming one single-use value
// (an authorization code, say) exactly one gets it. It implements
// runtime/auth/oauthproxy's Taker.
func (s *Store) Take(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	v, err := s.rdb.GetDel(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("redisstore: take: %w", err)
	}
	return v, true, nil
}

// Set stores value under key for ttl, which must be positive (Redis keeps
// millisecond precision; a ttl under a millisecond counts as one).
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("redisstore: set %q: ttl must be positive, got %v", key, ttl)
	}
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.rdb.Set(ctx, s.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("redisstore: set: %w", err)
	}
	return nil
}

// Delete removes the keys; missing keys are not an error. On Redis Cluster
// keys may live in different slots, so each is deleted on its own.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, s.prefix+k)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: delete: %w", err)
	}
	return nil
}

func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return redisconn.Bound(ctx, s.timeout)
}
