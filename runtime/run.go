package runtime

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Run serves the transport chosen by the command line (os.Args) and the
// environment, until ctx is done or SIGINT/SIGTERM arrives. See RunArgs.
//
// The first signal shuts the server down gracefully (see ListenAndServe and
// ServeIO: calls in flight get Options.ShutdownTimeout to finish); a second
// one ends the process at once.
func (s *Server) Run(ctx context.Context) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // from now on a signal has its default effect
	return s.RunArgs(ctx, os.Args[1:])
}

// RunArgs serves the transport chosen by args:
//
//	-http ADDR       serve streamable HTTP at http://ADDR/mcp (env MCPGEN_HTTP)
//	-stateless       serve HTTP without sessions (env MCPGEN_STATELESS=1)
//	-json-response   answer HTTP with application/json rather than SSE
//	-access-log      log one JSON line per request to stderr (Options.AccessLog;
//	                 env MCPGEN_ACCESS_LOG=1)
//
// and the limits of Options, each also read from the environment:
//
//	-max-in-flight N         Options.MaxInFlight (MCPGEN_MAX_IN_FLIGHT)
//	-max-abandoned N         Options.MaxAbandonedCalls (MCPGEN_MAX_ABANDONED)
//	-max-body-bytes N        Options.MaxBodyBytes (MCPGEN_MAX_BODY_BYTES)
//	-max-body-memory N       Options.MaxBodyMemory (MCPGEN_MAX_BODY_MEMORY)
//	-max-sessions N          Options.MaxSessions (MCPGEN_MAX_SESSIONS)
//	-session-timeout D       Options.SessionTimeout (MCPGEN_SESSION_TIMEOUT)
//	-allowed-origins LIST    Options.AllowedOrigins, comma-separated (MCPGEN_ALLOWED_ORIGINS)
//	-read-timeout D          Options.ReadTimeout (MCPGEN_READ_TIMEOUT)
//	-write-timeout D         Options.WriteTimeout (MCPGEN_WRITE_TIMEOUT)
//	-idle-timeout D          Options.IdleTimeout (MCPGEN_IDLE_TIMEOUT)
//	-max-connections N       Options.MaxConnections (MCPGEN_MAX_CONNECTIONS)
//	-shutdown-timeout D      Options.ShutdownTimeout (MCPGEN_SHUTDOWN_TIMEOUT)
//
// With no -http, it serves stdio. Flags override the environment, which
// overrides Options. When serving HTTP it prints the endpoint URL to
// stderr.
func (s *Server) RunArgs(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet(s.impl.Name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	addr := fs.String("http", os.Getenv("MCPGEN_HTTP"), "serve streamable HTTP on `address` (host:port) instead of stdio")
	stateless := fs.Bool("stateless", envBool("MCPGEN_STATELESS"), "serve HTTP without sessions")
	jsonResp := fs.Bool("json-response", envBool("MCPGEN_JSON_RESPONSE"), "answer HTTP requests with application/json instead of SSE")
	accessLog := fs.Bool("access-log", envBool("MCPGEN_ACCESS_LOG"), "log one JSON line per request to standard error (env MCPGEN_ACCESS_LOG)")
	env := &envLimits{}
	o := &s.opts
	env.int(fs, &o.MaxInFlight, DefaultMaxInFlight, "max-in-flight", "MCPGEN_MAX_IN_FLIGHT", "requests of a stdio session in flight at once")
	env.int(fs, &o.MaxAbandonedCalls, DefaultMaxAbandonedCalls, "max-abandoned", "MCPGEN_MAX_ABANDONED", "calls of one tool still running after their timeout, beyond which the tool is refused")
	env.int64(fs, &o.MaxBodyBytes, DefaultMaxBodyBytes, "max-body-bytes", "MCPGEN_MAX_BODY_BYTES", "largest HTTP request body")
	env.int64(fs, &o.MaxBodyMemory, DefaultMaxBodyMemory, "max-body-memory", "MCPGEN_MAX_BODY_MEMORY", "memory of the HTTP request bodies being read at once, beyond 64 KiB each")
	env.int(fs, &o.MaxSessions, DefaultMaxSessions, "max-sessions", "MCPGEN_MAX_SESSIONS", "live HTTP sessions at once (negative: no limit)")
	env.duration(fs, &o.SessionTimeout, DefaultSessionTimeout, "session-timeout", "MCPGEN_SESSION_TIMEOUT", "close HTTP sessions idle this long (negative: never)")
	env.list(fs, &o.AllowedOrigins, "allowed-origins", "MCPGEN_ALLOWED_ORIGINS", "browser origins allowed besides same-origin, comma-separated (* for any)")
	env.duration(fs, &o.ReadTimeout, DefaultReadTimeout, "read-timeout", "MCPGEN_READ_TIMEOUT", "time to read an HTTP request's headers and body")
	env.duration(fs, &o.WriteTimeout, DefaultWriteTimeout, "write-timeout", "MCPGEN_WRITE_TIMEOUT", "time for each write of an HTTP response")
	env.duration(fs, &o.IdleTimeout, DefaultIdleTimeout, "idle-timeout", "MCPGEN_IDLE_TIMEOUT", "close keep-alive connections idle this long")
	env.int(fs, &o.MaxConnections, DefaultMaxConnections, "max-connections", "MCPGEN_MAX_CONNECTIONS", "open HTTP connections at once (negative: no limit)")
	env.duration(fs, &o.ShutdownTimeout, DefaultShutdownTimeout, "shutdown-timeout", "MCPGEN_SHUTDOWN_TIMEOUT", "time the requests in flight get to finish when the server stops")
	if env.err != nil {
		return env.err
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage of %s: serves MCP over stdio, or over streamable HTTP with -http.\n", s.impl.Name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *accessLog && s.opts.AccessLog == nil {
		s.opts.AccessLog = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if *addr == "" {
		return s.ServeStdio(ctx)
	}
	s.opts.Stateless = s.opts.Stateless || *stateless
	s.opts.JSONResponse = s.opts.JSONResponse || *jsonResp
	return s.ListenAndServe(ctx, *addr, func(url string) {
		fmt.Fprintf(os.Stderr, "%s: serving MCP on %s\n", s.impl.Name, url)
	})
}

// envLimits registers the limit flags, each defaulting to its environment
// variable, else the Options value, else the runtime's default; the first
// malformed variable is err.
type envLimits struct{ err error }

func (e *envLimits) bad(name, v string, err error) {
	if e.err == nil {
		e.err = fmt.Errorf("environment variable %s=%q: %v", name, v, err)
	}
}

func (e *envLimits) int(fs *flag.FlagSet, p *int, def int, flagName, envName, usage string) {
	if *p == 0 {
		*p = def
	}
	if v := os.Getenv(envName); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.bad(envName, v, err)
		}
		*p = n
	}
	fs.IntVar(p, flagName, *p, usage+" (env "+envName+")")
}

func (e *envLimits) int64(fs *flag.FlagSet, p *int64, def int64, flagName, envName, usage string) {
	if *p == 0 {
		*p = def
	}
	if v := os.Getenv(envName); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.bad(envName, v, err)
		}
		*p = n
	}
	fs.Int64Var(p, flagName, *p, usage+" (env "+envName+")")
}

func (e *envLimits) duration(fs *flag.FlagSet, p *time.Duration, def time.Duration, flagName, envName, usage string) {
	if *p == 0 {
		*p = def
	}
	if v := os.Getenv(envName); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.bad(envName, v, err)
		}
		*p = d
	}
	fs.DurationVar(p, flagName, *p, usage+" (env "+envName+")")
}

func (e *envLimits) list(fs *flag.FlagSet, p *[]string, flagName, envName, usage string) {
	if v := os.Getenv(envName); v != "" {
		*p = splitList(v)
	}
	fs.Func(flagName, usage+" (env "+envName+")", func(v string) error {
		*p = splitList(v)
		return nil
	})
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

// ListenAndServe serves streamable HTTP at /mcp on addr until ctx is done,
// then shuts down gracefully. Beside /mcp it serves /healthz (liveness)
// and /readyz (readiness; see LivenessHandler and ReadinessHandler).
//
// It listens first and starts the server's lifespans (Start) while
// already answering: the probes say "starting" and /mcp answers 503 until
// the lifespans have started. ready, if not nil, is then called with the
// endpoint URL (useful with port 0).
//
// When ctx is done it turns readiness false, refuses new requests with
// 503 and stops keeping connections alive, gives the requests in flight
// Options.ShutdownTimeout to finish, closes every session (which ends
// their streams), stops listening, closes the connections left
// (cancelling what still runs), and stops the lifespans (Close).
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(url string)) (err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Close(context.Background())) }()
	mux := http.NewServeMux()
	mux.Handle("/mcp", s.Handler())
	mux.Handle("/healthz", s.LivenessHandler())
	mux.Handle("/readyz", s.ReadinessHandler())
	// The handler bounds each write (Options.WriteTimeout); the server's
	// WriteTimeout only resets the deadline before each request, so that a
	// deadline left by one request never cuts the next.
	readTimeout := orDefault(s.opts.ReadTimeout, DefaultReadTimeout)
	headerTimeout := 10 * time.Second
	if readTimeout > 0 && readTimeout < headerTimeout {
		headerTimeout = readTimeout
	}
	var h http.Handler = mux
	for i := len(s.opts.HTTPMiddleware) - 1; i >= 0; i-- {
		h = s.opts.HTTPMiddleware[i](h)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      orDefault(s.opts.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       orDefault(s.opts.IdleTimeout, DefaultIdleTimeout),
	}
	if max := s.opts.MaxConnections; max >= 0 {
		if max == 0 {
			max = DefaultMaxConnections
		}
		ln = limitListener(ln, max)
	}
	s.life.phase.CompareAndSwap(phaseCreated, phaseStarting) // before the first probe
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if err := s.Start(ctx); err != nil {
		srv.Close()
		<-errc
		return err
	}
	if ready != nil {
		ready("http://" + ln.Addr().String() + "/mcp")
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return s.shutdownHTTP(srv, errc)
}

// shutdownHTTP shuts srv down gracefully: see ListenAndServe. The listener
// stays open while the requests in flight finish, so that a client can
// still answer the server's own requests (an elicitation) on a new
// connection; each connection closes after its response.
func (s *Server) shutdownHTTP(srv *http.Server, errc <-chan error) error {
	deadline, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout())
	defer cancel()
	s.drain()
	srv.SetKeepAlivesEnabled(false)
	s.waitCalls(deadline)
	s.closeSessions() // which ends their streams
	if err := srv.Shutdown(deadline); err != nil {
		srv.Close() // the deadline passed: cut what is left, cancelling its handlers
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// limitListener accepts at most max connections open at once; further ones
// wait in the listen backlog until one closes.
func limitListener(ln net.Listener, max int) net.Listener {
	return &limitedListener{Listener: ln, slots: make(chan struct{}, max), closed: make(chan struct{})}
}

type limitedListener struct {
	net.Listener
	slots     chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

func (l *limitedListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitedListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
