package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const objSchema = `{"type":"object","properties":{"s":{"type":"string"}}}`

// upstreamServer is a runtime.Server with one component of each kind and
// tools that exercise every relay.
type upstreamServer struct {
	srv     *runtime.Server
	dyn     *runtime.Dynamic
	url     string
	mu      sync.Mutex
	closed  []string // upstream session ids whose session closed
	opened  map[string]bool
	lastArg json.RawMessage
	lastMet map[string]any
	// interviews counts runs of the interview tool's handler.
	interviews int
}

func newUpstream(t *testing.T) *upstreamServer {
	t.Helper()
	u := &upstreamServer{opened: map[string]bool{}}
	u.srv = runtime.NewServer(&runtime.Implementation{Name: "upstream", Version: "1"}, nil)
	tool := func(name string, h runtime.ToolHandler) *runtime.Tool {
		return &runtime.Tool{Name: name, Description: "tool " + name, InputSchema: json.RawMessage(objSchema), Handler: h}
	}
	track := func(ctx context.Context) string {
		id := runtime.SessionID(ctx)
		u.mu.Lock()
		defer u.mu.Unlock()
		if !u.opened[id] {
			u.opened[id] = true
			runtime.OnSessionClose(ctx, func() {
				u.mu.Lock()
				u.closed = append(u.closed, id)
				u.mu.Unlock()
			})
		}
		return id
	}
	err := u.srv.Add(&runtime.Components{
		Tools: []*runtime.Tool{
			tool("echo", func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
				track(ctx)
				u.mu.Lock()
				u.lastArg = args
				u.lastMet = runtime.RequestFrom(ctx).Meta
				u.mu.Unlock()
				return runtime.TextResult("echo:" + string(args)), nil
			}),
			tool("whoami", func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.TextResult(track(ctx)), nil
			}),
			tool("fail", func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.ErrorResult(errors.New("it failed")), nil
			}),
			tool("rpcerr", func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
				return nil, &jsonrpc.Error{Code: -32042, Message: "custom failure"}
			}),
			tool("slow", func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
				for i := 1; i <= 3; i++ {
					runtime.Progress(ctx, float64(i), 3, fmt.Sprintf("step %d", i))
				}
				runtime.Log(ctx, slog.LevelWarn, "upstream says hi", nil)
				return runtime.TextResult("done"), nil
			}),
			tool("ask", func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
				res, err := runtime.Elicit(ctx, "name", &runtime.ElicitParams{Message: "Your name?",
					RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}}})
				if err != nil {
					return nil, err
				}
				return runtime.TextResult(fmt.Sprintf("%s:%v", res.Action, res.Content["name"])), nil
			}),
			tool("sample", func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
				res, err := runtime.Sample(ctx, "s", &runtime.CreateMessageParams{MaxTokens: 10,
					Messages: []*runtime.SamplingMessage{{Role: "user", Content: &runtime.TextContent{Text: "hi"}}}})
				if err != nil {
					return nil, err
				}
				return runtime.TextResult("sampled:" + runtime.SampledText(res)), nil
			}),
			tool("interview", func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
				u.mu.Lock()
				u.interviews++
				u.mu.Unlock()
				ask := func(key, q string) (any, error) {
					res, err := runtime.Elicit(ctx, key, &runtime.ElicitParams{Message: q,
						RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"type": "string"}}}})
					if err != nil {
						return nil, err
					}
					return res.Content["a"], nil
				}
				name, err := ask("name", "Name?")
				if err != nil {
					return nil, err
				}
				age, err := ask("age", "Age?")
				if err != nil {
					return nil, err
				}
				return runtime.TextResult(fmt.Sprintf("%v,%v", name, age)), nil
			}),
			tool("roots", func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
				res, err := runtime.Roots(ctx, "r")
				if err != nil {
					return nil, err
				}
				var uris []string
				for _, r := range res.Roots {
					uris = append(uris, r.URI)
				}
				return runtime.TextResult("roots:" + strings.Join(uris, ",")), nil
			}),
			{Name: "versioned", Version: "1.0", InputSchema: json.RawMessage(objSchema), Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.TextResult("v1.0"), nil
			}},
			{Name: "versioned", Version: "2.0", InputSchema: json.RawMessage(objSchema), Tags: []string{"new"}, Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.TextResult("v2.0"), nil
			}},
		},
		Resources: []*runtime.Resource{{URI: "test://static/hello", Name: "hello", MIMEType: "text/plain",
			Handler: func(_ context.Context, uri string) (*runtime.ReadResourceResult, error) {
				return &runtime.ReadResourceResult{Contents: []*runtime.ResourceContents{{URI: uri, MIMEType: "text/plain", Text: "hello world"}}}, nil
			}}},
		ResourceTemplates: []*runtime.ResourceTemplate{{URITemplate: "test://items/{id}", Name: "item",
			Handler: func(_ context.Context, uri string, vars []string) (*runtime.ReadResourceResult, error) {
				return &runtime.ReadResourceResult{Contents: []*runtime.ResourceContents{{URI: uri, Text: "item " + vars[0]}}}, nil
			}}},
		Prompts: []*runtime.Prompt{{Name: "greet", Arguments: []runtime.PromptArgument{{Name: "who", Required: true}},
			Handler: func(_ context.Context, args map[string]string) (*runtime.GetPromptResult, error) {
				return &runtime.GetPromptResult{Messages: []*runtime.PromptMessage{{Role: "user", Content: &runtime.TextContent{Text: "Hello " + args["who"]}}}}, nil
			}}},
		Completions: []*runtime.Completion{{Prompt: "greet", Argument: "who",
			Handler: func(_ context.Context, value string, _ map[string]string) ([]string, error) {
				return []string{value + "ice", value + "ex"}, nil
			}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	u.dyn = runtime.NewDynamic(nil)
	if err := u.srv.Add(u.dyn); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(u.srv.Handler())
	t.Cleanup(hs.Close)
	u.url = hs.URL
	return u
}

func (u *upstreamServer) closedSessions() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.closed)
}

// front serves p from a runtime.Server over stateful HTTP and returns its
// URL.
func front(t *testing.T, p runtime.Provider, opts *runtime.Options) (*runtime.Server, string) {
	t.Helper()
	s := runtime.NewServer(&runtime.Implementation{Name: "front", Version: "1"}, opts)
	if err := s.Mount(p); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return s, hs.URL
}

func connect(t *testing.T, url string, copts *mcp.ClientOptions, version string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var so *mcp.ClientSessionOptions
	if version != "" {
		so = &mcp.ClientSessionOptions{ProtocolVersion: version}
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "front-client", Version: "1"}, copts).
		Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func newProxy(t *testing.T, url string) *Proxy {
	t.Helper()
	p, err := New(Target{URL: url}, &Options{ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func text(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func callText(t *testing.T, cs *mcp.ClientSession, name string, args any) string {
	t.Helper()
	res, err := cs.CallTool(ctx10(t), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("call %s: error result %q", name, text(res))
	}
	return text(res)
}

// TestProxyListCallReadGet: the front lists the upstream's components and
// forwards calls (arguments and _meta verbatim), reads, template reads,
// prompt gets and completions; tool errors stay isError results, and
// JSON-RPC errors keep their code.
func TestProxyListCallReadGet(t *testing.T) {
	up := newUpstream(t)
	_, url := front(t, newProxy(t, up.url), nil)
	cs := connect(t, url, nil, "")
	ctx := ctx10(t)

	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
		if tl.Name == "versioned" {
			m, _ := tl.Meta["mcpgen"].(map[string]any)
			if m["version"] != "2.0" || fmt.Sprint(m["versions"]) != "[2.0 1.0]" || fmt.Sprint(m["tags"]) != "[new]" {
				t.Errorf("versioned tool meta = %v", tl.Meta)
			}
		}
	}
	for _, want := range []string{"echo", "whoami", "fail", "rpcerr", "slow", "ask", "versioned"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools/list lacks %q: %v", want, names)
		}
	}

	args := json.RawMessage(`{"s":"a b","z":[1,2.50]}`)
	if got := callText(t, cs, "echo", args); got != `echo:{"s":"a b","z":[1,2.50]}` {
		t.Errorf("echo = %q", got)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"s": "x"}, Meta: mcp.Meta{"custom": "kept"}})
	if err != nil || res.IsError {
		t.Fatalf("echo with meta: %v %v", err, res)
	}
	up.mu.Lock()
	if up.lastMet["custom"] != "kept" {
		t.Errorf("upstream _meta = %v, want custom=kept", up.lastMet)
	}
	up.mu.Unlock()

	if got := callText(t, cs, "versioned", nil); got != "v2.0" {
		t.Errorf("versioned = %q, want v2.0", got)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "versioned", Meta: mcp.Meta{"mcpgen": map[string]any{"version": "1.0"}}})
	if err != nil || text(res) != "v1.0" {
		t.Errorf("versioned@1.0 = %v, %v", res, err)
	}

	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "fail"})
	if err != nil || !res.IsError || text(res) != "it failed" {
		t.Errorf("fail = %+v, %v; want an isError result", res, err)
	}
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "rpcerr"})
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != -32042 || !strings.Contains(je.Message, "custom failure") {
		t.Errorf("rpcerr error = %v, want code -32042", err)
	}

	rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "test://static/hello"})
	if err != nil || rr.Contents[0].Text != "hello world" {
		t.Errorf("read static = %v, %v", rr, err)
	}
	rr, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "test://items/42"})
	if err != nil || rr.Contents[0].Text != "item 42" {
		t.Errorf("read template = %v, %v", rr, err)
	}
	tl, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(tl.ResourceTemplates) != 1 || tl.ResourceTemplates[0].URITemplate != "test://items/{id}" {
		t.Errorf("templates = %v, %v", tl, err)
	}
	gp, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "greet", Arguments: map[string]string{"who": "Ada"}})
	if err != nil || gp.Messages[0].Content.(*mcp.TextContent).Text != "Hello Ada" {
		t.Errorf("get prompt = %v, %v", gp, err)
	}
	cr, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "greet"}, Argument: mcp.CompleteParamsArgument{Name: "who", Value: "Al"}})
	if err != nil || fmt.Sprint(cr.Completion.Values) != "[Alice Alex]" {
		t.Errorf("complete = %v, %v", cr, err)
	}
}

// TestProxyListChanged: a tool added upstream at run time reaches the
// front client as tools/list_changed, and the next list shows it.
func TestProxyListChanged(t *testing.T) {
	up := newUpstream(t)
	_, url := front(t, newProxy(t, up.url), nil)
	changed := make(chan struct{}, 10)
	cs := connect(t, url, &mcp.ClientOptions{ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
		changed <- struct{}{}
	}}, "2025-11-25")
	if _, err := cs.ListTools(ctx10(t), nil); err != nil {
		t.Fatal(err)
	}
	up.dyn.Set(&runtime.Components{Tools: []*runtime.Tool{{Name: "late", InputSchema: json.RawMessage(objSchema),
		Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult("late!"), nil
		}}}})
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no tools/list_changed reached the front client")
	}
	tools, err := cs.ListTools(ctx10(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(tools.Tools, func(t *mcp.Tool) bool { return t.Name == "late" }) {
		t.Fatalf("the new tool is not listed")
	}
	if got := callText(t, cs, "late", nil); got != "late!" {
		t.Errorf("late = %q", got)
	}
}

// TestProxySessions: two front sessions get distinct upstream sessions,
// one front session keeps its upstream session across calls, and closing
// a front session closes its upstream session.
func TestProxySessions(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.url)
	_, url := front(t, p, nil)
	// Sessions are of 2025-11-25: a 2026-07-28 front client has none.
	a := connect(t, url, nil, "2025-11-25")
	b := connect(t, url, nil, "2025-11-25")
	a1, a2, b1 := callText(t, a, "whoami", nil), callText(t, a, "whoami", nil), callText(t, b, "whoami", nil)
	if a1 == "" || a1 != a2 {
		t.Errorf("front session A saw upstream sessions %q then %q, want one", a1, a2)
	}
	if a1 == b1 {
		t.Errorf("front sessions A and B share upstream session %q", a1)
	}
	if n := p.sessionCount(); n != 2 {
		t.Errorf("pooled upstream sessions = %d, want 2", n)
	}
	a.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(up.closedSessions(), a1) {
		if time.Now().After(deadline) {
			t.Fatalf("closing front session A did not close upstream session %q (closed: %v)", a1, up.closedSessions())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if slices.Contains(up.closedSessions(), b1) {
		t.Errorf("closing A closed B's upstream session")
	}
	if n := p.sessionCount(); n != 1 {
		t.Errorf("pooled upstream sessions after A closed = %d, want 1", n)
	}
	if got := callText(t, b, "whoami", nil); got != b1 {
		t.Errorf("B's upstream session changed: %q -> %q", b1, got)
	}
}

// TestProxyStateless: a stateless front gets a fresh upstream session per
// request, closed after it, and relayed server-to-client requests fail
// with an error that says why.
func TestProxyStateless(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.url)
	_, url := front(t, p, &runtime.Options{Stateless: true})
	cs := connect(t, url, &mcp.ClientOptions{ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "x"}}, nil
	}}, "2025-11-25")
	s1, s2 := callText(t, cs, "whoami", nil), callText(t, cs, "whoami", nil)
	if s1 == s2 {
		t.Errorf("two stateless requests shared upstream session %q", s1)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(up.closedSessions(), s1) || !slices.Contains(up.closedSessions(), s2) {
		if time.Now().After(deadline) {
			t.Fatalf("per-request upstream sessions were not closed: %v", up.closedSessions())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := p.sessionCount(); n != 0 {
		t.Errorf("pooled sessions = %d, want 0", n)
	}
	res, err := cs.CallTool(ctx10(t), &mcp.CallToolParams{Name: "ask"})
	msg := fmt.Sprint(err)
	if res != nil {
		msg += text(res)
	}
	if !strings.Contains(msg, "no live session") {
		t.Errorf("elicitation through a stateless front = %v / %q, want the no-live-session error", err, msg)
	}
}

// TestProxyRelays: progress (same token), logging, elicitation, sampling
// and roots travel between the front client and the upstream server.
func TestProxyRelays(t *testing.T) {
	up := newUpstream(t)
	_, url := front(t, newProxy(t, up.url), nil)
	var mu sync.Mutex
	var progress []string
	var logs []string
	copts := &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			progress = append(progress, fmt.Sprintf("%v:%v/%v", r.Params.ProgressToken, r.Params.Progress, r.Params.Total))
			mu.Unlock()
		},
		LoggingMessageHandler: func(_ context.Context, r *mcp.LoggingMessageRequest) {
			mu.Lock()
			logs = append(logs, fmt.Sprintf("%s:%v", r.Params.Level, r.Params.Data))
			mu.Unlock()
		},
		ElicitationHandler: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Grace " + r.Params.Message}}, nil
		},
		CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return &mcp.CreateMessageResult{Model: "m", Role: "assistant", Content: &mcp.TextContent{Text: "from the front"}}, nil
		},
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "front-client", Version: "1"}, copts)
	c.AddRoots(&mcp.Root{URI: "file:///front/root"})
	cs, err := c.Connect(ctx10(t), &mcp.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if err := cs.SetLoggingLevel(ctx10(t), &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx10(t), &mcp.CallToolParams{Name: "slow", Meta: mcp.Meta{"progressToken": "tok-1"}})
	if err != nil || text(res) != "done" {
		t.Fatalf("slow = %v, %v", res, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n, l := len(progress), len(logs)
		mu.Unlock()
		if n >= 3 && l >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	if fmt.Sprint(progress) != "[tok-1:1/3 tok-1:2/3 tok-1:3/3]" {
		t.Errorf("relayed progress = %v", progress)
	}
	if fmt.Sprint(logs) != "[warning:upstream says hi]" {
		t.Errorf("relayed logs = %v", logs)
	}
	mu.Unlock()

	if got := callText(t, cs, "ask", nil); got != "accept:Grace Your name?" {
		t.Errorf("ask = %q", got)
	}
	if got := callText(t, cs, "sample", nil); got != "sampled:from the front" {
		t.Errorf("sample = %q", got)
	}
	if got := callText(t, cs, "roots", nil); got != "roots:file:///front/root" {
		t.Errorf("roots = %q", got)
	}
}

// TestProxyCapabilitiesFollowFront: a front client that declares no
// elicitation gets an upstream session that declares none, so the
// upstream refuses to ask rather than the proxy failing mid-call.
func TestProxyCapabilitiesFollowFront(t *testing.T) {
	up := newUpstream(t)
	_, url := front(t, newProxy(t, up.url), nil)
	cs := connect(t, url, &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}}, "2025-11-25")
	res, err := cs.CallTool(ctx10(t), &mcp.CallToolParams{Name: "ask"})
	msg := fmt.Sprint(err)
	if res != nil {
		msg += text(res)
	}
	if strings.Contains(msg, "accept") || (err == nil && !res.IsError) {
		t.Errorf("ask without elicitation capability = %q, want a failure", msg)
	}
	if strings.Contains(msg, "proxy:") {
		t.Errorf("the proxy, not the upstream, refused: %q", msg)
	}
}

// TestProxyUnreachable: an upstream that refuses connections, or accepts
// them and never answers, is an error within the connect timeout.
func TestProxyUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/mcp"
	l.Close()

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	for _, tc := range []struct{ name, url, want string }{
		{"refused", refused, "connecting to upstream"},
		{"silent", "http://" + silent.Addr().String() + "/mcp", "did not answer within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(Target{URL: tc.url}, &Options{ConnectTimeout: 500 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			start := time.Now()
			_, err = p.Components(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Components error = %v, want %q", err, tc.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
			// Mounting it fails the same way, quickly.
			s := runtime.NewServer(&runtime.Implementation{Name: "front", Version: "1"}, nil)
			if err := s.Mount(p); err == nil {
				t.Error("Mount of an unreachable upstream succeeded")
			}
		})
	}
	// A command that does not exist.
	p, _ := New(Target{Command: "/nonexistent/mcp-server"}, nil)
	if _, err := p.Components(context.Background()); err == nil {
		t.Error("a missing command listed")
	}
}

// TestProxyMethodNotFoundList: an upstream that declares resources and
// prompts but answers their lists with METHOD_NOT_FOUND gives empty lists,
// not a failure.
func TestProxyMethodNotFoundList(t *testing.T) {
	s := mcp.NewServer(&mcp.Implementation{Name: "partial", Version: "1"}, &mcp.ServerOptions{
		Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{}, Resources: &mcp.ResourceCapabilities{}, Prompts: &mcp.PromptCapabilities{}},
	})
	s.AddTool(&mcp.Tool{Name: "only", InputSchema: json.RawMessage(`{"type":"object"}`)}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ok"}}}, nil
	})
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			switch method {
			case "resources/list", "resources/templates/list", "prompts/list":
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "no " + method}
			}
			return next(ctx, method, req)
		}
	})
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(hs.Close) // after the proxy's cleanup, which ends the SSE stream
	p := newProxy(t, hs.URL)
	c, err := p.Components(context.Background())
	if err != nil {
		t.Fatalf("Components: %v", err)
	}
	if len(c.Tools) != 1 || c.Tools[0].Name != "only" || len(c.Resources)+len(c.ResourceTemplates)+len(c.Prompts) != 0 {
		t.Errorf("components = %d tools, %d resources, %d templates, %d prompts", len(c.Tools), len(c.Resources), len(c.ResourceTemplates), len(c.Prompts))
	}
}

// TestProxyLifespan: with the server started, the catalogue session is
// connected by the lifespan, and Close closes every upstream session.
func TestProxyLifespan(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.url)
	s, url := front(t, p, nil)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, url, nil, "")
	id := callText(t, cs, "whoami", nil)
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(up.closedSessions(), id) {
		if time.Now().After(deadline) {
			t.Fatalf("stopping the server did not close upstream session %q", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := p.Components(context.Background()); !errors.Is(err, errClosed) {
		t.Errorf("Components after Close = %v, want errClosed", err)
	}
}

// TestProxyConfig: a config of two servers is served namespaced by server
// name, calls and template reads map back, and one dead server is left
// out rather than failing the rest.
func TestProxyConfig(t *testing.T) {
	a, b := newUpstream(t), newUpstream(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String() + "/mcp"
	l.Close()
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"mcpServers": {"alpha": {"url": %q}, "beta": {"url": %q}, "dead": {"url": %q}}}`, a.url, b.url, dead)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewConfig(cfg, &Options{ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_, url := front(t, m, nil)
	cs := connect(t, url, nil, "")
	tools, err := cs.ListTools(ctx10(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	for _, want := range []string{"alpha_echo", "beta_echo", "alpha_whoami"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools lack %q: %v", want, names)
		}
	}
	if slices.Contains(names, "echo") {
		t.Errorf("an unprefixed tool is listed: %v", names)
	}
	if got := callText(t, cs, "beta_echo", map[string]any{"s": "b"}); got != `echo:{"s":"b"}` {
		t.Errorf("beta_echo = %q", got)
	}
	rr, err := cs.ReadResource(ctx10(t), &mcp.ReadResourceParams{URI: "test://alpha/items/7"})
	if err != nil || rr.Contents[0].Text != "item 7" {
		t.Errorf("namespaced template read = %v, %v", rr, err)
	}
	rr, err = cs.ReadResource(ctx10(t), &mcp.ReadResourceParams{URI: "test://beta/static/hello"})
	if err != nil || rr.Contents[0].Text != "hello world" {
		t.Errorf("namespaced resource read = %v, %v", rr, err)
	}
	gp, err := cs.GetPrompt(ctx10(t), &mcp.GetPromptParams{Name: "alpha_greet", Arguments: map[string]string{"who": "Bo"}})
	if err != nil || gp.Messages[0].Content.(*mcp.TextContent).Text != "Hello Bo" {
		t.Errorf("namespaced prompt = %v, %v", gp, err)
	}
	if _, err := ParseConfig([]byte(`{"mcpServers": {"x": {"url": "http://h", "command": "c"}}}`)); err == nil {
		t.Error("a server with both url and command parsed")
	}
	if _, err := ParseConfig([]byte(`{"mcpServers": {"x": {"url": "http://h", "transport": "sse"}}}`)); err == nil {
		t.Error("an sse server parsed")
	}
}

// TestProxyInputRounds: a front client on protocol 2026-07-28 answers the
// upstream's elicitation, sampling and roots requests in input-required
// rounds, statelessly over HTTP and on a session; an upstream tool that
// asks twice takes two rounds, each answered once.
func TestProxyInputRounds(t *testing.T) {
	for _, mode := range []string{"stateless-http", "session"} {
		t.Run(mode, func(t *testing.T) {
			up := newUpstream(t)
			var mu sync.Mutex
			var asked []string
			copts := &mcp.ClientOptions{
				ElicitationHandler: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					mu.Lock()
					asked = append(asked, r.Params.Message)
					mu.Unlock()
					answer := map[string]string{"Your name?": "Grace", "Name?": "Ada", "Age?": "36"}[r.Params.Message]
					return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": answer, "a": answer}}, nil
				},
				CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
					return &mcp.CreateMessageResult{Model: "m", Role: "assistant", Content: &mcp.TextContent{Text: "from the front"}}, nil
				},
			}
			c := mcp.NewClient(&mcp.Implementation{Name: "front-client", Version: "1"}, copts)
			c.AddRoots(&mcp.Root{URI: "file:///front/root"})
			so := &mcp.ClientSessionOptions{ProtocolVersion: "2026-07-28"}
			var cs *mcp.ClientSession
			var err error
			if mode == "stateless-http" {
				_, url := front(t, newProxy(t, up.url), &runtime.Options{Stateless: true})
				cs, err = c.Connect(ctx10(t), &mcp.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, so)
			} else {
				s := runtime.NewServer(&runtime.Implementation{Name: "front", Version: "1"}, nil)
				if err := s.Mount(newProxy(t, up.url)); err != nil {
					t.Fatal(err)
				}
				ct, st := mcp.NewInMemoryTransports()
				if _, err := s.MCP().Connect(ctx10(t), st, nil); err != nil {
					t.Fatal(err)
				}
				cs, err = c.Connect(ctx10(t), ct, so)
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cs.Close() })
			if got := cs.InitializeResult(); got != nil && got.ProtocolVersion != "" && got.ProtocolVersion != "2026-07-28" {
				t.Fatalf("negotiated %s", got.ProtocolVersion)
			}
			if got := callText(t, cs, "ask", nil); got != "accept:Grace" {
				t.Errorf("ask = %q", got)
			}
			if got := callText(t, cs, "sample", nil); got != "sampled:from the front" {
				t.Errorf("sample = %q", got)
			}
			if got := callText(t, cs, "roots", nil); got != "roots:file:///front/root" {
				t.Errorf("roots = %q", got)
			}
			if got := callText(t, cs, "interview", nil); got != "Ada,36" {
				t.Errorf("interview = %q", got)
			}
			mu.Lock()
			if fmt.Sprint(asked) != "[Your name? Name? Age?]" {
				t.Errorf("the front client was asked %q, want each question once", asked)
			}
			mu.Unlock()
			// Each front round sends the call upstream again from the start;
			// the upstream (a runtime.Server on a 2025-11-25 session) runs
			// its handler again after each answer it gets: 1 + 2 + 3 runs.
			up.mu.Lock()
			if up.interviews != 6 {
				t.Errorf("the upstream interview ran %d times, want 6", up.interviews)
			}
			up.mu.Unlock()
		})
	}
}

// TestProxyInputRoundsWithoutCapability: a 2026-07-28 front client that
// declares no elicitation is never asked; the upstream gets the refusal
// and fails the call itself.
func TestProxyInputRoundsWithoutCapability(t *testing.T) {
	up := newUpstream(t)
	_, url := front(t, newProxy(t, up.url), &runtime.Options{Stateless: true})
	cs := connect(t, url, &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}}, "2026-07-28")
	res, err := cs.CallTool(ctx10(t), &mcp.CallToolParams{Name: "ask"})
	msg := fmt.Sprint(err)
	if res != nil {
		msg += text(res)
	}
	if err == nil && !res.IsError || !strings.Contains(msg, "elicitation") {
		t.Errorf("ask without the elicitation capability = %q, want a failure naming it", msg)
	}
}
