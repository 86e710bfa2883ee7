package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The go-sdk path: a receiving middleware on go-sdk's server answers the
// catalogue's methods from the catalogue, before go-sdk's own (empty)
// registry would. go-sdk keeps initialize, sessions, transports,
// subscriptions, logging levels and server-to-client requests.

// catalogueMethods are the methods the runtime answers itself.
var catalogueMethods = map[string]bool{
	MethodListTools: true, MethodCallTool: true,
	MethodListResources: true, MethodListResourceTemplates: true, MethodReadResource: true,
	MethodListPrompts: true, MethodGetPrompt: true,
	MethodComplete: true,
}

func (s *Server) receive(next mcp.MethodHandler) mcp.MethodHandler {
	s.recv = func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		ctx, done := s.observe(ctx, method, req)
		res, wire, err := s.dispatch(ctx, next, method, req)
		if done != nil {
			s.observed(ctx, done, unwrapResult(res), err)
		}
		if err == nil {
			s.noteSession(ctx, method, req)
		}
		return wire, err
	}
	return s.recv
}

// unwrapResult returns the result a typed wrapper (resultWithType) holds,
// so that observers see the runtime's result types.
func unwrapResult(res mcp.Result) mcp.Result {
	switch r := res.(type) {
	case *typedCallTool:
		return r.CallToolResult
	case *typedGetPrompt:
		return r.GetPromptResult
	case *typedReadResource:
		return r.ReadResourceResult
	}
	return res
}

// dispatch answers a message received through go-sdk, after the
// observer: the catalogue methods itself, the rest through go-sdk (next).
// It returns the result (for the observer), the result as go-sdk is to
// send it, and the error.
func (s *Server) dispatch(ctx context.Context, next mcp.MethodHandler, method string, req mcp.Request) (res, wire mcp.Result, err error) {
	if !catalogueMethods[method] {
		if method == methodListen {
			res, err = s.listen(ctx, next, method, req)
			return res, res, err
		}
		if h := s.methodHandler(method); h != nil {
			res, err = s.answerMethod(ctx, h, method, req)
			return res, res, err
		}
		res, err = next(ctx, method, req)
		if method == "initialize" && err == nil {
			return res, s.withSessionCapabilities(res), nil
		}
		return res, res, err
	}
	if extra := req.GetExtra(); extra != nil && !s.resumable(req) && ctx.Value(boundKey{}) == nil {
		var release func()
		ctx, release = s.conns.bind(ctx, extra.Header) // cancelled when the client goes away
		defer release()
	}
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(ctx, "request panicked", append([]any{"method", method, "panic", v, "stack", string(debug.Stack())}, traceAttrs(ctx)...)...)
			res, wire, err = nil, nil, s.panicError(v)
		}
	}()
	res, page, err := s.answerSDK(ctx, method, req)
	if err != nil || res == nil {
		return res, res, err
	}
	wire, err = s.encodeSDK(&Request{Method: method, Name: requestName(req), req: req}, res, page)
	return res, wire, err
}

// boundKey marks a context that already ends with the HTTP request that
// carried the message: the runtime's own path handles it in that
// request's context.
type boundKey struct{}

// requestName is the tool or prompt name or the resource URI of req.
func requestName(req mcp.Request) string {
	switch p := req.GetParams().(type) {
	case *mcp.CallToolParamsRaw:
		return p.Name
	case *mcp.GetPromptParams:
		return p.Name
	case *mcp.ReadResourceParams:
		return p.URI
	}
	return ""
}

// resumable reports whether the response to req can outlive the HTTP
// request that carried it: with Options.EventStore, a session's client
// resumes a broken or closed stream (CloseSSEStream) and receives it then.
func (s *Server) resumable(req mcp.Request) bool {
	if s.opts.EventStore == nil {
		return false
	}
	ss, _ := req.GetSession().(*mcp.ServerSession)
	return ss != nil && ss.ID() != ""
}

// fromSDK builds the transport-neutral request of a go-sdk request.
func (s *Server) fromSDK(method string, req mcp.Request) *Request {
	r := newRequest(method)
	r.req = req
	r.Meta = paramsMeta(req.GetParams())
	r.Version = requestedVersion(r.Meta)
	if extra := req.GetExtra(); extra != nil {
		r.Header = extra.Header
		s.transportDetails(r, extra.Header)
		r.Principal = principalOfTokenInfo(extra.TokenInfo)
		if r.Principal == nil && r.HTTPRequest != nil {
			r.Principal = PrincipalFrom(r.HTTPRequest.Context())
		}
	}
	ss, _ := req.GetSession().(*mcp.ServerSession)
	if ss != nil {
		if ip := ss.InitializeParams(); ip != nil {
			r.ProtocolVersion, r.ClientInfo, r.ClientCapabilities = negotiatedVersion(ip.ProtocolVersion), ip.ClientInfo, ip.Capabilities
		}
	}
	if ss == nil && r.Header != nil {
		// The runtime's stateless path: go-sdk's per-request session
		// would have been initialized with the header's version.
		if v := r.Header.Get("Mcp-Protocol-Version"); legacyVersions[v] {
			r.ProtocolVersion = v
		}
	}
	if v, ok := r.Meta[mcp.MetaKeyProtocolVersion].(string); ok {
		r.ProtocolVersion = v
		r.ClientInfo, r.ClientCapabilities = metaClient(r.Meta)
	}
	s.authenticate(r)
	switch {
	case ss != nil && !(r.Header != nil && ss.ID() == ""):
		// An HTTP session without an id is go-sdk's stateless one, made
		// for this request alone.
		r.sess = s.sessionOf(ss)
		r.SessionID = r.sess.id
	case s.opts.SessionKey != nil:
		r.SessionID = s.opts.SessionKey(r)
	default:
		r.SessionID = r.Principal.Key() // sessionless: the principal's own state
	}
	return r
}

// negotiatedVersion is the protocol version go-sdk agrees to when a client
// initializes a session asking for v: v itself if go-sdk supports it and it
// predates 2026-07-28 (whose clients do not initialize), and 2025-11-25
// otherwise.
func negotiatedVersion(v string) string {
	if legacyVersions[v] {
		return v
	}
	return "2025-11-25"
}

// paramsMeta returns the _meta of params, which go-sdk passes as a typed
// nil pointer when the request had none.
func paramsMeta(params mcp.Params) map[string]any {
	switch p := params.(type) {
	case *mcp.ListToolsParams:
		if p != nil {
			return p.Meta
		}
	case *mcp.ListResourcesParams:
		if p != nil {
			return p.Meta
		}
	case *mcp.ListResourceTemplatesParams:
		if p != nil {
			return p.Meta
		}
	case *mcp.ListPromptsParams:
		if p != nil {
			return p.Meta
		}
	case *mcp.CallToolParamsRaw:
		if p != nil {
			return p.Meta
		}
	case *mcp.ReadResourceParams:
		if p != nil {
			return p.Meta
		}
	case *mcp.GetPromptParams:
		if p != nil {
			return p.Meta
		}
	case *mcp.CompleteParams:
		if p != nil {
			return p.Meta
		}
	case *mcp.SubscribeParams:
		if p != nil {
			return p.Meta
		}
	case *rawParams:
		if p != nil {
			return p.Meta
		}
	}
	return nil
}

// metaClient decodes the client info and capabilities of a 2026-07-28
// request's _meta.
func metaClient(meta map[string]any) (*Implementation, *mcp.ClientCapabilities) {
	var info *Implementation
	var caps *mcp.ClientCapabilities
	if v, ok := meta[mcp.MetaKeyClientInfo]; ok {
		if info, ok = plainImplementation(v); !ok {
			if js, err := json.Marshal(v); err == nil {
				json.Unmarshal(js, &info)
			}
		}
	}
	if v, ok := meta[mcp.MetaKeyClientCapabilities]; ok {
		if m, ok := v.(map[string]any); ok && len(m) == 0 {
			caps = &mcp.ClientCapabilities{} // what {} decodes to, without decoding
		} else if js, err := json.Marshal(v); err == nil {
			caps = decodeCapabilities(js)
		}
	}
	return info, caps
}

// plainImplementation reads client info made of strings only (name,
// version, title, websiteUrl) as json.Unmarshal would, and reports false
// for any other shape.
func plainImplementation(v any) (*Implementation, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	info := &Implementation{}
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		switch k {
		case "name":
			info.Name = s
		case "version":
			info.Version = s
		case "title":
			info.Title = s
		case "websiteUrl":
			info.WebsiteURL = s
		default:
			return nil, false
		}
	}
	return info, true
}

// decodeCapabilities decodes the client capabilities of a request's _meta,
// nil if they are not an object. A declared "roots" sets RootsV2 (go-sdk's
// field for it), as go-sdk does for the capabilities of initialize.
func decodeCapabilities(js []byte) *mcp.ClientCapabilities {
	var caps mcp.ClientCapabilities
	if json.Unmarshal(js, &caps) != nil {
		return nil
	}
	var roots struct {
		Roots *mcp.RootCapabilities `json:"roots"`
	}
	if json.Unmarshal(js, &roots) == nil && roots.Roots != nil {
		caps.RootsV2 = roots.Roots
	}
	return &caps
}

// answerSDK answers a catalogue method for go-sdk, with the JSON-RPC error
// a client should receive (wireError) when it fails. For a list, page is
// the page the list handler answered, if it ran.
func (s *Server) answerSDK(ctx context.Context, method string, req mcp.Request) (res mcp.Result, page *encodedPage, err error) {
	r := s.fromSDK(method, req)
	defer func() {
		if err != nil {
			res, err = nil, s.wireError(ctx, r, err)
		}
		page = r.own.page
	}()
	var state string
	var responses mcp.InputResponseMap
	switch p := req.GetParams().(type) {
	case *mcp.ListToolsParams:
		if p != nil {
			r.Cursor = p.Cursor
		}
	case *mcp.ListResourcesParams:
		if p != nil {
			r.Cursor = p.Cursor
		}
	case *mcp.ListResourceTemplatesParams:
		if p != nil {
			r.Cursor = p.Cursor
		}
	case *mcp.ListPromptsParams:
		if p != nil {
			r.Cursor = p.Cursor
		}
	case *mcp.CallToolParamsRaw:
		if p == nil {
			return nil, nil, InvalidParams("tools/call needs params")
		}
		r.Name, r.Arguments, state, responses = p.Name, p.Arguments, p.RequestState, p.InputResponses
		r.TaskParams = s.taskParams(req)
	case *mcp.ReadResourceParams:
		if p == nil {
			return nil, nil, InvalidParams("resources/read needs params")
		}
		r.Name, state, responses = p.URI, p.RequestState, p.InputResponses
	case *mcp.GetPromptParams:
		if p == nil {
			return nil, nil, InvalidParams("prompts/get needs params")
		}
		r.Name, r.PromptArguments, state, responses = p.Name, p.Arguments, p.RequestState, p.InputResponses
	case *mcp.CompleteParams:
		r.Complete = p
	}
	res, pending, newState, err := s.answer(ctx, r, state, responses)
	typed := r.multiRoundTrip()
	switch method {
	case MethodCallTool:
		if pending != nil {
			return resultWithType(&CallToolResult{InputRequests: pending, RequestState: newState}, typed, true), nil, err
		}
		if err != nil {
			return nil, nil, err
		}
		if res != nil && r.Tool != nil && isTaskResult(res) {
			return res, nil, nil // a task engine's own result, sent as it encodes
		}
		ctr, ok := res.(*CallToolResult)
		if !ok || ctr == nil {
			s.log.Error("middleware returned the wrong result", "tool", r.Name, "type", fmt.Sprintf("%T", res))
			return nil, nil, fmt.Errorf("internal error: tool %q produced no tool result", r.Name)
		}
		ctr = s.maskResult(ctx, r, ctr)
		if ctr.Content == nil {
			cp := *ctr
			cp.Content = []Content{} // as go-sdk: never "content": null
			ctr = &cp
		}
		return resultWithType(ctr, typed, false), nil, nil
	case MethodGetPrompt:
		if pending != nil {
			return resultWithType(&GetPromptResult{InputRequests: pending, RequestState: newState}, typed, true), nil, err
		}
		if err != nil {
			return nil, nil, err
		}
		gpr, ok := res.(*GetPromptResult)
		if !ok || gpr == nil {
			s.log.Error("middleware returned the wrong result", "prompt", r.Name, "type", fmt.Sprintf("%T", res))
			return nil, nil, fmt.Errorf("internal error: prompt %q produced no prompt result", r.Name)
		}
		return resultWithType(gpr, typed, false), nil, nil
	case MethodReadResource:
		if pending != nil {
			return resultWithType(&ReadResourceResult{InputRequests: pending, RequestState: newState}, typed, true), nil, err
		}
		if err != nil {
			return nil, nil, err
		}
		rrr, ok := res.(*ReadResourceResult)
		if !ok || rrr == nil || rrr.Contents == nil {
			s.log.Error("middleware returned the wrong result", "resource", r.Name, "type", fmt.Sprintf("%T", res))
			return nil, nil, fmt.Errorf("internal error: resource %q produced no contents", r.Name)
		}
		mime := ""
		switch {
		case r.Resource != nil:
			mime = r.Resource.MIMEType
		case r.Template != nil:
			mime = r.Template.MIMEType
		}
		for _, c := range rrr.Contents {
			if c == nil {
				continue
			}
			if c.URI == "" {
				c.URI = r.Name
			}
			if c.MIMEType == "" {
				c.MIMEType = mime
			}
		}
		if rrr.CacheScope == "" {
			rrr.CacheScope = cacheScope(r)
		}
		return resultWithType(rrr, typed, false), nil, nil
	}
	return res, nil, err
}

// resultWithType gives a call, read or get result the resultType a
// 2026-07-28 client expects, which go-sdk sets only on results of its own
// registry. Older clients get the result unchanged.
func resultWithType(res mcp.Result, typed, input bool) mcp.Result {
	if !typed {
		return res
	}
	rt := "complete"
	if input {
		rt = "input_required"
	}
	switch r := res.(type) {
	case *CallToolResult:
		return &typedCallTool{r, rt}
	case *GetPromptResult:
		return &typedGetPrompt{r, rt}
	case *ReadResourceResult:
		return &typedReadResource{r, rt}
	}
	return res
}

type typedCallTool struct {
	*CallToolResult
	rt string
}

func (t *typedCallTool) MarshalJSON() ([]byte, error) { return withResultType(t.CallToolResult, t.rt) }

type typedGetPrompt struct {
	*GetPromptResult
	rt string
}

func (t *typedGetPrompt) MarshalJSON() ([]byte, error) {
	return withResultType(t.GetPromptResult, t.rt)
}

type typedReadResource struct {
	*ReadResourceResult
	rt string
}

func (t *typedReadResource) MarshalJSON() ([]byte, error) {
	return withResultType(t.ReadResourceResult, t.rt)
}

// withResultType marshals v (whose own resultType is unset, so omitted)
// and adds "resultType".
func withResultType(v any, rt string) ([]byte, error) {
	js, err := json.Marshal(v)
	if err != nil || len(js) < 2 || js[len(js)-1] != '}' {
		return js, err
	}
	out := append(js[:len(js)-1:len(js)-1], []byte(nil)...)
	if len(js) > 2 {
		out = append(out, ',')
	}
	out = append(out, `"resultType":"`...)
	out = append(out, rt...)
	return append(out, `"}`...), nil
}

// cacheScope is the cacheScope of a list or read result that sets none:
// "private" when the request is authenticated or its view depends on
// authorization checks (only this principal's client may cache it, as
// HTTP caches treat responses to requests with credentials), "public"
// otherwise.
func cacheScope(r *Request) string {
	if r.Principal != nil || r.view != nil && r.view.authz != nil {
		return "private"
	}
	return "public"
}

// listPage is the innermost handler of the list methods: one page of the
// request's view. It tells the request which page it answered, with the
// page's JSON array cached in the view, so that an unchanged result is
// sent without encoding its items again (listcache.go).
func (s *Server) listPage(r *Request) (mcp.Result, error) {
	c := r.view.cache()
	size := s.opts.PageSize
	scope := mcp.Cacheable{CacheScope: cacheScope(r)}
	// note records the page: the items of the cached list, which nothing
	// changes, not the copy in the result, which middleware may change in
	// place.
	note := func(kind, off int, cached any) {
		if r.page != nil {
			*r.page = &encodedPage{items: cached, js: c.encoded(kind, off, size, cached), tasks: c.tasks}
		}
	}
	switch r.Method {
	case MethodListTools:
		list := c.lists[kTools].([]*mcp.Tool)
		items, off, next, err := page(list, r.Cursor, size)
		if err != nil {
			return nil, err
		}
		note(kTools, off, window(list, off, len(items)))
		return &mcp.ListToolsResult{Tools: items, NextCursor: next, Cacheable: scope}, nil
	case MethodListResources:
		list := c.lists[kResources].([]*mcp.Resource)
		items, off, next, err := page(list, r.Cursor, size)
		if err != nil {
			return nil, err
		}
		note(kResources, off, window(list, off, len(items)))
		return &mcp.ListResourcesResult{Resources: items, NextCursor: next, Cacheable: scope}, nil
	case MethodListResourceTemplates:
		list := c.lists[kTemplates].([]*mcp.ResourceTemplate)
		items, off, next, err := page(list, r.Cursor, size)
		if err != nil {
			return nil, err
		}
		note(kTemplates, off, window(list, off, len(items)))
		return &mcp.ListResourceTemplatesResult{ResourceTemplates: items, NextCursor: next, Cacheable: scope}, nil
	default:
		list := c.lists[kPrompts].([]*mcp.Prompt)
		items, off, next, err := page(list, r.Cursor, size)
		if err != nil {
			return nil, err
		}
		note(kPrompts, off, window(list, off, len(items)))
		return &mcp.ListPromptsResult{Prompts: items, NextCursor: next, Cacheable: scope}, nil
	}
}
