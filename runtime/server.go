package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"log/slog"
	"maps"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/yosida95/uritemplate/v3"
)

// Options configure a Server. The zero value serves with go-sdk's defaults.
type Options struct {
	// Instructions are sent to clients on initialization.
	Instructions string
	// Logger receives the server's own diagnostics (panics, transport
	// errors). Nil discards them.
	Logger *slog.Logger
	// PageSize is the number of items per page of tools/list,
	// resources/list, resources/templates/list and prompts/list. Zero (the
	// default) sends each list in one page; a negative value makes
	// NewServer panic.
	PageSize int
	// KeepAlive, when positive, pings each session at this interval and
	// closes sessions that stop answering.
	KeepAlive time.Duration
	// Stateless serves streamable HTTP without sessions: every request
	// stands alone, and server-to-client requests (sampling, elicitation)
	// are unavailable.
	Stateless bool
	// JSONResponse answers streamable HTTP requests with application/json
	// instead of an SSE stream.
	JSONResponse bool
	// SessionTimeout closes HTTP sessions idle for this long. Zero means
	// DefaultSessionTimeout (30 minutes); a negative value keeps them until
	// the client ends them.
	SessionTimeout time.Duration
	// EventStore keeps the SSE events of HTTP sessions so that a client
	// whose stream broke (or was closed with CloseSSEStream) resumes it
	// with Last-Event-ID (SEP-1699; sessions are of 2025-11-25 and before).
	// Nil means no resumption. mcp.NewMemoryEventStore keeps up to 10 MiB
	// in memory, dropping the oldest events first.
	EventStore mcp.EventStore
	// MaskErrors keeps the text of failures from clients: the error a tool
	// returned (an error result made by ErrorResult, as generated code
	// does), a panic, and an error that is not a JSON-RPC error (an
	// internal error, -32603) from a tool, resource, prompt or completion
	// handler or from middleware, are sent as a message that only names the
	// component (`tool "search" failed`, `resource "notes://7" failed`);
	// the details are logged with the request's trace id. A *ToolError
	// (ToolErrorf) is shown whatever this option, as are invalid arguments,
	// timeouts, error results a tool built itself, "resource not found"
	// and JSON-RPC errors such as InvalidParams. See mask.go.
	MaskErrors bool
	// NoFastPath serves every request through go-sdk. By default the
	// runtime answers well-formed requests of the hot methods (tools/call,
	// the lists, resources/read, prompts/get, completion/complete, ping)
	// itself, with the same bytes go-sdk would send, without go-sdk's
	// per-message decoding: over stdio, on stateful HTTP sessions, and
	// tools/call on a stateless server with JSON responses (see hot.go).
	NoFastPath bool
	// State stores session state (SetState, GetState, per-session
	// visibility). Nil means an in-memory store (package state).
	State StateStore
	// StateTTL is how long session state lives after it was last written.
	// Zero means DefaultStateTTL (24 hours).
	StateTTL time.Duration
	// SessionKey, if set, names the session of a request that arrives
	// without one (stateless HTTP), for example from an API key header; ""
	// leaves it sessionless. The key must identify the caller, since it
	// selects the session's state. Unset, an authenticated request's
	// session is its principal's (Principal.Key); an unauthenticated one
	// stays sessionless.
	SessionKey func(r *Request) string
	// AuthorizeStdio runs the components' authorization checks (Tool.Auth
	// and the like) on stdio too. By default they are skipped there: the
	// client is a local process the user started, and stdio carries no
	// token. With it, a stdio request has the principal Authenticate names,
	// or none, which hides every component that has checks.
	AuthorizeStdio bool
	// Authenticate, if set, names the principal of a stdio (or in-memory)
	// request, for example from a token in the environment. It runs
	// before the session key is chosen; nil leaves such requests
	// unauthenticated. It does not run on HTTP unless AuthenticateHTTP:
	// whatever it returns would be the principal of every anonymous HTTP
	// caller.
	Authenticate func(r *Request) *Principal
	// AuthenticateHTTP also runs Authenticate on HTTP requests that no
	// authentication middleware (runtime/auth's Require, WithPrincipal)
	// gave a principal. Set it only for an Authenticate that verifies the
	// HTTP request itself (r.Header, r.HTTPRequest: a signed header from
	// a trusted gateway, a client certificate) and returns nil when that
	// fails; one that names a fixed principal, as from the environment,
	// hands it to anyone who can reach the endpoint.
	AuthenticateHTTP bool
	// HTTPMiddleware wraps the whole HTTP handler ListenAndServe (and so
	// Run's -http) serves: the MCP endpoint /mcp, the health probes and
	// anything a middleware answers itself. runtime/auth's Require is one:
	// it guards /mcp, serves the protected-resource metadata beside it and
	// lets the probes through. The first is the outermost.
	HTTPMiddleware []func(http.Handler) http.Handler
	// TaskSupport is the task support of tools that declare none
	// (Tool.TaskSupport); "" means TaskForbidden. It takes effect with a
	// task engine (package runtime/tasks).
	TaskSupport TaskSupport
	// Extensions are declared in the server's capabilities
	// (capabilities.extensions), by extension identifier.
	Extensions map[string]any
	// RequestStateKey signs the requestState of multi round-trip results
	// (HMAC-SHA256; at least 32 bytes, or NewServer panics). Nil means the
	// environment variable MCPGEN_REQUEST_STATE_KEY, and without it a
	// random key per process: give replicas that share clients the same
	// key.
	RequestStateKey []byte
	// RequestStateTTL is how long a requestState stays valid, the time the
	// client has to come back with the input. Zero means
	// DefaultRequestStateTTL (30 minutes).
	RequestStateTTL time.Duration

	// Limits. Each has a default that holds against hostile clients; the
	// README's "Limits" section lists them with their flags.

	// MaxInFlight bounds the requests of one stdio session that are read
	// but not yet answered; while that many are in flight, no further
	// input is read. Zero means DefaultMaxInFlight.
	MaxInFlight int
	// MaxBodyBytes bounds an HTTP request body; a larger one gets 413.
	// Zero means DefaultMaxBodyBytes (go-sdk's limit).
	MaxBodyBytes int64
	// MaxBodyMemory bounds the memory of the HTTP request bodies being
	// read at once, beyond the first 64 KiB of each; a body that would
	// exceed it gets 503. Zero means DefaultMaxBodyMemory; negative, no
	// limit.
	MaxBodyMemory int64
	// MaxSessions bounds the live stateful HTTP sessions; an initialize
	// beyond it gets 503 with a JSON-RPC error. Zero means
	// DefaultMaxSessions; a negative value means no limit.
	MaxSessions int
	// AllowedOrigins are the browser origins (scheme://host[:port]) whose
	// requests HTTP serves besides same-origin ones; "*" allows any. A
	// request with any other Origin header gets 403, as the MCP
	// specification requires. Requests without an Origin (not from a
	// browser) are always served.
	AllowedOrigins []string
	// ReadTimeout bounds reading one HTTP request, headers and body
	// (ListenAndServe). Zero means DefaultReadTimeout; negative, none.
	ReadTimeout time.Duration
	// WriteTimeout bounds each write of an HTTP response: a JSON body, an
	// SSE event. The time a handler takes between writes is not bounded by
	// it. Zero means DefaultWriteTimeout; negative, none.
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle for this long
	// (ListenAndServe). Zero means DefaultIdleTimeout; negative, none.
	IdleTimeout time.Duration
	// MaxConnections bounds the open HTTP connections (ListenAndServe);
	// further ones wait to be accepted. Zero means DefaultMaxConnections;
	// negative, no limit.
	MaxConnections int
	// MaxAbandonedCalls bounds, per tool, the calls still running after
	// their timeout (handlers that ignore their context). Beyond it the
	// tool's new calls get an error result until some return. Zero means
	// DefaultMaxAbandonedCalls; negative, no limit.
	MaxAbandonedCalls int

	// Observer is told of every message the server receives and of its
	// outcome (see Observer); runtime/otel's tracing and metrics are one.
	// Nil means none, at no cost.
	Observer Observer

	// ShutdownTimeout is how long the requests in flight may take to
	// finish when the server shuts down (SIGTERM under Run, the end of
	// ListenAndServe's context, Shutdown); then sessions close and what
	// still runs is cancelled. Zero means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration

	// AccessLog, if set, receives one record per request the catalogue
	// answers (every method middleware sees, and calls of unknown
	// components): method, name, duration, outcome, session and trace id
	// (see AccessLog). Nil, the default, logs nothing and costs nothing.
	// RunArgs's -access-log flag sets it to JSON lines on standard error.
	AccessLog *slog.Logger
}

// Defaults of the limits in Options.
const (
	DefaultMaxInFlight       = 64
	DefaultMaxBodyBytes      = mcp.DefaultMaxRequestBodyBytes
	DefaultMaxBodyMemory     = 64 << 20
	DefaultMaxSessions       = 10000
	DefaultSessionTimeout    = 30 * time.Minute
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxConnections    = 1024
	DefaultMaxAbandonedCalls = 16
)

// Server serves components over MCP. Create one with NewServer, add
// providers with Add or Mount, install middleware with Use, then serve with
// Run, ServeStdio or Handler. A Server is itself a Provider, so that one
// server can be mounted in another.
type Server struct {
	impl *Implementation
	opts Options
	log  *slog.Logger
	// authHTTPOnce: the log said once that Authenticate skips HTTP.
	authHTTPOnce sync.Once
	mcp          *mcp.Server
	// send is go-sdk's sending method handler, for notifications to one
	// session.
	send   mcp.MethodHandler
	store  StateStore
	states *stateSigner // signs multi round-trip request states

	mu         sync.Mutex
	sources    []*source
	transforms []Transform
	lifespans  []lifespan
	mw         []Middleware
	chain      Handler // built on first use; Use afterwards panics

	watchers Watchers // the parents this server is mounted in (Watch)

	snap          atomic.Pointer[snapshot]
	buildMu       sync.Mutex // serializes rebuilds
	rebuildQueued atomic.Bool
	rulesMu       sync.Mutex // serializes changes of session rules

	// recv is the receiving chain go-sdk runs for every request (the
	// observer, the catalogue, go-sdk's own handlers), which the runtime's
	// own path runs too (hot.go).
	recv      mcp.MethodHandler
	hotServed atomic.Int64 // requests answered on the runtime's own path, for tests
	metaOnce  sync.Once    // meta: the _meta of a 2026-07-28 result, naming the server
	meta      []byte
	metaErr   error

	// Plug-in seams (task.go): the task engine, the methods of
	// HandleMethod, the capabilities of DeclareSessionCapability.
	engine      atomic.Pointer[TaskEngine]
	methods     map[string]MethodHandler
	sessionCaps map[string]any
	// Notifications of the runtime's own (notify.go): the stream of each
	// session held here, and the handlers of HandleListen.
	outs    sync.Map // session id -> outbound
	listens map[string]ListenHandler

	calls     atomic.Int64 // HTTP requests being handled (health.go)
	sessions  sync.Map     // *mcp.ServerSession -> *session
	conns     connections
	abandoned abandonedCalls
	authLogs  logLimiter // failing authorization checks logged per component at most every 10 s

	life lifecycle
}

// NewServer returns a server that identifies itself as impl. It panics if
// opts.PageSize is negative or the request state key (Options or
// environment) is shorter than 32 bytes.
func NewServer(impl *Implementation, opts *Options) *Server {
	s := &Server{impl: impl}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.PageSize < 0 {
		panic(fmt.Sprintf("runtime.NewServer: Options.PageSize is %d; use 0 for unpaged lists or a positive page size", s.opts.PageSize))
	}
	// The server's own copy, which DeclareExtension adds to; go-sdk reads
	// it whenever it sends the capabilities.
	s.opts.Extensions = maps.Clone(s.opts.Extensions)
	if s.opts.Extensions == nil {
		s.opts.Extensions = map[string]any{}
	}
	s.states = newStateSigner(&s.opts)
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.store = s.opts.State
	if s.store == nil {
		s.store = newMemoryStore()
	}
	s.mcp = mcp.NewServer(impl, &mcp.ServerOptions{
		Instructions: s.opts.Instructions,
		Logger:       s.opts.Logger,
		KeepAlive:    s.opts.KeepAlive,
		// The catalogue is the runtime's and may change at any time, so
		// every list is declared, with list_changed.
		Capabilities: &mcp.ServerCapabilities{
			Logging:     &mcp.LoggingCapabilities{},
			Tools:       &mcp.ToolCapabilities{ListChanged: true},
			Resources:   &mcp.ResourceCapabilities{ListChanged: true, Subscribe: true},
			Prompts:     &mcp.PromptCapabilities{ListChanged: true},
			Completions: &mcp.CompletionCapabilities{},
			Extensions:  s.opts.Extensions,
		},
		SubscribeHandler:   s.subscribe,
		UnsubscribeHandler: s.unsubscribe,
	})
	s.mcp.AddSendingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		s.send = next
		return s.ackWithPlugins(next)
	})
	s.mcp.AddReceivingMiddleware(s.receive)
	return s
}

// DeclareExtension declares the extension id, with its settings, in the
// server's capabilities (capabilities.extensions), as Options.Extensions
// does: for plug-ins that implement an extension, such as runtime/skills.
// Call it while setting the server up, before it serves: clients that
// connected before do not see it.
func (s *Server) DeclareExtension(id string, settings any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Extensions[id] = settings
}

// MCP returns the underlying go-sdk server, for what this package does not
// cover (its registry stays empty: components are added with Add).
// Receiving middleware added to it directly does not see the requests the
// runtime answers itself (Options.NoFastPath), nor sending middleware the
// notifications of those calls on stateful HTTP with SSE responses; use
// Options.Observer and Server.Use, which see every request.
func (s *Server) MCP() *mcp.Server { return s.mcp }

// Add adds providers, in order: on a name clash the highest version wins,
// and with equal or no versions the provider added first. Each provider is
// listed at once, and Add fails, adding nothing from the failing provider
// onward, if its listing fails or holds an invalid component (no handler,
// a URI template that does not parse, the same name and version twice).
// Providers may be added while the server runs: clients are sent
// list_changed.
func (s *Server) Add(providers ...Provider) error {
	for _, p := range providers {
		if err := s.Mount(p); err != nil {
			return err
		}
	}
	return nil
}

// Mount adds a provider, or a whole Server, with transforms applied to its
// components in order (for a namespace, end with transform.Namespace).
// A mounted Server stays live (components it gains later appear here), its
// middleware runs for its components after this server's, and its
// lifespans run with this server's.
func (s *Server) Mount(p Provider, transforms ...Transform) error {
	if p == nil {
		return errors.New("runtime: Mount of a nil provider")
	}
	if srv, ok := p.(*Server); ok && srv == s {
		return errors.New("runtime: a server cannot mount itself")
	}
	tp := WithTransforms(p, transforms...)
	c, err := s.listProvider(context.Background(), tp)
	if err != nil {
		return fmt.Errorf("provider %T: %w", p, err)
	}
	if err := validate(c); err != nil {
		return fmt.Errorf("provider %T: %w", p, err)
	}
	src := &source{p: tp, name: fmt.Sprintf("%T", p), c: c, listed: true}
	s.mu.Lock()
	s.sources = append(s.sources, src)
	lp, hasLife := p.(LifespanProvider)
	if hasLife {
		s.lifespans = append(s.lifespans, lifespan{provider: lp, name: src.name})
	}
	s.mu.Unlock()
	if hasLife && s.life.running() {
		if err := s.startLate(lp.Lifespan); err != nil {
			return err
		}
	}
	s.changed()
	return nil
}

// AddTransform appends server-level transforms, applied to the components
// of every provider after the providers' own transforms, in order.
func (s *Server) AddTransform(transforms ...Transform) {
	s.mu.Lock()
	s.transforms = append(s.transforms, transforms...)
	s.mu.Unlock()
	s.changed()
}

// changed rebuilds the catalogue after the server's configuration
// changed, if it was built already (otherwise the first request builds
// it).
func (s *Server) changed() {
	if s.snap.Load() != nil {
		s.rebuild(context.Background(), true)
	}
}

// validate checks one provider's listing.
func validate(c *Components) error {
	seen := map[string]bool{}
	once := func(key string) error {
		if seen[key] {
			return fmt.Errorf("%s is listed twice", key)
		}
		seen[key] = true
		return nil
	}
	for _, t := range c.Tools {
		if t == nil || t.Name == "" {
			return errors.New("a tool has no name")
		}
		if t.Handler == nil {
			return fmt.Errorf("tool %q has no handler", t.Name)
		}
		if err := once(t.Key()); err != nil {
			return err
		}
	}
	for _, r := range c.Resources {
		if r == nil || r.URI == "" {
			return errors.New("a resource has no URI")
		}
		if r.Handler == nil {
			return fmt.Errorf("resource %q has no handler", r.URI)
		}
		if err := once(r.Key()); err != nil {
			return err
		}
	}
	for _, t := range c.ResourceTemplates {
		if t == nil || t.Handler == nil {
			return errors.New("a resource template has no handler")
		}
		if _, err := uritemplate.New(t.URITemplate); err != nil {
			return fmt.Errorf("resource template %q: %v", t.URITemplate, err)
		}
		if err := once(t.Key()); err != nil {
			return err
		}
	}
	for _, p := range c.Prompts {
		if p == nil || p.Name == "" {
			return errors.New("a prompt has no name")
		}
		if p.Handler == nil {
			return fmt.Errorf("prompt %q has no handler", p.Name)
		}
		if err := once(p.Key()); err != nil {
			return err
		}
	}
	for _, c := range c.Completions {
		if c == nil || c.Handler == nil || c.Argument == "" || (c.Prompt == "") == (c.ResourceTemplate == "") {
			return fmt.Errorf("%v: needs a handler, an argument, and either a prompt or a resource template", c)
		}
		if err := once(c.key()); err != nil {
			return err
		}
	}
	return nil
}

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " version " + v
}

// requestedVersion reads the component version a client asked for in the
// request's _meta: {"mcpgen": {"version": "1.0"}}.
func requestedVersion(meta map[string]any) string {
	m, _ := meta["mcpgen"].(map[string]any)
	v, _ := m["version"].(string)
	return v
}

// handler returns the middleware chain, building it on first use.
func (s *Server) handler() Handler {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chain == nil {
		h := Handler(s.invoke)
		for i := len(s.mw) - 1; i >= 0; i-- {
			h = s.mw[i](h)
		}
		s.chain = h
	}
	return s.chain
}

// serve resolves the request's component in its view and runs the
// middleware chain. What the view cannot list it cannot resolve.
func (s *Server) serve(ctx context.Context, r *Request) (mcp.Result, error) {
	if r.root == nil {
		r.root = s
	}
	r.srv = s
	if log := s.opts.AccessLog; log != nil {
		start := time.Now()
		res, err := s.resolve(ctx, r)
		logAccess(ctx, log, r, time.Since(start), res, err)
		return res, err
	}
	return s.resolve(ctx, r)
}

// resolve finds the request's component in its view and runs the
// middleware chain.
func (s *Server) resolve(ctx context.Context, r *Request) (mcp.Result, error) {
	if r.view == nil {
		snap := s.snapshot(ctx)
		r.setView(snap, s.sessionRules(ctx, r), s.authzFor(ctx, r, snap))
	}
	v := r.view
	switch r.Method {
	case MethodCallTool:
		if r.Tool = v.tool(r.Name, r.Version); r.Tool == nil {
			if err := v.authz.refusal(anys(v.snap.tools[r.Name])...); err != nil {
				return nil, err
			}
			return nil, InvalidParams("unknown tool %q%s", r.Name, versionSuffix(r.Version))
		}
	case MethodGetPrompt:
		if r.Prompt = v.prompt(r.Name, r.Version); r.Prompt == nil {
			if err := v.authz.refusal(anys(v.snap.prompts[r.Name])...); err != nil {
				return nil, err
			}
			return nil, InvalidParams("unknown prompt %q%s", r.Name, versionSuffix(r.Version))
		}
	case MethodReadResource:
		if r.Resource = v.resource(r.Name, r.Version); r.Resource == nil {
			r.Template, r.vars = v.matchTemplate(r.Name, r.Version)
		}
		if r.Resource == nil && r.Template == nil {
			if err := v.authz.refusal(v.readRefused(r.Name)...); err != nil {
				return nil, err
			}
			return nil, ErrResourceNotFound
		}
	}
	return s.handler()(withRequest(ctx, r), r)
}

// invoke is the innermost handler: it calls the component's handler,
// containing panics and enforcing the tool's timeout.
func (s *Server) invoke(ctx context.Context, r *Request) (res mcp.Result, err error) {
	switch r.Method {
	case MethodListTools, MethodListResources, MethodListResourceTemplates, MethodListPrompts:
		return s.listPage(r)
	case MethodComplete:
		return s.complete(ctx, r)
	}
	switch {
	case r.Tool != nil:
		if res, err, ok := s.callAsTask(ctx, r); ok {
			return res, err
		}
		return s.callToolOf(ctx, r)
	case r.Prompt != nil:
		defer s.contain(ctx, &err, "prompt", r.Name)
		return r.Prompt.Handler(ctx, r.PromptArguments)
	case r.Resource != nil:
		defer s.contain(ctx, &err, "resource", r.Name)
		return r.Resource.Handler(ctx, r.Name)
	case r.Template != nil:
		defer s.contain(ctx, &err, "resource", r.Name)
		return r.Template.Handler(ctx, r.Name, r.vars)
	}
	return nil, fmt.Errorf("no component for %s %q", r.Method, r.Name)
}

// contain turns a panic in a resource or prompt handler into an internal
// error, so that the server keeps serving.
func (s *Server) contain(ctx context.Context, err *error, kind, name string) {
	if v := recover(); v != nil {
		s.log.ErrorContext(ctx, "handler panicked", append([]any{"kind", kind, "name", name, "panic", v, "stack", string(debug.Stack())}, traceAttrs(ctx)...)...)
		msg := fmt.Sprintf("%s %q panicked: %v", kind, name, v)
		if s.opts.MaskErrors {
			msg = fmt.Sprintf("%s %q failed", kind, name)
		}
		*err = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}
	}
}

func (s *Server) callTool(ctx context.Context, t *Tool, args json.RawMessage) (*CallToolResult, error) {
	if t.Timeout <= 0 || t.via != nil { // a mounted server enforces its own timeouts
		return s.runTool(ctx, t, args)
	}
	if refused := s.refuseAbandoned(t); refused != nil {
		return refused, nil
	}
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	type outcome struct {
		res *CallToolResult
		err error
	}
	done := make(chan outcome, 1)
	// state: 0 running, 1 returned, 2 abandoned (the call returned to the
	// client without it); whoever moves it from 0 decides the counting.
	var state atomic.Int32
	go func() {
		res, err := s.runTool(ctx, t, args)
		if !state.CompareAndSwap(0, 1) {
			s.abandoned.add(t.Name, -1)
			s.log.Info("an abandoned tool call returned", "tool", t.Name)
		}
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		if o.err == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && (o.res == nil || o.res.IsError) {
			return timedOut(t), nil
		}
		return o.res, o.err
	case <-ctx.Done():
		s.abandoned.add(t.Name, 1)
		if !state.CompareAndSwap(0, 2) {
			s.abandoned.add(t.Name, -1) // it returned just now
		} else {
			s.log.Warn("tool call abandoned: its handler ignores its context", "tool", t.Name, "timeout", t.Timeout, "abandoned", s.abandoned.counter(t.Name).Load())
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return timedOut(t), nil
		}
		return nil, ctx.Err()
	}
}

func timedOut(t *Tool) *CallToolResult {
	return toolFailure("tool %q timed out after %v", t.Name, t.Timeout)
}

// runTool calls the tool's handler, turning a panic into an error result.
func (s *Server) runTool(ctx context.Context, t *Tool, args json.RawMessage) (res *CallToolResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(ctx, "tool panicked", append([]any{"tool", t.Name, "panic", v, "stack", string(debug.Stack())}, traceAttrs(ctx)...)...)
			msg := fmt.Sprintf("tool %q panicked: %v", t.Name, v)
			if s.opts.MaskErrors {
				msg = fmt.Sprintf("tool %q failed with an internal error", t.Name)
			}
			res, err = toolFailure("%s", msg), nil
		}
	}()
	res, err = t.Handler(ctx, args)
	if err == nil && res == nil {
		res = toolFailure("tool %q returned no result", t.Name)
	}
	if err == nil {
		if i := nilContent(res.Content); i >= 0 {
			s.log.Error("tool returned a nil content entry", "tool", t.Name, "index", i)
			res = toolFailure("tool %q returned an empty content entry (content[%d]) and no result can be sent", t.Name, i)
		}
	}
	return res, err
}

// ServeStdio serves one session over standard input and output until the
// client disconnects or ctx is done.
// A malformed line gets a JSON-RPC error and the session goes on (see
// ServeIO).
//
// It starts the server's lifespans first (Start) and stops them when the
// session ends (Close).
func (s *Server) ServeStdio(ctx context.Context) (err error) {
	if err := s.Start(ctx); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Close(context.Background())) }()
	return s.ServeIO(ctx, os.Stdin, os.Stdout)
}

// Handler returns the streamable HTTP handler, with DNS-rebinding
// protection on and the guard that enforces the Options limits (Origin,
// body size, nesting, sessions, write timeouts; see guard.go). By default
// it serves every protocol era at one URL: clients of 2025-11-25 and
// before initialize a session (Mcp-Session-Id), and 2026-07-28 requests,
// which carry their version in the Mcp-Protocol-Version header and _meta,
// are answered sessionlessly. With Options.Stateless there are no sessions
// at all. A program that serves it itself should call Start before and
// Close after, so that lifespans run (ListenAndServe does both).
func (s *Server) Handler() http.Handler {
	var hot *httpSessions
	if !s.opts.Stateless && !s.opts.NoFastPath && s.opts.EventStore == nil {
		// The runtime answers POSTs of stateful sessions itself
		// (hothttp.go), and so keeps their idle timeout: go-sdk does not
		// see those POSTs.
		hot = newHTTPSessions(s, orDefault(s.opts.SessionTimeout, DefaultSessionTimeout))
	}
	handler := func(stateless bool) http.Handler {
		o := &mcp.StreamableHTTPOptions{
			Stateless:           stateless,
			JSONResponse:        s.opts.JSONResponse,
			Logger:              s.opts.Logger,
			SessionTimeout:      orDefault(s.opts.SessionTimeout, DefaultSessionTimeout),
			MaxRequestBodyBytes: s.maxBody(),
		}
		if hot != nil {
			o.SessionTimeout = 0
		}
		if !stateless {
			o.EventStore = s.opts.EventStore // streams resume within a session
		}
		return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.mcp }, o)
	}
	var h http.Handler
	if s.opts.Stateless {
		h = handler(true)
	} else {
		h = &eraRouter{sessions: handler(false), sessionless: handler(true)}
	}
	g := s.newGuard(h)
	if s.opts.Stateless && s.opts.JSONResponse && !s.opts.NoFastPath {
		g.fast = &fastHandler{s: s, next: h}
	}
	g.hot = hot
	return g
}

// Serve runs req through the server as though a client had sent it:
// resolution in the caller's view, middleware and handler. Inside a
// request (ctx from a handler or middleware), req takes the caller's
// session, transport details, client and principal, so it sees what the
// caller may see; outside one it sees the server-wide view as
// req.Principal (nil hides the components that have authorization
// checks). Set req.Method and the
// fields that method reads (Name, Arguments, PromptArguments, Cursor,
// Complete, Version). Transforms use it to reach other components
// (transform.ResourcesAsTools). Errors come back as the handlers and
// middleware returned them, not as JSON-RPC errors: a read of a resource
// the view does not have wraps ErrResourceNotFound.
func (s *Server) Serve(ctx context.Context, req *Request) (mcp.Result, error) {
	if req == nil {
		return nil, errors.New("runtime: Serve of a nil request")
	}
	r := newRequest(req.Method)
	r.Name, r.Version, r.Arguments, r.PromptArguments = req.Name, req.Version, req.Arguments, req.PromptArguments
	r.Cursor, r.Complete, r.Meta = req.Cursor, req.Complete, req.Meta
	r.Principal = req.Principal
	if parent := RequestFrom(ctx); parent != nil {
		r.SessionID, r.Header, r.ProtocolVersion = parent.SessionID, parent.Header, parent.ProtocolVersion
		r.ClientInfo, r.ClientCapabilities, r.Principal = parent.ClientInfo, parent.ClientCapabilities, parent.Principal
		r.Transport = parent.Transport
		r.req, r.sess, r.root, r.values = parent.req, parent.sess, parent.root, parent.values
		if r.root != s {
			r.root, r.sess, r.SessionID = s, nil, "" // another server's sessions are not this one's
		}
	}
	if !catalogueMethods[r.Method] {
		return nil, fmt.Errorf("runtime: Serve of method %q (want one the catalogue answers)", r.Method)
	}
	res, pending, _, err := s.answer(ctx, r, "", nil)
	if pending != nil && err == nil {
		err = inputUnavailable(r, pending)
	}
	return res, err
}
