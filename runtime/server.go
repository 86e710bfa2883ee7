package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"sort"
	"sync"
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
	// resources/list, resources/templates/list and prompts/list. Zero means
	// go-sdk's default (1000).
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
	// SessionTimeout closes HTTP sessions idle for this long. Zero keeps
	// them until the client ends them.
	SessionTimeout time.Duration
	// MaskErrors replaces the text of panics in results with a generic
	// message; the details are still logged.
	MaskErrors bool
	// NoFastPath serves every request through go-sdk. By default a
	// stateless server with JSON responses answers well-formed tools/call
	// requests itself, with the same result (see fast.go).
	NoFastPath bool
}

// Server serves components over MCP. Create one with NewServer, add
// providers with Add, install middleware with Use, then serve with Run,
// ServeStdio or Handler.
type Server struct {
	impl *Implementation
	opts Options
	log  *slog.Logger
	mcp  *mcp.Server

	mu        sync.Mutex
	tools     map[string][]*Tool // by name, highest version first
	resources map[string]*Resource
	templates map[string]*boundTemplate
	prompts   map[string][]*Prompt
	// completions by "ref type \x00 name or URI template \x00 argument"
	completions map[string]*Completion
	mw          []Middleware
	chain       Handler // built on first use; Use afterwards panics
}

type boundTemplate struct {
	t     *ResourceTemplate
	tmpl  *uritemplate.Template
	names []string
}

// NewServer returns a server that identifies itself as impl.
func NewServer(impl *Implementation, opts *Options) *Server {
	s := &Server{
		impl:      impl,
		tools:     map[string][]*Tool{},
		resources: map[string]*Resource{},
		templates: map[string]*boundTemplate{},
		prompts:   map[string][]*Prompt{},

		completions: map[string]*Completion{},
	}
	if opts != nil {
		s.opts = *opts
	}
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.mcp = mcp.NewServer(impl, &mcp.ServerOptions{
		Instructions: s.opts.Instructions,
		Logger:       s.opts.Logger,
		PageSize:     s.opts.PageSize,
		KeepAlive:    s.opts.KeepAlive,
		// Always answer completion/complete and resources/(un)subscribe:
		// components come and go with providers after the server starts.
		CompletionHandler:  s.complete,
		SubscribeHandler:   s.subscribe,
		UnsubscribeHandler: s.unsubscribe,
	})
	return s
}

// MCP returns the underlying go-sdk server, for what this package does not
// cover. Components must still be added with Add.
func (s *Server) MCP() *mcp.Server { return s.mcp }

// Add registers every component of the providers. It fails, registering
// nothing from the failing provider onward, if a component's name (with
// its version), URI or URI template is already registered, or if a URI
// template does not parse.
func (s *Server) Add(providers ...Provider) error {
	for _, p := range providers {
		c, err := p.Components(context.Background())
		if err != nil {
			return err
		}
		if err := s.addComponents(c); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) addComponents(c *Components) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Check everything before registering anything.
	seen := map[string]bool{}
	for _, t := range c.Tools {
		key := t.Name + "@" + t.Version
		if seen["tool:"+key] || findVersion(s.tools[t.Name], func(o *Tool) string { return o.Version }, t.Version) {
			return fmt.Errorf("tool %q%s is already registered", t.Name, versionSuffix(t.Version))
		}
		if t.Handler == nil {
			return fmt.Errorf("tool %q has no handler", t.Name)
		}
		seen["tool:"+key] = true
	}
	for _, r := range c.Resources {
		if seen["res:"+r.URI] || s.resources[r.URI] != nil {
			return fmt.Errorf("resource %q is already registered", r.URI)
		}
		seen["res:"+r.URI] = true
	}
	bound := make([]*boundTemplate, 0, len(c.ResourceTemplates))
	for _, t := range c.ResourceTemplates {
		if seen["tmpl:"+t.URITemplate] || s.templates[t.URITemplate] != nil {
			return fmt.Errorf("resource template %q is already registered", t.URITemplate)
		}
		seen["tmpl:"+t.URITemplate] = true
		tmpl, err := uritemplate.New(t.URITemplate)
		if err != nil {
			return fmt.Errorf("resource template %q: %v", t.URITemplate, err)
		}
		bound = append(bound, &boundTemplate{t: t, tmpl: tmpl, names: tmpl.Varnames()})
	}
	for _, c := range c.Completions {
		if c.Handler == nil || c.Argument == "" || (c.Prompt == "") == (c.ResourceTemplate == "") {
			return fmt.Errorf("%v: needs a handler, an argument, and either a prompt or a resource template", c)
		}
		if seen["completion:"+c.key()] || s.completions[c.key()] != nil {
			return fmt.Errorf("%v is already registered", c)
		}
		seen["completion:"+c.key()] = true
	}
	for _, p := range c.Prompts {
		key := p.Name + "@" + p.Version
		if seen["prompt:"+key] || findVersion(s.prompts[p.Name], func(o *Prompt) string { return o.Version }, p.Version) {
			return fmt.Errorf("prompt %q%s is already registered", p.Name, versionSuffix(p.Version))
		}
		seen["prompt:"+key] = true
	}

	for _, t := range c.Tools {
		s.tools[t.Name] = insertVersion(s.tools[t.Name], t, func(o *Tool) string { return o.Version })
		s.registerTool(s.tools[t.Name][0])
	}
	for _, r := range c.Resources {
		s.resources[r.URI] = r
		s.mcp.AddResource(&mcp.Resource{
			URI: r.URI, Name: r.Name, Title: r.Title, Description: r.Description,
			MIMEType: r.MIMEType, Meta: r.Meta,
		}, s.readResource)
	}
	for _, b := range bound {
		s.templates[b.t.URITemplate] = b
		s.mcp.AddResourceTemplate(&mcp.ResourceTemplate{
			URITemplate: b.t.URITemplate, Name: b.t.Name, Title: b.t.Title,
			Description: b.t.Description, MIMEType: b.t.MIMEType, Meta: b.t.Meta,
		}, s.readResource)
	}
	for _, p := range c.Prompts {
		s.prompts[p.Name] = insertVersion(s.prompts[p.Name], p, func(o *Prompt) string { return o.Version })
		s.registerPrompt(s.prompts[p.Name][0])
	}
	for _, c := range c.Completions {
		s.completions[c.key()] = c
	}
	return nil
}

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " version " + v
}

func findVersion[T any](list []T, version func(T) string, v string) bool {
	for _, o := range list {
		if version(o) == v {
			return true
		}
	}
	return false
}

// pickVersion returns the component of the requested version, or the
// highest when version is "" (list is sorted highest first). There is no
// fallback: an unknown version finds nothing.
func pickVersion[T any](list []T, version string, v func(T) string) T {
	var zero T
	for _, c := range list {
		if version == "" || v(c) == version {
			return c
		}
	}
	return zero
}

// requestedVersion reads the component version a client asked for in the
// request's _meta: {"mcpgen": {"version": "1.0"}}.
func requestedVersion(meta map[string]any) string {
	m, _ := meta["mcpgen"].(map[string]any)
	v, _ := m["version"].(string)
	return v
}

// insertVersion adds c to list, keeping it sorted highest version first.
func insertVersion[T any](list []T, c T, version func(T) string) []T {
	list = append(list, c)
	sort.SliceStable(list, func(i, j int) bool { return CompareVersions(version(list[i]), version(list[j])) > 0 })
	return list
}

// registerTool exposes t, the highest version of its name, through go-sdk.
func (s *Server) registerTool(t *Tool) {
	var out any
	if len(t.OutputSchema) > 0 {
		out = t.OutputSchema
	}
	meta := t.Meta
	if len(t.Tags) > 0 || t.Version != "" {
		meta = componentMeta(t.Meta, t.Tags, t.Version)
	}
	s.mcp.AddTool(&mcp.Tool{
		Name: t.Name, Title: t.Title, Description: t.Description, Annotations: t.Annotations,
		InputSchema: t.InputSchema, OutputSchema: out, Meta: meta,
	}, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		r := &Request{Method: MethodCallTool, Name: req.Params.Name, Arguments: req.Params.Arguments, req: req,
			Version: requestedVersion(req.Params.GetMeta())}
		res, pending, state, err := s.answer(ctx, r, req.Params.RequestState, req.Params.InputResponses)
		if pending != nil {
			return &CallToolResult{InputRequests: pending, RequestState: state}, err
		}
		if err != nil {
			return nil, err
		}
		ctr, ok := res.(*CallToolResult)
		if !ok || ctr == nil {
			return nil, fmt.Errorf("tool %q: middleware returned %T, want *CallToolResult", r.Name, res)
		}
		return ctr, nil
	})
}

func (s *Server) registerPrompt(p *Prompt) {
	args := make([]*mcp.PromptArgument, len(p.Arguments))
	for i, a := range p.Arguments {
		args[i] = &mcp.PromptArgument{Name: a.Name, Title: a.Title, Description: a.Description, Required: a.Required}
	}
	meta := p.Meta
	if len(p.Tags) > 0 || p.Version != "" {
		meta = componentMeta(p.Meta, p.Tags, p.Version)
	}
	s.mcp.AddPrompt(&mcp.Prompt{Name: p.Name, Title: p.Title, Description: p.Description, Arguments: args, Meta: meta},
		func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			r := &Request{Method: MethodGetPrompt, Name: req.Params.Name, PromptArguments: req.Params.Arguments, req: req,
				Version: requestedVersion(req.Params.GetMeta())}
			res, pending, state, err := s.answer(ctx, r, req.Params.RequestState, req.Params.InputResponses)
			if pending != nil {
				return &GetPromptResult{InputRequests: pending, RequestState: state}, err
			}
			if err != nil {
				return nil, err
			}
			gpr, ok := res.(*GetPromptResult)
			if !ok || gpr == nil {
				return nil, fmt.Errorf("prompt %q: middleware returned %T, want *GetPromptResult", r.Name, res)
			}
			return gpr, nil
		})
}

// componentMeta returns meta with the component's tags and version under
// "mcpgen", as FastMCP lists them under "fastmcp".
func componentMeta(meta map[string]any, tags []string, version string) map[string]any {
	out := make(map[string]any, len(meta)+1)
	for k, v := range meta {
		out[k] = v
	}
	m := map[string]any{}
	if len(tags) > 0 {
		m["tags"] = tags
	}
	if version != "" {
		m["version"] = version
	}
	out["mcpgen"] = m
	return out
}

func (s *Server) readResource(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	r := &Request{Method: MethodReadResource, Name: req.Params.URI, req: req}
	res, pending, state, err := s.answer(ctx, r, req.Params.RequestState, req.Params.InputResponses)
	if pending != nil {
		return &ReadResourceResult{InputRequests: pending, RequestState: state}, err
	}
	if err != nil {
		if errors.Is(err, ErrResourceNotFound) {
			return nil, mcp.ResourceNotFoundError(req.Params.URI)
		}
		return nil, err
	}
	rrr, ok := res.(*ReadResourceResult)
	if !ok || rrr == nil {
		return nil, fmt.Errorf("resource %q: middleware returned %T, want *ReadResourceResult", r.Name, res)
	}
	return rrr, nil
}

// serve resolves the request's component and runs the middleware chain.
func (s *Server) serve(ctx context.Context, r *Request) (mcp.Result, error) {
	s.mu.Lock()
	if s.chain == nil {
		h := Handler(s.invoke)
		for i := len(s.mw) - 1; i >= 0; i-- {
			h = s.mw[i](h)
		}
		s.chain = h
	}
	chain := s.chain
	switch r.Method {
	case MethodCallTool:
		r.Tool = pickVersion(s.tools[r.Name], r.Version, func(t *Tool) string { return t.Version })
	case MethodGetPrompt:
		r.Prompt = pickVersion(s.prompts[r.Name], r.Version, func(p *Prompt) string { return p.Version })
	case MethodReadResource:
		r.Resource = s.resources[r.Name]
		if r.Resource == nil {
			r.Template, r.vars = s.matchTemplate(r.Name)
		}
	}
	s.mu.Unlock()
	r.srv = s
	if r.Tool == nil && r.Prompt == nil && r.Resource == nil && r.Template == nil {
		switch r.Method {
		case MethodReadResource:
			return nil, mcp.ResourceNotFoundError(r.Name)
		case MethodCallTool:
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown tool %q%s", r.Name, versionSuffix(r.Version))}
		default:
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown prompt %q%s", r.Name, versionSuffix(r.Version))}
		}
	}
	return chain(withRequest(ctx, r), r)
}

// matchTemplate finds the template matching uri, preferring the one with
// the longest literal prefix, and returns its variables in template order.
func (s *Server) matchTemplate(uri string) (*ResourceTemplate, []string) {
	var best *boundTemplate
	var bestVals uritemplate.Values
	for _, b := range s.templates {
		vals := b.tmpl.Match(uri)
		if vals == nil {
			continue
		}
		if best == nil || literalPrefix(b.t.URITemplate) > literalPrefix(best.t.URITemplate) ||
			literalPrefix(b.t.URITemplate) == literalPrefix(best.t.URITemplate) && b.t.URITemplate < best.t.URITemplate {
			best, bestVals = b, vals
		}
	}
	if best == nil {
		return nil, nil
	}
	vars := make([]string, len(best.names))
	for i, n := range best.names {
		vars[i] = bestVals.Get(n).String()
	}
	return best.t, vars
}

func literalPrefix(tmpl string) int {
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] == '{' {
			return i
		}
	}
	return len(tmpl)
}

// invoke is the innermost handler: it calls the component's handler,
// containing panics and enforcing the tool's timeout.
func (s *Server) invoke(ctx context.Context, r *Request) (res mcp.Result, err error) {
	switch {
	case r.Tool != nil:
		return s.callTool(ctx, r.Tool, r.Arguments)
	case r.Prompt != nil:
		defer s.contain(&err, "prompt", r.Name)
		return r.Prompt.Handler(ctx, r.PromptArguments)
	case r.Resource != nil:
		defer s.contain(&err, "resource", r.Name)
		return r.Resource.Handler(ctx, r.Name)
	case r.Template != nil:
		defer s.contain(&err, "resource", r.Name)
		return r.Template.Handler(ctx, r.Name, r.vars)
	}
	return nil, fmt.Errorf("no component for %s %q", r.Method, r.Name)
}

// contain turns a panic in a resource or prompt handler into an internal
// error, so that the server keeps serving.
func (s *Server) contain(err *error, kind, name string) {
	if v := recover(); v != nil {
		s.log.Error("handler panicked", "kind", kind, "name", name, "panic", v, "stack", string(debug.Stack()))
		msg := fmt.Sprintf("%s %q panicked: %v", kind, name, v)
		if s.opts.MaskErrors {
			msg = fmt.Sprintf("%s %q failed", kind, name)
		}
		*err = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}
	}
}

func (s *Server) callTool(ctx context.Context, t *Tool, args json.RawMessage) (*CallToolResult, error) {
	if t.Timeout <= 0 {
		return s.runTool(ctx, t, args)
	}
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	type outcome struct {
		res *CallToolResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := s.runTool(ctx, t, args)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		if o.err == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && (o.res == nil || o.res.IsError) {
			return timedOut(t), nil
		}
		return o.res, o.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return timedOut(t), nil
		}
		return nil, ctx.Err()
	}
}

func timedOut(t *Tool) *CallToolResult {
	return ErrorResult(fmt.Errorf("tool %q timed out after %v", t.Name, t.Timeout))
}

// runTool calls the tool's handler, turning a panic into an error result.
func (s *Server) runTool(ctx context.Context, t *Tool, args json.RawMessage) (res *CallToolResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("tool panicked", "tool", t.Name, "panic", v, "stack", string(debug.Stack()))
			msg := fmt.Sprintf("tool %q panicked: %v", t.Name, v)
			if s.opts.MaskErrors {
				msg = fmt.Sprintf("tool %q failed with an internal error", t.Name)
			}
			res, err = ErrorResult(errors.New(msg)), nil
		}
	}()
	res, err = t.Handler(ctx, args)
	if err == nil && res == nil {
		res = ErrorResult(fmt.Errorf("tool %q returned no result", t.Name))
	}
	return res, err
}

// ServeStdio serves one session over standard input and output until the
// client disconnects or ctx is done.
// A malformed line gets a JSON-RPC error and the session goes on (see
// ServeIO).
func (s *Server) ServeStdio(ctx context.Context) error {
	return s.ServeIO(ctx, os.Stdin, os.Stdout)
}

// Handler returns the streamable HTTP handler: stateful unless
// Options.Stateless, with DNS-rebinding protection on.
func (s *Server) Handler() http.Handler {
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.mcp }, &mcp.StreamableHTTPOptions{
		Stateless:      s.opts.Stateless,
		JSONResponse:   s.opts.JSONResponse,
		Logger:         s.opts.Logger,
		SessionTimeout: s.opts.SessionTimeout,
	})
	guarded := &payloadGuard{next: h}
	if s.opts.Stateless && s.opts.JSONResponse && !s.opts.NoFastPath {
		return &fastHandler{s: s, next: guarded}
	}
	return guarded
}
