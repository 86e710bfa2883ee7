// Package proxy serves a remote MCP server's components as a
// runtime.Provider: its lists come from the remote ("upstream") server,
// its tool calls, resource reads, prompt gets and completions are
// forwarded, and progress, logging, sampling, elicitation and roots are
// relayed between the front client and the upstream server.
//
//	p, err := proxy.New(proxy.Target{URL: "http://127.0.0.1:9000/mcp"}, nil)
//	...
//	srv := runtime.NewServer(&runtime.Implementation{Name: "front", Version: "1"}, nil)
//	if err := srv.Mount(p); err != nil { ... } // or srv.Mount(p, transform.Namespace("remote"))
//	err = srv.Run(ctx)
//
// # Sessions
//
// The proxy keeps one upstream session, the catalogue session, for lists
// and list_changed notifications (so the front catalogue follows the
// upstream's). Calls never use it: each front session gets an upstream
// session of its own, opened on its first call and closed when the front
// session closes, so that upstream state (logging level, subscriptions,
// per-session tools) is never shared between front clients. A front
// request without a session that can close (stateless HTTP) gets a fresh
// upstream session for that request alone, closed when it is answered:
// isolation first, at the cost of an initialize round trip per request
// (and, for a stdio target, a process per request). Serve the front over
// stateful HTTP or stdio to avoid that cost.
//
// Each pooled upstream session declares to the upstream the capabilities
// its front client declared (sampling, elicitation, roots), so the
// upstream only asks what the front can answer. The catalogue session
// declares all three, so that servers that list some tools only to
// capable clients list them all, and so do per-request sessions (whose
// front cannot be asked anything), so that the proxy's error says why.
// Upstream sessions offer protocol version 2025-11-25 by default
// (Options.ProtocolVersion), under which server-to-client requests travel
// as JSON-RPC requests the proxy can relay while the call is in flight.
//
// A command target runs in a process group of its own, ended with its
// session (see client.CommandTransport): servers started through npx, uvx
// or a shell do not outlive the proxy.
//
// # Relays
//
//   - progress: a front call's progress token is sent upstream with the
//     call, and the upstream's notifications/progress for it are sent to
//     the front session with the same token (go-sdk delivers notifications
//     asynchronously, so such a call waits until no progress has arrived
//     for 10 ms, at most 200 ms, before answering);
//   - logging: the upstream session's level is set to debug, and its
//     notifications/message are sent to the front session, which applies
//     the level the front client chose;
//   - sampling/createMessage, elicitation/create and roots/list from the
//     upstream reach the front client either way it can answer them. A
//     front request on protocol 2026-07-28 or later (stateless or not)
//     gets them as input requests of an input-required result
//     (runtime.Elicit, SampleWithTools, Roots); when the front calls again
//     with the answers, the proxy sends the call upstream again from the
//     start and answers the same questions from them, so an upstream tool must be safe to run
//     again until it has its input, as the runtime asks of its own
//     handlers. A front session on an older version gets them as requests
//     on its session while the call is in flight, and their answers (or
//     errors) go back upstream. A front request on an older version
//     without a live session (stateless HTTP) makes them fail with an
//     error that says so.
//
// # Failures
//
// Connecting (including the initialize handshake) is bounded by
// Options.ConnectTimeout (10 seconds by default): an unreachable upstream
// is an error, never a hang; a listing is bounded by three times that. A
// failing listing makes Components fail: runtime.Server.Mount then fails
// (it lists at once), and a later relisting logs and skips the provider.
// An upstream METHOD_NOT_FOUND for a list, or a list the upstream did not
// declare, is an empty list. Upstream
// tool errors stay isError results, and upstream JSON-RPC errors stay
// errors with their code and message.
package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/trace"
)

// DefaultConnectTimeout bounds connecting to an upstream server and its
// initialize handshake when Options.ConnectTimeout is zero.
const DefaultConnectTimeout = 10 * time.Second

// DefaultProtocolVersion is the protocol version upstream sessions offer
// when Options.ProtocolVersion is empty: the latest version in which a
// server asks for sampling, elicitation and roots with JSON-RPC requests.
const DefaultProtocolVersion = "2025-11-25"

// Target names one upstream MCP server: a streamable HTTP endpoint (URL)
// or a command that serves MCP on its standard input and output.
type Target struct {
	// URL is the streamable HTTP endpoint (http or https).
	URL string
	// Header is added to every HTTP request to URL (for example
	// Authorization).
	Header http.Header

	// Command and Args start a stdio server; Env is added to this
	// process's environment for it, and Dir is its working directory (""
	// for the current one). Each upstream session runs its own process.
	Command string
	Args    []string
	Env     map[string]string
	Dir     string
}

// String returns the URL or the command line.
func (t Target) String() string {
	if t.URL != "" {
		return t.URL
	}
	return strings.Join(append([]string{t.Command}, t.Args...), " ")
}

func (t Target) check() error {
	switch {
	case t.URL != "" && t.Command != "":
		return errors.New("proxy: a target has either a URL or a command, not both")
	case t.URL != "":
		if !strings.HasPrefix(t.URL, "http://") && !strings.HasPrefix(t.URL, "https://") {
			return fmt.Errorf("proxy: target URL %q is not http or https", t.URL)
		}
	case t.Command == "":
		return errors.New("proxy: a target needs a URL or a command")
	}
	return nil
}

// Options configure a proxy. The zero value is ready to use.
type Options struct {
	// ConnectTimeout bounds connecting to the upstream server, including
	// the initialize handshake. Zero means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// ProtocolVersion is the version upstream sessions offer. "" means
	// DefaultProtocolVersion.
	ProtocolVersion string
	// ClientName and ClientVersion identify the proxy to the upstream
	// ("mcpgen-proxy" and "dev" by default).
	ClientName, ClientVersion string
	// HTTPClient makes the HTTP requests to a URL target (nil for
	// http.DefaultClient). It must not have a Timeout: streams are long.
	HTTPClient *http.Client
	// Stderr receives the standard error of command targets (nil for
	// os.Stderr).
	Stderr io.Writer
	// Logger receives the proxy's diagnostics. Nil discards them.
	Logger *slog.Logger
	// Middleware is added to the sending middleware of every upstream
	// client: runtime/otel's ClientMiddleware gives each forwarded request
	// a CLIENT span, a child of the front request's span, and carries the
	// trace context upstream.
	Middleware []mcp.Middleware
}

func (o *Options) connectTimeout() time.Duration {
	if o.ConnectTimeout > 0 {
		return o.ConnectTimeout
	}
	return DefaultConnectTimeout
}

// Proxy is a runtime.Provider serving one upstream server. It implements
// runtime.Watcher and runtime.LifespanProvider. Create one with New.
type Proxy struct {
	target Target
	opts   Options
	log    *slog.Logger

	mu        sync.Mutex
	cat       *upstream // the catalogue session, nil until connected
	catErr    error
	connectMu sync.Mutex // serializes connecting the catalogue session
	sessions  map[string]*pooled
	closed    bool

	watchers runtime.Watchers
}

// pooled is the upstream session of one front session.
type pooled struct {
	ready chan struct{} // closed once u or err is set
	u     *upstream
	err   error
}

// New returns a proxy of the server named by t. It does not connect: the
// proxy connects when the server starts (Lifespan) or, failing that, on
// first use.
func New(t Target, opts *Options) (*Proxy, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	p := &Proxy{target: t, sessions: map[string]*pooled{}}
	if opts != nil {
		p.opts = *opts
	}
	p.log = p.opts.Logger
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	return p, nil
}

// Target returns the upstream server the proxy serves.
func (p *Proxy) Target() Target { return p.target }

// Lifespan connects the catalogue session when the server starts, and
// returns the function that closes every upstream session. A failure to
// connect is logged, not fatal: the proxy tries again on first use.
func (p *Proxy) Lifespan(ctx context.Context) (func(context.Context) error, error) {
	if _, err := p.catalogue(ctx); err != nil {
		p.log.Warn("proxy: connecting to the upstream server at start failed; will retry on first use", "target", p.target.String(), "err", err)
	}
	return func(context.Context) error { return p.Close() }, nil
}

// Close closes every upstream session. The proxy cannot be used after.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	cat := p.cat
	p.cat = nil
	sessions := p.sessions
	p.sessions = map[string]*pooled{}
	p.mu.Unlock()
	var errs []error
	if cat != nil {
		errs = append(errs, cat.close())
	}
	for _, s := range sessions {
		<-s.ready
		if s.u != nil {
			errs = append(errs, s.u.close())
		}
	}
	return errors.Join(errs...)
}

// Watch implements runtime.Watcher: changed is called whenever the
// upstream says one of its lists changed.
func (p *Proxy) Watch(changed func()) func() { return p.watchers.Watch(changed) }

var (
	errClosed      = errors.New("proxy: closed")
	errNotPoolable = errors.New("proxy: the front session cannot close")
)

// catalogue returns the catalogue session, connecting it if needed (and
// again if the previous one ended).
func (p *Proxy) catalogue(ctx context.Context) (*upstream, error) {
	p.connectMu.Lock()
	defer p.connectMu.Unlock()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errClosed
	}
	if u := p.cat; u != nil && !u.ended() {
		p.mu.Unlock()
		return u, nil
	}
	p.mu.Unlock()
	u, err := p.connect(ctx, catalogueCaps(), kindCatalogue)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		u.close()
		return nil, errClosed
	}
	p.cat = u
	return u, nil
}

// catalogueCaps are the capabilities the catalogue session declares:
// everything the proxy can relay, so that the upstream lists everything.
func catalogueCaps() *mcp.ClientCapabilities {
	return &mcp.ClientCapabilities{
		RootsV2:     &mcp.RootCapabilities{},
		Sampling:    &mcp.SamplingCapabilities{},
		Elicitation: &mcp.ElicitationCapabilities{Form: &mcp.FormElicitationCapabilities{}, URL: &mcp.URLElicitationCapabilities{}},
	}
}

// frontCaps are the capabilities an upstream session declares for a front
// client that declared fc: sampling, elicitation and roots as the front
// declared them, nothing else.
func frontCaps(fc *mcp.ClientCapabilities) *mcp.ClientCapabilities {
	caps := &mcp.ClientCapabilities{}
	if fc == nil {
		return caps
	}
	if fc.RootsV2 != nil {
		r := *fc.RootsV2
		caps.RootsV2 = &r
	} else if fc.Roots.ListChanged {
		caps.RootsV2 = &mcp.RootCapabilities{ListChanged: true}
	}
	if fc.Sampling != nil {
		s := *fc.Sampling
		caps.Sampling = &s
	}
	if fc.Elicitation != nil {
		e := *fc.Elicitation
		caps.Elicitation = &e
	}
	return caps
}

// session returns the upstream session for the front request in ctx and
// the function to call when the request is done with it. A front session
// that can close gets a pooled session; anything else a fresh one, closed
// by done.
func (p *Proxy) session(ctx context.Context) (u *upstream, done func(), err error) {
	r := runtime.RequestFrom(ctx)
	var caps *mcp.ClientCapabilities
	if r != nil {
		caps = r.ClientCapabilities
	}
	if r != nil && r.SessionID != "" {
		if u, err, ok := p.pooledSession(ctx, r.SessionID, caps); ok {
			return u, func() {}, err
		}
	}
	// Without a live front session nothing can be relayed, whatever the
	// front declared (stateless requests usually declare nothing): declare
	// everything, so that the upstream asks and the proxy's error explains.
	u, err = p.connect(ctx, catalogueCaps(), kindStateless)
	if err != nil {
		return nil, nil, err
	}
	return u, func() { u.close() }, nil
}

// pooledSession returns the upstream session of front session id, opening
// it on first use; ok is false when the front session cannot close (so a
// pooled session would never be closed).
func (p *Proxy) pooledSession(ctx context.Context, id string, caps *mcp.ClientCapabilities) (*upstream, error, bool) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, errClosed, true
		}
		s, ok := p.sessions[id]
		if ok {
			p.mu.Unlock()
			select {
			case <-s.ready:
			case <-ctx.Done():
				return nil, ctx.Err(), true
			}
			if s.err == nil && s.u.ended() {
				// The upstream session ended (the upstream restarted or
				// dropped it): forget it and open another.
				p.mu.Lock()
				if p.sessions[id] == s {
					delete(p.sessions, id)
				}
				p.mu.Unlock()
				continue
			}
			if s.err == errNotPoolable {
				return nil, nil, false
			}
			return s.u, s.err, true
		}
		s = &pooled{ready: make(chan struct{})}
		p.sessions[id] = s
		p.mu.Unlock()
		// Register the close hook before connecting, so that a front
		// session that cannot close falls back to per-request sessions.
		if err := runtime.OnSessionClose(ctx, func() { p.dropSession(id, s) }); err != nil {
			p.mu.Lock()
			delete(p.sessions, id)
			p.mu.Unlock()
			p.log.Debug("proxy: the front session cannot close; using an upstream session per request", "session", id, "err", err)
			s.err = errNotPoolable
			close(s.ready)
			return nil, nil, false
		}
		s.u, s.err = p.connect(ctx, frontCaps(caps), kindSession)
		if s.err != nil {
			p.mu.Lock()
			if p.sessions[id] == s {
				delete(p.sessions, id) // let the next request try again
			}
			p.mu.Unlock()
		}
		close(s.ready)
		return s.u, s.err, true
	}
}

// dropSession closes the upstream session of a front session that closed.
func (p *Proxy) dropSession(id string, s *pooled) {
	p.mu.Lock()
	if p.sessions[id] == s {
		delete(p.sessions, id)
	}
	p.mu.Unlock()
	go func() {
		<-s.ready
		if s.u != nil {
			s.u.close()
		}
	}()
}

// sessionCount reports how many pooled upstream sessions are open (tests).
func (p *Proxy) sessionCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sessions)
}

type sessionKind int

const (
	kindCatalogue sessionKind = iota
	kindSession               // pooled for a front session
	kindStateless             // one front request without a session
)

// connect opens an upstream session declaring caps, within the connect
// timeout.
func (p *Proxy) connect(ctx context.Context, caps *mcp.ClientCapabilities, kind sessionKind) (*upstream, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	u := &upstream{p: p, kind: kind, calls: map[*call]struct{}{}, done: make(chan struct{})}
	c := mcp.NewClient(&mcp.Implementation{Name: or(p.opts.ClientName, "mcpgen-proxy"), Version: or(p.opts.ClientVersion, "dev")}, u.clientOptions(caps))
	c.AddReceivingMiddleware(u.rootsMiddleware)
	c.AddSendingMiddleware(p.opts.Middleware...)

	var t mcp.Transport
	if p.target.URL != "" {
		hc := p.opts.HTTPClient
		if hc == nil {
			hc = http.DefaultClient
		}
		if len(p.target.Header) > 0 {
			base := hc.Transport
			if base == nil {
				base = http.DefaultTransport
			}
			cp := *hc
			cp.Transport = client.WithHeader(base, p.target.Header)
			hc = &cp
		}
		t = &mcp.StreamableClientTransport{Endpoint: p.target.URL, HTTPClient: hc, MaxRetries: -1}
	} else {
		cmd := exec.Command(p.target.Command, p.target.Args...)
		cmd.Dir = p.target.Dir
		if len(p.target.Env) > 0 {
			cmd.Env = os.Environ()
			for k, v := range p.target.Env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
		}
		cmd.Stderr = p.opts.Stderr
		if cmd.Stderr == nil {
			cmd.Stderr = os.Stderr
		}
		t = client.CommandTransport(cmd, 2*time.Second)
	}
	timeout := p.opts.connectTimeout()
	// The session outlives the request that opened it, and carries none of
	// its values (see detached).
	cctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Connect may not honour the context everywhere (a stdio server that
	// never answers initialize): bound it here as well.
	type result struct {
		cs  *mcp.ClientSession
		err error
	}
	done := make(chan result, 1)
	go func() {
		cs, err := c.Connect(cctx, t, &mcp.ClientSessionOptions{ProtocolVersion: or(p.opts.ProtocolVersion, DefaultProtocolVersion)})
		done <- result{cs, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-cctx.Done():
		go func() {
			if r := <-done; r.cs != nil {
				r.cs.Close()
			}
		}()
		res.err = cctx.Err()
	case <-ctx.Done():
		go func() {
			if r := <-done; r.cs != nil {
				r.cs.Close()
			}
		}()
		return nil, ctx.Err()
	}
	if res.err != nil {
		if errors.Is(res.err, context.DeadlineExceeded) || errors.Is(cctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("proxy: upstream %s did not answer within %v (Options.ConnectTimeout): %w", p.target, timeout, res.err)
		}
		return nil, fmt.Errorf("proxy: connecting to upstream %s: %w", p.target, res.err)
	}
	u.cs = res.cs
	go func() {
		u.cs.Wait()
		close(u.done)
	}()
	if kind != kindCatalogue {
		if ir := u.cs.InitializeResult(); ir != nil && ir.Capabilities != nil && ir.Capabilities.Logging != nil {
			// Let the front session's level decide (ServerSession.Log).
			if err := u.cs.SetLoggingLevel(cctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
				p.log.Debug("proxy: setting the upstream logging level", "err", err)
			}
		}
	}
	return u, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// upstream is one session with the upstream server.
type upstream struct {
	p    *Proxy
	kind sessionKind
	cs   *mcp.ClientSession
	done chan struct{} // closed when the session ends

	mu    sync.Mutex
	calls map[*call]struct{} // front requests in flight on this session
	last  *call              // the most recent of them
	front *mcp.ServerSession // the front session, once a call has been seen
}

// call is one front request in flight on an upstream session.
type call struct {
	ctx      context.Context
	ss       *mcp.ServerSession // nil without a live front session
	token    any                // the front progress token, or nil
	tokenKey string
	live     bool // the front session can take server-to-client requests
	// rounds: the front request speaks protocol 2026-07-28 or later, so
	// upstream input requests become the front's input-required rounds
	// (runtime.Elicit, SampleWithTools, Roots); cancel abandons the
	// upstream request when the front must be asked first, and asked
	// numbers the input requests.
	rounds bool
	cancel context.CancelFunc
	asked  atomic.Int32

	lastProgress atomic.Int64 // when progress was last relayed (UnixNano)
}

// go-sdk's client hands notifications to their handlers asynchronously,
// so the upstream's last progress notifications may still be queued when
// its response arrives; relayed after the front call is answered, they
// would be refused. A call with a progress token therefore waits until no
// progress has been relayed for progressQuiet (at most progressDrain).
const (
	progressQuiet = 10 * time.Millisecond
	progressDrain = 200 * time.Millisecond
)

func (c *call) drain() {
	if c.token == nil {
		return
	}
	deadline := time.Now().Add(progressDrain)
	for {
		time.Sleep(progressQuiet)
		last := time.Unix(0, c.lastProgress.Load())
		if time.Since(last) >= progressQuiet || time.Now().After(deadline) {
			return
		}
	}
}

func (u *upstream) ended() bool {
	select {
	case <-u.done:
		return true
	default:
		return false
	}
}

func (u *upstream) close() error {
	if u == nil || u.cs == nil {
		return nil
	}
	err := u.cs.Close()
	var exit *exec.ExitError
	switch {
	case errors.Is(err, mcp.ErrConnectionClosed):
		return nil
	case errors.As(err, &exit):
		// A stdio server that does not exit when its input closes is
		// terminated (go-sdk's CommandTransport): that is how it ends.
		u.p.log.Debug("proxy: upstream command ended", "target", u.p.target.String(), "status", err)
		return nil
	}
	return err
}

// begin records a front request starting on u; end forgets it.
func (u *upstream) begin(ctx context.Context) *call {
	c := &call{ctx: ctx}
	if r := runtime.RequestFrom(ctx); r != nil {
		c.ss = r.Session()
		c.token = r.ProgressToken()
		if c.token != nil {
			c.tokenKey = tokenKey(c.token)
		}
		c.live = u.kind == kindSession && c.ss != nil
		c.rounds = r.ProtocolVersion >= roundsVersion
	}
	u.mu.Lock()
	u.calls[c] = struct{}{}
	u.last = c
	if c.ss != nil {
		u.front = c.ss
	}
	u.mu.Unlock()
	return c
}

func (u *upstream) end(c *call) {
	u.mu.Lock()
	delete(u.calls, c)
	if u.last == c {
		u.last = nil
		for o := range u.calls {
			u.last = o
			break
		}
	}
	u.mu.Unlock()
}

func tokenKey(token any) string {
	js, err := json.Marshal(token)
	if err != nil {
		return fmt.Sprint(token)
	}
	return string(js)
}

// current returns the front request a relayed message belongs to: the
// one whose progress token matches, else the most recent in flight. With
// none in flight it returns the front session with a background context.
func (u *upstream) current(token any) *call {
	u.mu.Lock()
	defer u.mu.Unlock()
	if token != nil {
		key := tokenKey(token)
		for c := range u.calls {
			if c.tokenKey == key {
				return c
			}
		}
		return nil
	}
	if u.last != nil {
		return u.last
	}
	if u.front != nil {
		return &call{ctx: context.Background(), ss: u.front, live: u.kind == kindSession}
	}
	return nil
}

func (u *upstream) clientOptions(caps *mcp.ClientCapabilities) *mcp.ClientOptions {
	o := &mcp.ClientOptions{
		Capabilities: caps,
		Logger:       u.p.opts.Logger,
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			u.relayProgress(req.Params)
		},
		LoggingMessageHandler: func(_ context.Context, req *mcp.LoggingMessageRequest) {
			u.relayLog(req.Params)
		},
	}
	if u.kind == kindCatalogue {
		changed := func() { u.p.watchers.Notify() }
		o.ToolListChangedHandler = func(context.Context, *mcp.ToolListChangedRequest) { changed() }
		o.ResourceListChangedHandler = func(context.Context, *mcp.ResourceListChangedRequest) { changed() }
		o.PromptListChangedHandler = func(context.Context, *mcp.PromptListChangedRequest) { changed() }
		o.ProgressNotificationHandler, o.LoggingMessageHandler = nil, nil
	}
	if caps.Elicitation != nil {
		o.ElicitationHandler = func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			if c := u.roundsCall(); c != nil {
				res, err := runtime.Elicit(c.ctx, c.key("elicitation/create", req.Params), req.Params)
				return res, c.settle(err)
			}
			c, err := u.relayTarget(ctx, "elicitation/create")
			if err != nil {
				return nil, err
			}
			return c.ss.Elicit(c.ctx, req.Params)
		}
	}
	if caps.Sampling != nil {
		o.CreateMessageWithToolsHandler = func(ctx context.Context, req *mcp.CreateMessageWithToolsRequest) (*mcp.CreateMessageWithToolsResult, error) {
			if c := u.roundsCall(); c != nil {
				res, err := runtime.SampleWithTools(c.ctx, c.key("sampling/createMessage", req.Params), req.Params)
				return res, c.settle(err)
			}
			c, err := u.relayTarget(ctx, "sampling/createMessage")
			if err != nil {
				return nil, err
			}
			return c.ss.CreateMessageWithTools(c.ctx, req.Params)
		}
	}
	return o
}

// rootsMiddleware answers the upstream's roots/list by asking the front
// session (go-sdk's client would answer from its own, empty, list).
func (u *upstream) rootsMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method != "roots/list" {
			return next(ctx, method, req)
		}
		if u.kind == kindCatalogue {
			// Servers ask for roots right after initializing; the catalogue
			// session has none.
			return &mcp.ListRootsResult{Roots: []*mcp.Root{}}, nil
		}
		params, _ := req.GetParams().(*mcp.ListRootsParams)
		if params == nil {
			params = &mcp.ListRootsParams{}
		}
		if c := u.roundsCall(); c != nil {
			res, err := runtime.Roots(c.ctx, c.key(method, params))
			return res, c.settle(err)
		}
		c, err := u.relayTarget(ctx, method)
		if err != nil {
			return nil, err
		}
		return c.ss.ListRoots(c.ctx, params)
	}
}

// roundsVersion is the first protocol version whose clients answer input
// requests in rounds (input-required results) instead of server-to-client
// requests during a call.
const roundsVersion = "2026-07-28"

// roundsCall returns the front request in flight whose client answers
// input requests in rounds, or nil.
func (u *upstream) roundsCall() *call {
	if u.kind == kindCatalogue {
		return nil
	}
	if c := u.current(nil); c != nil && c.rounds {
		return c
	}
	return nil
}

// key names an upstream input request within the front call, for
// runtime.Elicit, SampleWithTools or Roots: it numbers and hashes it, so
// that when the front calls again with the answers, the upstream request
// (sent again from the start) finds the answer to the same question, and
// a different question is asked anew.
func (c *call) key(method string, params any) string {
	h := fnv.New64a()
	h.Write([]byte(method))
	if js, err := json.Marshal(params); err == nil {
		h.Write(js)
	}
	return fmt.Sprintf("upstream-%d-%016x", c.asked.Add(1)-1, h.Sum64())
}

// settle returns err to the upstream. While the front has not answered
// (runtime.ErrInputRequired), the upstream request is abandoned
// (cancelled): the runtime answers the front with the input it needs.
func (c *call) settle(err error) error {
	if errors.Is(err, runtime.ErrInputRequired) && c.cancel != nil {
		c.cancel()
	}
	return err
}

// relayTarget returns the front request to relay a server-to-client
// request to, or the error that explains why there is none.
func (u *upstream) relayTarget(ctx context.Context, method string) (*call, error) {
	if u.kind == kindCatalogue {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest, Message: fmt.Sprintf("proxy: %s on the catalogue session, which serves lists only", method)}
	}
	c := u.current(nil)
	switch {
	case c == nil || c.ss == nil || !c.live:
		return nil, &jsonrpc.Error{Code: mcp.CodeMissingRequiredClientCapabilities, Message: fmt.Sprintf(
			"proxy: the upstream server sent %s, but the front request has no live session to relay it to (stateless HTTP)", method)}
	}
	if ip := c.ss.InitializeParams(); ip != nil && ip.ProtocolVersion >= "2026-07-28" {
		return nil, &jsonrpc.Error{Code: mcp.CodeMissingRequiredClientCapabilities, Message: fmt.Sprintf(
			"proxy: the upstream server sent %s, but the front session speaks protocol %s, which does not allow a server to send it during a call", method, ip.ProtocolVersion)}
	}
	return c, nil
}

func (u *upstream) relayProgress(p *mcp.ProgressNotificationParams) {
	if p == nil {
		return
	}
	c := u.current(p.ProgressToken)
	if c == nil || c.ss == nil {
		return
	}
	c.lastProgress.Store(time.Now().UnixNano())
	out := *p
	out.ProgressToken = c.token
	if err := c.ss.NotifyProgress(c.ctx, &out); err != nil {
		u.p.log.Debug("proxy: relaying progress", "err", err)
	}
}

func (u *upstream) relayLog(p *mcp.LoggingMessageParams) {
	if p == nil {
		return
	}
	c := u.current(nil)
	if c == nil || c.ss == nil {
		return
	}
	if err := c.ss.Log(c.ctx, p); err != nil {
		u.p.log.Debug("proxy: relaying a log message", "err", err)
	}
}

// forwardMeta returns the _meta to send upstream for the front request in
// ctx: the front's, verbatim, without the per-hop protocol keys
// (io.modelcontextprotocol/...), and with the component version when the
// component is versioned.
func forwardMeta(ctx context.Context, version string) mcp.Meta {
	var in map[string]any
	if r := runtime.RequestFrom(ctx); r != nil {
		in = r.Meta
	}
	var out mcp.Meta
	for k, v := range in {
		if strings.HasPrefix(k, "io.modelcontextprotocol/") {
			continue
		}
		if out == nil {
			out = mcp.Meta{}
		}
		out[k] = v
	}
	if version != "" {
		if out == nil {
			out = mcp.Meta{}
		}
		m, _ := out["mcpgen"].(map[string]any)
		m = maps.Clone(m)
		if m == nil {
			m = map[string]any{}
		}
		m["version"] = version
		out["mcpgen"] = m
	}
	return out
}

// forwardError returns an upstream error as the front should see it: a
// JSON-RPC error unchanged (code, message and data), anything else
// wrapped with the upstream's name.
func (p *Proxy) forwardError(what string, err error) error {
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		return je
	}
	return fmt.Errorf("proxy: %s on upstream %s: %w", what, p.target, err)
}

// detached returns a context that ends with ctx (cancellation and
// deadline) and carries its span, but none of its other values. A front
// request's context holds go-sdk's values for that request, such as its
// protocol version, which go-sdk's client would otherwise send upstream as
// the Mcp-Protocol-Version of an upstream session that negotiated another.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancel(trace.ContextWithSpan(context.Background(), trace.SpanFromContext(ctx)))
	if dl, ok := ctx.Deadline(); ok {
		var cancelDeadline context.CancelFunc
		out, cancelDeadline = context.WithDeadline(out, dl)
		stop := context.AfterFunc(ctx, cancel)
		return out, func() { stop(); cancelDeadline(); cancel() }
	}
	stop := context.AfterFunc(ctx, cancel)
	return out, func() { stop(); cancel() }
}

// withSession runs f on the upstream session of the front request in ctx,
// with a context that ends when the front request does or when the
// upstream request is abandoned for an input round (see call.settle).
func (p *Proxy) withSession(ctx context.Context, f func(ctx context.Context, u *upstream) error) error {
	u, done, err := p.session(ctx)
	if err != nil {
		return err
	}
	defer done()
	c := u.begin(ctx)
	defer u.end(c)
	uctx, cancel := detached(ctx)
	defer cancel()
	c.cancel = cancel
	err = f(uctx, u)
	c.drain()
	return err
}

func (p *Proxy) callTool(ctx context.Context, name, version string, args json.RawMessage) (res *runtime.CallToolResult, err error) {
	err = p.withSession(ctx, func(uctx context.Context, u *upstream) error {
		params := &mcp.CallToolParams{Name: name, Meta: forwardMeta(ctx, version)}
		if args != nil {
			params.Arguments = args
		}
		res, err = u.cs.CallTool(uctx, params)
		if err != nil {
			return p.forwardError("tools/call "+name, err)
		}
		return nil
	})
	return res, err
}

func (p *Proxy) readResource(ctx context.Context, uri, version string) (res *runtime.ReadResourceResult, err error) {
	err = p.withSession(ctx, func(uctx context.Context, u *upstream) error {
		res, err = u.cs.ReadResource(uctx, &mcp.ReadResourceParams{URI: uri, Meta: forwardMeta(ctx, version)})
		if err != nil {
			return p.forwardError("resources/read "+uri, err)
		}
		return nil
	})
	return res, err
}

func (p *Proxy) getPrompt(ctx context.Context, name, version string, args map[string]string) (res *runtime.GetPromptResult, err error) {
	err = p.withSession(ctx, func(uctx context.Context, u *upstream) error {
		res, err = u.cs.GetPrompt(uctx, &mcp.GetPromptParams{Name: name, Arguments: args, Meta: forwardMeta(ctx, version)})
		if err != nil {
			return p.forwardError("prompts/get "+name, err)
		}
		return nil
	})
	return res, err
}

func (p *Proxy) complete(ctx context.Context, ref *mcp.CompleteReference, arg, value string, args map[string]string) (vals []string, err error) {
	err = p.withSession(ctx, func(uctx context.Context, u *upstream) error {
		params := &mcp.CompleteParams{Ref: ref, Argument: mcp.CompleteParamsArgument{Name: arg, Value: value}}
		if len(args) > 0 {
			params.Context = &mcp.CompleteContext{Arguments: args}
		}
		res, err := u.cs.Complete(uctx, params)
		if err != nil {
			return p.forwardError("completion/complete", err)
		}
		vals = res.Completion.Values
		return nil
	})
	return vals, err
}
