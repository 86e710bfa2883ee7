// Package replicas lets a server run as several replicas behind a load
// balancer that routes each HTTP request anywhere (round robin, no sticky
// sessions).
//
// Most of what that takes is elsewhere: the tasks live in Redis
// (runtime/tasks/redistasks), so do session state (runtime/state/redisstore),
// and the replicas share the request-state key (Options.RequestStateKey),
// so that any replica continues a multi round-trip request. Protocol
// 2026-07-28 is stateless: nothing more is needed. A 2025-11-25 client,
// though, opens a stateful session (Mcp-Session-Id) whose live part (its
// SSE streams, the server's requests waiting for the client's answers,
// go-sdk's session) exists in one process only. Rather than ask the load
// balancer for affinity, the Router records in a shared store which
// replica holds each session, and a replica that receives a request of a
// session it does not hold forwards it there, streams included. A
// session whose replica died is gone (404), as the protocol expects: the
// client initializes a new one.
//
//	router := replicas.NewRouter(replicas.Options{Self: "http://10.0.0.7:8080", Store: state})
//	srv := runtime.NewServer(impl, &runtime.Options{State: state, HTTPMiddleware: []func(http.Handler) http.Handler{router.Middleware}})
package replicas

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
)

// Options configure a Router.
type Options struct {
	// Self is this replica's base URL as the other replicas reach it
	// (scheme://host:port, without the /mcp path), recorded as the owner
	// of the sessions it opens. Required.
	Self string
	// Store is the store the replicas share (runtime/state/redisstore).
	// Required.
	Store runtime.StateStore
	// TTL is how long a session's route lives after its last request;
	// make it at least the servers' Options.SessionTimeout. Zero means
	// runtime.DefaultSessionTimeout.
	TTL time.Duration
	// Logger receives the router's diagnostics; nil discards them.
	Logger *slog.Logger
}

// Router routes each stateful session's requests to the replica that holds
// it.
type Router struct {
	self  *url.URL
	store runtime.StateStore
	ttl   time.Duration
	log   *slog.Logger
	proxy *httputil.ReverseProxy

	mu    sync.Mutex
	local map[string]time.Time // sessions held here -> when their route was last written
}

// ForwardedHeader marks a request one replica forwarded to another, which
// serves it whatever its records say (no second hop).
const ForwardedHeader = "Mcp-Forwarded-By"

const keyPrefix = "mcpgen-session-owner:"

// NewRouter returns a router; it panics without Self or Store.
func NewRouter(opts Options) *Router {
	if opts.Store == nil {
		panic("replicas.NewRouter: Options.Store is nil")
	}
	self, err := url.Parse(strings.TrimRight(opts.Self, "/"))
	if err != nil || self.Scheme == "" || self.Host == "" {
		panic("replicas.NewRouter: Options.Self must be a base URL (scheme://host:port), got " + opts.Self)
	}
	if opts.TTL <= 0 {
		opts.TTL = runtime.DefaultSessionTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rt := &Router{self: self, store: opts.Store, ttl: opts.TTL, log: log, local: map[string]time.Time{}}
	rt.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			owner, _ := pr.In.Context().Value(ownerKey{}).(*url.URL)
			pr.SetURL(owner)
			pr.Out.URL.Path, pr.Out.URL.RawPath = pr.In.URL.Path, pr.In.URL.RawPath
			pr.Out.Host = owner.Host
			pr.Out.Header.Set(ForwardedHeader, rt.self.String())
			pr.SetXForwarded()
		},
		FlushInterval: -1, // SSE: every event at once
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			// The owner is gone: so is the session.
			rt.log.Warn("the replica holding a session does not answer", "session", r.Header.Get("Mcp-Session-Id"), "err", err)
			http.Error(w, "session not found (its replica is gone)", http.StatusNotFound)
		},
	}
	return rt
}

type ownerKey struct{}

// Middleware routes the requests of h (a server's HTTP handler, as in
// runtime.Options.HTTPMiddleware).
func (rt *Router) Middleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("Mcp-Session-Id")
		if id == "" {
			// Maybe an initialize: the session it opens is this replica's.
			h.ServeHTTP(&opening{ResponseWriter: w, rt: rt, ctx: r.Context()}, r)
			return
		}
		if r.Header.Get(ForwardedHeader) == "" && !rt.holds(id) {
			if owner := rt.owner(r.Context(), id); owner != nil && owner.String() != rt.self.String() {
				rt.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ownerKey{}, owner)))
				return
			}
		}
		rt.touch(r.Context(), id)
		h.ServeHTTP(w, r)
		if r.Method == http.MethodDelete {
			rt.forget(r.Context(), id)
		}
	})
}

// holds reports whether this replica opened session id (and its route has
// not run out).
func (rt *Router) holds(id string) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	at, ok := rt.local[id]
	if ok && time.Since(at) > rt.ttl {
		delete(rt.local, id)
		return false
	}
	return ok
}

// owner returns the replica that holds session id, nil if none does.
func (rt *Router) owner(ctx context.Context, id string) *url.URL {
	v, ok, err := rt.store.Get(ctx, keyPrefix+id)
	if err != nil {
		rt.log.Warn("looking up a session's replica", "session", id, "err", err)
		return nil
	}
	if !ok {
		return nil
	}
	u, err := url.Parse(string(v))
	if err != nil || u.Host == "" {
		return nil
	}
	return u
}

// touch renews the route of a session held here, writing it at most
// every quarter of the TTL.
func (rt *Router) touch(ctx context.Context, id string) {
	rt.mu.Lock()
	at, ok := rt.local[id]
	due := !ok || time.Since(at) > rt.ttl/4
	if due && ok {
		rt.local[id] = time.Now()
	}
	rt.mu.Unlock()
	if due && ok {
		rt.record(ctx, id)
	}
}

func (rt *Router) record(ctx context.Context, id string) {
	if err := rt.store.Set(context.WithoutCancel(ctx), keyPrefix+id, []byte(rt.self.String()), rt.ttl); err != nil {
		rt.log.Warn("recording a session's replica", "session", id, "err", err)
	}
}

func (rt *Router) forget(ctx context.Context, id string) {
	rt.mu.Lock()
	_, ok := rt.local[id]
	delete(rt.local, id)
	rt.mu.Unlock()
	if ok {
		if err := rt.store.Delete(context.WithoutCancel(ctx), keyPrefix+id); err != nil {
			rt.log.Warn("forgetting a session's replica", "session", id, "err", err)
		}
	}
}

// opening records the session a response opens (its Mcp-Session-Id
// header) before the response is sent, so that the client's next request,
// wherever it lands, finds it.
type opening struct {
	http.ResponseWriter
	rt      *Router
	ctx     context.Context
	checked bool
}

func (o *opening) check() {
	if o.checked {
		return
	}
	o.checked = true
	id := o.Header().Get("Mcp-Session-Id")
	if id == "" {
		return
	}
	o.rt.mu.Lock()
	o.rt.local[id] = time.Now()
	o.rt.mu.Unlock()
	o.rt.record(o.ctx, id)
}

func (o *opening) WriteHeader(code int) {
	o.check()
	o.ResponseWriter.WriteHeader(code)
}

func (o *opening) Write(b []byte) (int, error) {
	o.check()
	return o.ResponseWriter.Write(b)
}

func (o *opening) Flush() {
	o.check()
	if f, ok := o.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (o *opening) Unwrap() http.ResponseWriter { return o.ResponseWriter }
