package limit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/time/rate"
)

// CodeRateLimited is the JSON-RPC error code of a request refused by Rate:
// -32000, the first of JSON-RPC's server errors, as FastMCP's rate limiting
// middleware answers.
const CodeRateLimited = -32000

// DefaultMaxKeys is the number of buckets Rate keeps at most when
// RateOptions.MaxKeys is zero.
const DefaultMaxKeys = 100_000

// RateOptions configure Rate.
type RateOptions struct {
	// PerSecond is the sustained rate: each bucket gains this many tokens
	// a second, and each request takes one. It must be positive.
	PerSecond float64
	// Burst is the size of each bucket: how many requests may come at once
	// after a quiet spell. Zero means twice PerSecond (at least 1), as in
	// FastMCP.
	Burst int
	// Key names the bucket of a request. Nil means one bucket per session
	// (Request.SessionID); return the caller's identity (an API key, a
	// token's subject; see ByHeader) to limit per principal. Requests whose
	// key is "" share one bucket.
	Key func(r *runtime.Request) string
	// Tools, if not nil, limits only calls of these tools (by the names
	// clients call them), each tool with its own bucket per key; other
	// requests pass. Nil limits every request middleware sees (lists,
	// calls, reads, gets and completions), all from one bucket per key.
	Tools []string
	// MaxKeys bounds the buckets kept. A bucket that has filled up again is
	// forgotten (a new one would be the same), so only keys active within
	// Burst/PerSecond seconds hold memory; beyond MaxKeys such keys share
	// one bucket until some are forgotten. Zero means DefaultMaxKeys.
	MaxKeys int
}

// ByHeader returns a RateOptions.Key that names a request's bucket by the
// value of an HTTP header (an API key, say), and by its session when the
// header is absent (stdio, or a client that sends none).
//
// The client chooses the header's value: unless something in front of the
// server authenticates it, a client that sends a new value each time gets
// a new bucket each time, and once MaxKeys are in use pushes other callers
// into the shared overflow bucket. Key by a verified identity where one
// exists (ByPrincipal).
func ByHeader(name string) func(r *runtime.Request) string {
	return func(r *runtime.Request) string {
		if v := r.Header.Get(name); v != "" {
			return "h:" + v
		}
		return "s:" + r.SessionID
	}
}

// ByPrincipal is a RateOptions.Key that names a request's bucket by its
// verified principal (runtime.Principal.Key: issuer, subject and client),
// so that every session and replica-independent request of one caller
// shares a bucket; an unauthenticated request is keyed by its session.
//
// The client is part of the key: one user has a bucket per client they
// use, each client its own budget. Where clients register themselves
// (dynamic registration, client ID metadata documents) a user can mint
// clients, and with them buckets, at will; to limit the user, key by
// ByPrincipalSubject.
func ByPrincipal(r *runtime.Request) string {
	if k := r.Principal.Key(); k != "" {
		return "p:" + k
	}
	return "s:" + r.SessionID
}

// ByPrincipalSubject is a RateOptions.Key that names a request's bucket
// by its principal's issuer and subject alone: one bucket per user,
// whatever client they call through, so that registering more clients
// buys no more requests. A principal without a subject (a client
// credentials token) is keyed as by ByPrincipal (its client), and an
// unauthenticated request by its session.
func ByPrincipalSubject(r *runtime.Request) string {
	p := r.Principal
	if p == nil || p.Subject == "" {
		return ByPrincipal(r)
	}
	h := sha256.New()
	h.Write([]byte(p.Issuer))
	h.Write([]byte{0})
	h.Write([]byte(p.Subject))
	return "u:" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Rate returns middleware that limits requests with token buckets
// (golang.org/x/time/rate), per session unless RateOptions.Key says
// otherwise, over every method or over the listed tools. A request beyond
// the limit is answered with a JSON-RPC error, CodeRateLimited, whose
// message and data say when to retry:
//
//	{"code":-32000,"message":"Rate limit exceeded: retry after 0.5s","data":{"retryAfter":0.5}}
//
// (retryAfter in seconds). The handler does not run. It fails if PerSecond
// is not a positive number or Burst or MaxKeys is negative.
func Rate(o RateOptions) (runtime.Middleware, error) {
	b, err := newBuckets(o, time.Now)
	if err != nil {
		return nil, err
	}
	return func(next runtime.Handler) runtime.Handler {
		return func(ctx context.Context, r *runtime.Request) (mcp.Result, error) {
			bucket := ""
			if b.tools != nil {
				if r.Method != runtime.MethodCallTool || !b.tools[r.Name] {
					return next(ctx, r)
				}
				bucket = r.Name
			}
			key := r.SessionID
			if o.Key != nil {
				key = o.Key(r)
			}
			if wait, ok := b.take(bucket, key); !ok {
				return nil, rateLimited(wait)
			}
			return next(ctx, r)
		}
	}, nil
}

// rateLimited is the error for a request that may be retried after wait.
func rateLimited(wait time.Duration) error {
	wait = wait.Round(time.Millisecond)
	if wait < time.Millisecond {
		wait = time.Millisecond
	}
	secs := strconv.FormatFloat(wait.Seconds(), 'f', -1, 64)
	return &jsonrpc.Error{
		Code:    CodeRateLimited,
		Message: "Rate limit exceeded: retry after " + secs + "s",
		Data:    []byte(`{"retryAfter":` + secs + `}`),
	}
}

// buckets holds the token buckets of Rate, by tool and key.
type buckets struct {
	limit    rate.Limit
	burst    int
	maxKeys  int
	tools    map[string]bool // nil: every request
	now      func() time.Time
	mu       sync.Mutex
	m        map[bucketKey]*rate.Limiter
	overflow *rate.Limiter // shared by new keys while m is full
	sweepAt  int           // sweep when m grows to this size
	swept    time.Time     // the last sweep
	refill   time.Duration // how long an empty bucket takes to fill
}

type bucketKey struct{ tool, key string }

const minSweep = 1024

func newBuckets(o RateOptions, now func() time.Time) (*buckets, error) {
	switch {
	case !(o.PerSecond > 0) || math.IsInf(o.PerSecond, 0):
		return nil, fmt.Errorf("limit.Rate: PerSecond must be a positive number, not %v", o.PerSecond)
	case o.Burst < 0:
		return nil, fmt.Errorf("limit.Rate: Burst must not be negative, not %d", o.Burst)
	case o.MaxKeys < 0:
		return nil, fmt.Errorf("limit.Rate: MaxKeys must not be negative, not %d", o.MaxKeys)
	}
	b := &buckets{limit: rate.Limit(o.PerSecond), burst: o.Burst, maxKeys: o.MaxKeys, now: now, m: map[bucketKey]*rate.Limiter{}, sweepAt: minSweep}
	if b.burst == 0 {
		b.burst = max(1, int(math.Min(2*o.PerSecond, math.MaxInt32)))
	}
	if b.maxKeys == 0 {
		b.maxKeys = DefaultMaxKeys
	}
	if o.Tools != nil {
		b.tools = make(map[string]bool, len(o.Tools))
		for _, t := range o.Tools {
			b.tools[t] = true
		}
	}
	b.overflow = rate.NewLimiter(b.limit, b.burst)
	b.refill = time.Duration(float64(b.burst) / o.PerSecond * float64(time.Second))
	return b, nil
}

// take takes a token from the bucket of tool and key, or reports how long
// until one is there.
func (b *buckets) take(tool, key string) (time.Duration, bool) {
	now := b.now()
	lim := b.bucket(bucketKey{tool, key}, now)
	if lim.AllowN(now, 1) {
		return 0, true
	}
	missing := 1 - lim.TokensAt(now)
	return time.Duration(missing / float64(b.limit) * float64(time.Second)), false
}

func (b *buckets) bucket(k bucketKey, now time.Time) *rate.Limiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	if lim, ok := b.m[k]; ok {
		return lim
	}
	// Sweep as m doubles, and while it is full at most once per refill
	// time (before that no bucket can have filled up since the last one).
	if len(b.m) >= b.sweepAt || len(b.m) >= b.maxKeys && now.Sub(b.swept) >= b.refill {
		b.sweep(now)
	}
	if len(b.m) >= b.maxKeys {
		return b.overflow
	}
	lim := rate.NewLimiter(b.limit, b.burst)
	b.m[k] = lim
	return lim
}

// sweep forgets the buckets that have filled up again. b.mu is held.
func (b *buckets) sweep(now time.Time) {
	full := float64(b.burst)
	for k, lim := range b.m {
		if lim.TokensAt(now) >= full {
			delete(b.m, k)
		}
	}
	b.sweepAt = max(minSweep, 2*len(b.m))
	b.swept = now
}
