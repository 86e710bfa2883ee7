package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Authorization.
//
// A component may carry checks (Tool.Auth and the same field of the other
// kinds; the annotation auth=scope:a,b or auth=FuncName). They are the
// last step of a request's view, after the server-wide visibility marks and
// the session's own rules: a component whose checks do not all pass is
// missing from that principal's lists and resolves as not found, so a call
// of it reports the unknown-component error. A check that refuses with an
// error wrapping ErrForbidden (Forbidden) has its message sent to the
// client instead; ErrDenied refuses quietly; any other error, or a panic,
// is logged and denies. A
// request without a principal sees no component that has checks (fail
// closed). On stdio the checks are skipped unless Options.AuthorizeStdio:
// the client there is a local process the user started.
//
// Checks are run once per request and component, and list pages are cached
// per outcome of every check (listcache.go): two principals whose checks
// come out the same share cached pages, and no others do.

// ComponentInfo describes the component a check decides on, as clients
// see it (after transforms: a renamed or namespaced tool has its new
// name).
type ComponentInfo struct {
	Kind Kind
	// Name is the tool or prompt name, or the resource or template name.
	Name string
	// ID is the name of a tool or prompt, the URI of a resource, the URI
	// template of a template.
	ID      string
	Version string
	Tags    []string
	Meta    map[string]any
}

// Key returns the component's key (see Key).
func (c ComponentInfo) Key() string { return Key(c.Kind, c.ID, c.Version) }

// AuthCheck decides whether a principal may see and use a component: nil
// allows it; ErrDenied hides it; an error wrapping ErrForbidden
// (Forbidden) hides it from lists and is the error of a call, read or get
// of it; any other error hides it and is logged. p is never nil (a request without a principal is refused
// before any check runs). Checks run on the request path, once per
// request and component: keep them fast, and let them depend only on the
// principal, the component and the request (ctx), not on the arguments.
type AuthCheck func(ctx context.Context, p *Principal, c ComponentInfo) error

// RequireScopes is the check of auth=scope:a,b: the principal must have
// been granted every one of scopes.
func RequireScopes(scopes ...string) AuthCheck {
	return func(_ context.Context, p *Principal, _ ComponentInfo) error {
		if p.HasScopes(scopes...) {
			return nil
		}
		return ErrDenied
	}
}

// ErrDenied is a check's quiet refusal: the component is hidden, as for
// any refusal, and nothing is logged (RequireScopes refuses with it).
var ErrDenied = errors.New("denied")

// CodeForbidden is the JSON-RPC error code of a refusal that a check (or
// AuthMiddleware) sends with its message. (MCP defines none; -32003 and
// -32004 are taken by go-sdk's connection-closing errors.)
const CodeForbidden = -32010

// authz is one request's authorization: its principal and the outcome of
// each component's checks, decided on first use.
type authz struct {
	ctx   context.Context
	p     *Principal
	log   *slog.Logger
	quiet *logLimiter // nil: log every failure

	mu      sync.Mutex
	outcome map[any]error // component -> nil (allowed) or why not
}

var errNoPrincipal = errors.New("the request has no principal")

// authzFor returns the authorization of r in snap, or nil when no check
// applies: the snapshot has none, or r came over stdio and the server
// trusts it.
func (s *Server) authzFor(ctx context.Context, r *Request, snap *snapshot) *authz {
	if snap.checked == 0 || (r.Transport == TransportStdio && !s.opts.AuthorizeStdio) {
		return nil
	}
	return &authz{ctx: ctx, p: r.Principal, log: s.log, quiet: &s.authLogs}
}

// logLimiter keeps a failing check from logging on every request (a list
// runs every check): each component's failures are logged at most once per
// interval. It holds at most maxKeys components, forgetting them all when
// full.
type logLimiter struct {
	mu   sync.Mutex
	last map[string]time.Time
}

const (
	authLogInterval = 10 * time.Second
	authLogMaxKeys  = 4096
)

// allow reports whether a failure of component key may be logged now.
func (l *logLimiter) allow(key string) bool {
	if l == nil {
		return true
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.last[key]; ok && now.Sub(t) < authLogInterval {
		return false
	}
	if l.last == nil || len(l.last) >= authLogMaxKeys {
		l.last = map[string]time.Time{}
	}
	l.last[key] = now
	return true
}

// allowed reports whether the checks of component c pass.
func (a *authz) allowed(c any, checks []AuthCheck, info func() ComponentInfo) bool {
	if a == nil || len(checks) == 0 {
		return true
	}
	a.mu.Lock()
	err, done := a.outcome[c]
	a.mu.Unlock()
	if !done {
		err = a.run(checks, info())
		a.mu.Lock()
		if a.outcome == nil {
			a.outcome = map[any]error{}
		}
		a.outcome[c] = err
		a.mu.Unlock()
	}
	return err == nil
}

// run runs checks in order until one refuses.
func (a *authz) run(checks []AuthCheck, c ComponentInfo) error {
	if a.p == nil {
		return errNoPrincipal
	}
	for _, check := range checks {
		if err := a.runOne(check, c); err != nil {
			return err
		}
	}
	return nil
}

func (a *authz) runOne(check AuthCheck, c ComponentInfo) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if a.quiet.allow(c.Key()) {
				a.log.ErrorContext(a.ctx, "authorization check panicked; denying", append([]any{"component", c.Key(), "principal", a.p, "panic", v, "stack", string(debug.Stack())}, traceAttrs(a.ctx)...)...)
			}
			err = fmt.Errorf("authorization check panicked: %v", v)
		}
	}()
	if check == nil {
		return nil
	}
	err = check(a.ctx, a.p, c)
	if err != nil && !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrDenied) && a.quiet.allow(c.Key()) {
		a.log.WarnContext(a.ctx, "authorization check failed; denying", append([]any{"component", c.Key(), "principal", a.p, "err", err}, traceAttrs(a.ctx)...)...)
	}
	return err
}

// refusal returns the message-bearing refusal (ErrForbidden) that hid one
// of components, checked in this request, as the JSON-RPC error the client
// gets; nil if none was refused that way.
func (a *authz) refusal(components ...any) error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range components {
		if err := a.outcome[c]; err != nil && errors.Is(err, ErrForbidden) {
			return &jsonrpc.Error{Code: CodeForbidden, Message: err.Error()}
		}
	}
	return nil
}

// outcomes returns, for the list cache, a key of the outcome of every
// check of the snapshot in this view: "" when the view runs no checks.
func (v *view) outcomes() string {
	if v.authz == nil {
		return ""
	}
	var b strings.Builder
	b.Grow(v.snap.checked + 1)
	b.WriteByte('|')
	bit := func(ok bool) {
		if ok {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	for _, name := range v.snap.toolNames {
		for _, t := range v.snap.tools[name] {
			if len(t.Auth) > 0 {
				bit(v.toolOK(t))
			}
		}
	}
	for _, uri := range v.snap.resURIs {
		for _, r := range v.snap.resources[uri] {
			if len(r.Auth) > 0 {
				bit(v.resourceOK(r))
			}
		}
	}
	for _, key := range v.snap.tmplURIs {
		for _, t := range v.snap.templates[key] {
			if len(t.t.Auth) > 0 {
				bit(v.templateOK(t.t))
			}
		}
	}
	for _, name := range v.snap.promptNames {
		for _, p := range v.snap.prompts[name] {
			if len(p.Auth) > 0 {
				bit(v.promptOK(p))
			}
		}
	}
	return b.String()
}

func (i info) component(meta map[string]any) ComponentInfo {
	return ComponentInfo{Kind: i.kind, Name: i.name, ID: i.id, Version: i.version, Tags: i.tags, Meta: meta}
}

// authenticate gives r the principal Options.Authenticate names, if the
// transport gave it none: off HTTP, or on HTTP with
// Options.AuthenticateHTTP.
func (s *Server) authenticate(r *Request) {
	if r.Principal != nil || s.opts.Authenticate == nil {
		return
	}
	if r.Transport == TransportHTTP && !s.opts.AuthenticateHTTP {
		s.authHTTPOnce.Do(func() {
			s.log.Warn("Options.Authenticate does not run on HTTP requests (set Options.AuthenticateHTTP if it verifies them): unauthenticated HTTP requests have no principal")
		})
		return
	}
	r.Principal = s.opts.Authenticate(r)
}

func anys[T any](list []*T) []any {
	out := make([]any, len(list))
	for i, c := range list {
		out[i] = c
	}
	return out
}

// readRefused lists what a read of uri could have resolved to: the
// versions of the resource and of every template matching it.
func (v *view) readRefused(uri string) []any {
	out := anys(v.snap.resources[uri])
	for _, key := range v.snap.tmplURIs {
		for _, b := range v.snap.templates[key] {
			if b.tmpl.Match(uri) != nil {
				out = append(out, b.t)
			}
		}
	}
	return out
}

// AuthMiddleware returns middleware that applies policy, server-wide, to
// every component a request lists, calls, reads, gets or completes, after
// the components' own checks: both must pass. Lists leave out what policy
// refuses. A call, read, get or completion it refuses fails with a
// CodeForbidden error that says why: `authorization failed for tool "x":
// missing context` when the request has no principal, `...: insufficient
// permissions` when policy refuses, or the message policy gave with
// Forbidden. A component that does not exist, or that its own checks hide,
// fails as not found before policy runs. Errors and panics in policy are
// logged and deny. On stdio it lets everything through unless
// Options.AuthorizeStdio.
func AuthMiddleware(policy AuthCheck) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (res mcp.Result, err error) {
			if policy == nil || r.Transport == TransportStdio && (r.root == nil || !r.root.opts.AuthorizeStdio) {
				return next(ctx, r)
			}
			a := &authz{ctx: ctx, p: r.Principal, log: slog.New(slog.DiscardHandler)}
			if r.root != nil {
				a.log, a.quiet = r.root.log, &r.root.authLogs
			}
			check := []AuthCheck{policy}
			switch r.Method {
			case MethodListTools, MethodListResources, MethodListResourceTemplates, MethodListPrompts:
				res, err = next(ctx, r)
				if err == nil {
					filterList(r, res, func(c ComponentInfo) bool { return a.allowed(c.Key(), check, func() ComponentInfo { return c }) })
				}
				return res, err
			}
			c, kind, ok := policySubject(r)
			if !ok {
				return next(ctx, r)
			}
			if !a.allowed(c.Key(), check, func() ComponentInfo { return c }) {
				why := "insufficient permissions"
				e := a.outcome[c.Key()]
				switch {
				case e == errNoPrincipal:
					why = "missing context"
				case errors.Is(e, ErrForbidden):
					why = e.Error()
				}
				return nil, &jsonrpc.Error{Code: CodeForbidden, Message: fmt.Sprintf("authorization failed for %s %q: %s", kind, r.Name, why)}
			}
			return next(ctx, r)
		}
	}
}

// policySubject is the component a call, read, get or completion is of.
func policySubject(r *Request) (ComponentInfo, string, bool) {
	switch {
	case r.Tool != nil:
		return toolInfo(r.Tool).component(r.Tool.Meta), "tool", true
	case r.Prompt != nil:
		return promptInfo(r.Prompt).component(r.Prompt.Meta), "prompt", true
	case r.Resource != nil:
		return resourceInfo(r.Resource).component(r.Resource.Meta), "resource", true
	case r.Template != nil:
		return templateInfo(r.Template).component(r.Template.Meta), "resource", true
	case r.Method == MethodComplete && r.Complete != nil && r.Complete.Ref != nil && r.view != nil:
		ref := r.Complete.Ref
		if p := r.view.prompt(ref.Name, ""); ref.Type == "ref/prompt" && p != nil {
			return promptInfo(p).component(p.Meta), "prompt", true
		}
		if b := r.view.template(ref.URI, ""); ref.Type == "ref/resource" && b != nil {
			return templateInfo(b.t).component(b.t.Meta), "resource template", true
		}
		if res := r.view.resource(ref.URI, ""); ref.Type == "ref/resource" && res != nil {
			return resourceInfo(res).component(res.Meta), "resource", true
		}
	}
	return ComponentInfo{}, "", false
}

// filterList removes from a list result the items keep refuses. Each
// item is described by its component in the request's view (as the list
// shows its highest visible version).
func filterList(r *Request, res mcp.Result, keep func(ComponentInfo) bool) {
	if r.view == nil {
		return
	}
	v := r.view
	switch l := res.(type) {
	case *mcp.ListToolsResult:
		l.CacheScope = "private"
		l.Tools = slices.DeleteFunc(l.Tools, func(it *mcp.Tool) bool {
			t := v.tool(it.Name, "")
			return t == nil || !keep(toolInfo(t).component(t.Meta))
		})
	case *mcp.ListResourcesResult:
		l.CacheScope = "private"
		l.Resources = slices.DeleteFunc(l.Resources, func(it *mcp.Resource) bool {
			res := v.resource(it.URI, "")
			return res == nil || !keep(resourceInfo(res).component(res.Meta))
		})
	case *mcp.ListResourceTemplatesResult:
		l.CacheScope = "private"
		l.ResourceTemplates = slices.DeleteFunc(l.ResourceTemplates, func(it *mcp.ResourceTemplate) bool {
			b := v.template(it.URITemplate, "")
			return b == nil || !keep(templateInfo(b.t).component(b.t.Meta))
		})
	case *mcp.ListPromptsResult:
		l.CacheScope = "private"
		l.Prompts = slices.DeleteFunc(l.Prompts, func(it *mcp.Prompt) bool {
			p := v.prompt(it.Name, "")
			return p == nil || !keep(promptInfo(p).component(p.Meta))
		})
	}
}
