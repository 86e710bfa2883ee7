package runtime

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A Server is a Provider: mounting one server in another (Mount) serves
// the child's catalogue, after the child's own transforms, through the
// parent's. The parent sees every version and visibility mark of the
// child's components; a call resolves in the parent's view, then runs the
// parent's middleware, then the child's middleware on a copy of the
// request that names the component as the child knows it.

// Components returns the server's catalogue as components whose handlers
// run this server's middleware chain. It implements Provider.
func (s *Server) Components(ctx context.Context) (*Components, error) {
	snap := s.snapshot(ctx)
	c := &Components{}
	for _, name := range snap.toolNames {
		for _, t := range snap.tools[name] {
			cp := *t
			cp.Handler = s.mountedTool(t.Name, t.Version)
			cp.via = s
			c.Tools = append(c.Tools, &cp)
		}
	}
	for _, uri := range snap.resURIs {
		for _, r := range snap.resources[uri] {
			cp := *r
			uri, version := r.URI, r.Version
			cp.Handler = func(ctx context.Context, _ string) (*ReadResourceResult, error) {
				return s.mountedRead(ctx, uri, version)
			}
			c.Resources = append(c.Resources, &cp)
		}
	}
	for _, key := range snap.tmplURIs {
		for _, b := range snap.templates[key] {
			cp := *b.t
			tmpl, version := b.t.URITemplate, b.t.Version
			cp.Handler = func(ctx context.Context, uri string, _ []string) (*ReadResourceResult, error) {
				return s.mountedTemplateRead(ctx, tmpl, version, uri)
			}
			c.ResourceTemplates = append(c.ResourceTemplates, &cp)
		}
	}
	for _, name := range snap.promptNames {
		for _, p := range snap.prompts[name] {
			cp := *p
			name, version := p.Name, p.Version
			cp.Handler = func(ctx context.Context, args map[string]string) (*GetPromptResult, error) {
				return s.mountedPrompt(ctx, name, version, args)
			}
			c.Prompts = append(c.Prompts, &cp)
		}
	}
	for _, key := range sortedKeys(snap.completions) {
		cp := *snap.completions[key]
		orig := snap.completions[key]
		cp.Handler = func(ctx context.Context, value string, args map[string]string) ([]string, error) {
			return s.mountedComplete(ctx, orig, value, args)
		}
		c.Completions = append(c.Completions, &cp)
	}
	return c, nil
}

// Watch tells a parent server when this server's catalogue changed. It
// implements Watcher.
func (s *Server) Watch(changed func()) func() { return s.watchers.Watch(changed) }

// Lifespan starts the server (its lifespans and its providers') when the
// parent starts; it implements LifespanProvider.
func (s *Server) Lifespan(ctx context.Context) (func(context.Context) error, error) {
	if err := s.Start(ctx); err != nil {
		return nil, err
	}
	return s.Close, nil
}

// child returns the copy of the parent's request that this server's chain
// sees: same session, state, input and transport, naming the component as
// this server knows it. The child resolves exactly the version the parent
// resolved, regardless of visibility (the parent's view decided).
func (s *Server) child(ctx context.Context, method, name string) (*Request, error) {
	parent := RequestFrom(ctx)
	if parent == nil {
		return nil, fmt.Errorf("a component of a mounted server was called outside a request")
	}
	r := newRequest(method)
	r.Name, r.Meta = name, parent.Meta
	r.SessionID, r.Header, r.ProtocolVersion = parent.SessionID, parent.Header, parent.ProtocolVersion
	r.ClientInfo, r.ClientCapabilities, r.Principal = parent.ClientInfo, parent.ClientCapabilities, parent.Principal
	r.Transport, r.HTTPRequest, r.ID = parent.Transport, parent.HTTPRequest, parent.ID
	r.req, r.root, r.sess = parent.req, parent.root, parent.sess
	r.in, r.values = parent.in, parent.values // shared: input and request state are the call's
	r.TaskParams, r.task, r.detach = parent.TaskParams, parent.task, parent.detach
	r.srv = s
	r.setView(s.snapshot(ctx), allEnabled, nil)
	return r, nil
}

// allEnabled is the rule of a mounted server's view: the parent decided
// (visibility and authorization alike).
var allEnabled = []Rule{{Enable: true, Match: Match{All: true}}}

func (s *Server) mountedTool(name, version string) ToolHandler {
	return func(ctx context.Context, args json.RawMessage) (*CallToolResult, error) {
		r, err := s.child(ctx, MethodCallTool, name)
		if err != nil {
			return nil, err
		}
		r.Version, r.Arguments = version, args
		if r.Tool = r.view.tool(name, version); r.Tool == nil {
			return nil, InvalidParams("unknown tool %q%s", name, versionSuffix(version))
		}
		res, err := s.handler()(withRequest(ctx, r), r)
		if err != nil {
			return nil, err
		}
		ctr, ok := res.(*CallToolResult)
		if !ok || ctr == nil {
			return nil, fmt.Errorf("tool %q: middleware returned %T, want *CallToolResult", name, res)
		}
		return ctr, nil
	}
}

func (s *Server) mountedRead(ctx context.Context, uri, version string) (*ReadResourceResult, error) {
	r, err := s.child(ctx, MethodReadResource, uri)
	if err != nil {
		return nil, err
	}
	r.Version = version
	if r.Resource = r.view.resource(uri, version); r.Resource == nil {
		return nil, ErrResourceNotFound
	}
	return s.runRead(ctx, r)
}

func (s *Server) mountedTemplateRead(ctx context.Context, tmpl, version, uri string) (*ReadResourceResult, error) {
	r, err := s.child(ctx, MethodReadResource, uri)
	if err != nil {
		return nil, err
	}
	r.Version = version
	b := r.view.template(tmpl, version)
	if b == nil {
		return nil, ErrResourceNotFound
	}
	vals := b.tmpl.Match(uri)
	if vals == nil {
		return nil, ErrResourceNotFound
	}
	r.Template = b.t
	r.vars = make([]string, len(b.names))
	for i, n := range b.names {
		r.vars[i] = vals.Get(n).String()
	}
	return s.runRead(ctx, r)
}

func (s *Server) runRead(ctx context.Context, r *Request) (*ReadResourceResult, error) {
	res, err := s.handler()(withRequest(ctx, r), r)
	if err != nil {
		return nil, err
	}
	rrr, ok := res.(*ReadResourceResult)
	if !ok || rrr == nil {
		return nil, fmt.Errorf("resource %q: middleware returned %T, want *ReadResourceResult", r.Name, res)
	}
	return rrr, nil
}

func (s *Server) mountedPrompt(ctx context.Context, name, version string, args map[string]string) (*GetPromptResult, error) {
	r, err := s.child(ctx, MethodGetPrompt, name)
	if err != nil {
		return nil, err
	}
	r.Version, r.PromptArguments = version, args
	if r.Prompt = r.view.prompt(name, version); r.Prompt == nil {
		return nil, InvalidParams("unknown prompt %q%s", name, versionSuffix(version))
	}
	res, err := s.handler()(withRequest(ctx, r), r)
	if err != nil {
		return nil, err
	}
	gpr, ok := res.(*GetPromptResult)
	if !ok || gpr == nil {
		return nil, fmt.Errorf("prompt %q: middleware returned %T, want *GetPromptResult", name, res)
	}
	return gpr, nil
}

func (s *Server) mountedComplete(ctx context.Context, c *Completion, value string, args map[string]string) ([]string, error) {
	r, err := s.child(ctx, MethodComplete, "")
	if err != nil {
		return nil, err
	}
	ref := &mcp.CompleteReference{Type: "ref/prompt", Name: c.Prompt}
	if c.ResourceTemplate != "" {
		ref = &mcp.CompleteReference{Type: "ref/resource", URI: c.ResourceTemplate}
	}
	r.Complete = &mcp.CompleteParams{Ref: ref, Argument: mcp.CompleteParamsArgument{Name: c.Argument, Value: value}}
	if args != nil {
		r.Complete.Context = &mcp.CompleteContext{Arguments: args}
	}
	res, err := s.handler()(withRequest(ctx, r), r)
	if err != nil {
		return nil, err
	}
	cr, ok := res.(*mcp.CompleteResult)
	if !ok || cr == nil {
		return nil, fmt.Errorf("completion: middleware returned %T, want *mcp.CompleteResult", res)
	}
	return cr.Completion.Values, nil
}
