package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	var names []string
	for tl, err := range cs.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tl.Name)
	}
	return names
}

func tagged(name string, tags ...string) *Tool {
	tl := tool(name, "", text(name))
	tl.Tags = tags
	return tl
}

// Across providers the highest version wins; with equal versions the
// provider added first. Listed tools carry their visible versions.
func TestPrecedenceAcrossProviders(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	must(t, s.Add(&Components{Tools: []*Tool{tool("a", "1.0", text("first a1")), tool("b", "", text("first b"))}}))
	must(t, s.Add(&Components{Tools: []*Tool{tool("a", "2.0", text("second a2")), tool("a", "1.0", text("second a1")), tool("b", "", text("second b"))}}))
	cs := connect(t, s, nil)
	if got := resultText(call(t, cs, "a", nil)); got != "second a2" {
		t.Errorf("a = %q, want the highest version from the second provider", got)
	}
	if got := resultText(call(t, cs, "b", nil)); got != "first b" {
		t.Errorf("b = %q, want the first provider's", got)
	}
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "a", Meta: mcp.Meta{"mcpgen": map[string]any{"version": "1.0"}}})
	if err != nil || resultText(res) != "first a1" {
		t.Errorf("a@1.0 = %q, %v; want the first provider's 1.0", resultText(res), err)
	}
	list, err := cs.ListTools(context.Background(), nil)
	must(t, err)
	for _, tl := range list.Tools {
		if tl.Name == "a" {
			js, _ := json.Marshal(tl.Meta)
			if string(js) != `{"mcpgen":{"version":"2.0","versions":["2.0","1.0"]}}` {
				t.Errorf("a meta = %s", js)
			}
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Resources and templates have versions too, selected with _meta on
// resources/read; an unknown version is not found.
func TestResourceVersions(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	res := func(v string) *Resource {
		return &Resource{URI: "docs://x", Name: "x", Version: v, Handler: func(_ context.Context, uri string) (*ReadResourceResult, error) {
			return TextContents(uri, "text/plain", "v"+v), nil
		}}
	}
	must(t, s.Add(&Components{Resources: []*Resource{res("1"), res("2")}}))
	cs := connect(t, s, nil)
	ctx := context.Background()
	for version, want := range map[string]string{"": "v2", "1": "v1", "2": "v2"} {
		p := &mcp.ReadResourceParams{URI: "docs://x"}
		if version != "" {
			p.Meta = mcp.Meta{"mcpgen": map[string]any{"version": version}}
		}
		r, err := cs.ReadResource(ctx, p)
		if err != nil || r.Contents[0].Text != want {
			t.Errorf("version %q: %+v %v", version, r, err)
		}
	}
	_, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "docs://x", Meta: mcp.Meta{"mcpgen": map[string]any{"version": "3"}}})
	var rpc *jsonrpc.Error
	if !errors.As(err, &rpc) || rpc.Code != mcp.CodeResourceNotFound {
		t.Errorf("unknown version: %v", err)
	}
}

// Paging is the runtime's: off by default, opaque cursors, -32602 for a
// bad one, and a negative page size refused at NewServer.
func TestCataloguePaging(t *testing.T) {
	var c Components
	for i := range 5 {
		c.Tools = append(c.Tools, tool(fmt.Sprintf("t%d", i), "", text("x")))
	}
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	must(t, s.Add(&c))
	list, err := connect(t, s, nil).ListTools(context.Background(), nil)
	if err != nil || len(list.Tools) != 5 || list.NextCursor != "" {
		t.Errorf("unpaged list: %d tools, next %q, %v", len(list.Tools), list.NextCursor, err)
	}

	paged := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{PageSize: 2})
	must(t, paged.Add(&c))
	cs := connect(t, paged, nil)
	first, err := cs.ListTools(context.Background(), nil)
	if err != nil || len(first.Tools) != 2 || first.NextCursor == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	var rpc *jsonrpc.Error
	for _, bad := range []string{"nope!", "e30", "eyJvIjotMX0"} { // not base64, {}, {"o":-1}
		_, err := cs.ListTools(context.Background(), &mcp.ListToolsParams{Cursor: bad})
		if !errors.As(err, &rpc) || rpc.Code != jsonrpc.CodeInvalidParams {
			t.Errorf("cursor %q: %v, want -32602", bad, err)
		}
	}
	func() {
		defer func() {
			if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "PageSize is -1") {
				t.Errorf("NewServer with PageSize -1: recovered %v", v)
			}
		}()
		NewServer(&Implementation{Name: "t", Version: "1"}, &Options{PageSize: -1})
	}()
}

// A provider that changes at run time: the client gets list_changed and
// the next list shows the change. A provider whose listing fails is
// skipped, not fatal.
func TestLiveProvider(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{Logger: slog.New(slog.DiscardHandler)})
	d := NewDynamic(&Components{Tools: []*Tool{tool("one", "", text("1"))}})
	fl := &flaky{}
	must(t, s.Add(d, fl))
	changed := make(chan string, 10)
	cs := connect(t, s, &mcp.ClientOptions{
		ToolListChangedHandler:   func(context.Context, *mcp.ToolListChangedRequest) { changed <- "tools" },
		PromptListChangedHandler: func(context.Context, *mcp.PromptListChangedRequest) { changed <- "prompts" },
	})
	if got := toolNames(t, cs); !slices.Equal(got, []string{"flaky", "one"}) {
		t.Fatalf("tools = %v", got)
	}
	d.Set(&Components{Tools: []*Tool{tool("one", "", text("1")), tool("two", "", text("2"))}})
	select {
	case k := <-changed:
		if k != "tools" {
			t.Errorf("got %s list_changed, want tools", k)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no tools/list_changed")
	}
	if got := toolNames(t, cs); !slices.Equal(got, []string{"flaky", "one", "two"}) {
		t.Errorf("tools after Set = %v", got)
	}
	// The flaky provider now fails: its tool disappears, the rest stays.
	fl.fail()
	<-changed
	if got := toolNames(t, cs); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("tools after a failing listing = %v", got)
	}
	select {
	case k := <-changed:
		t.Errorf("unexpected %s list_changed", k)
	case <-time.After(50 * time.Millisecond):
	}
}

type flaky struct {
	mu      sync.Mutex
	failing bool
	notify  func()
}

func (f *flaky) Components(context.Context) (*Components, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing {
		return nil, errors.New("upstream down")
	}
	return &Components{Tools: []*Tool{tool("flaky", "", text("f"))}}, nil
}

func (f *flaky) Watch(changed func()) func() {
	f.mu.Lock()
	f.notify = changed
	f.mu.Unlock()
	return func() {}
}

func (f *flaky) fail() {
	f.mu.Lock()
	f.failing = true
	n := f.notify
	f.mu.Unlock()
	n()
}

// A mounted server: its components appear in the parent (live), its
// middleware runs after the parent's on its own names, and its lifespans
// run with the parent's.
func TestMountServer(t *testing.T) {
	var mu sync.Mutex
	var log []string
	note := func(s string) {
		mu.Lock()
		log = append(log, s)
		mu.Unlock()
	}
	child := NewServer(&Implementation{Name: "child", Version: "1"}, nil)
	must(t, child.Add(&Components{Tools: []*Tool{tool("hello", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		note("handler:" + RequestFrom(ctx).Name)
		return TextResult("hi"), nil
	})}}))
	child.Use(func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (mcp.Result, error) {
			note("child:" + r.Method + ":" + r.Name)
			return next(ctx, r)
		}
	})
	must(t, child.AddLifespan(func(context.Context) (func(context.Context) error, error) {
		note("child start")
		return func(context.Context) error { note("child stop"); return nil }, nil
	}))
	parent := NewServer(&Implementation{Name: "parent", Version: "1"}, nil)
	must(t, parent.AddLifespan(func(context.Context) (func(context.Context) error, error) {
		note("parent start")
		return func(context.Context) error { note("parent stop"); return nil }, nil
	}))
	prefix := TransformFunc(func(_ context.Context, in *Components) (*Components, error) {
		out := in.Clone()
		for i, tl := range out.Tools {
			cp := *tl
			cp.Name = "kid_" + tl.Name
			out.Tools[i] = &cp
		}
		return out, nil
	})
	must(t, parent.Mount(child, prefix))
	parent.Use(func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (mcp.Result, error) {
			if r.Method == MethodCallTool {
				note("parent:" + r.Name)
			}
			return next(ctx, r)
		}
	})
	must(t, parent.Start(context.Background()))
	listChanged := make(chan struct{}, 10)
	cs := connect(t, parent, &mcp.ClientOptions{ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { listChanged <- struct{}{} }})
	if got := resultText(call(t, cs, "kid_hello", nil)); got != "hi" {
		t.Errorf("kid_hello = %q", got)
	}
	// Live: a tool added to the child later appears in the parent, and the
	// parent's clients are told.
	must(t, child.Add(&Components{Tools: []*Tool{tool("later", "", text("late"))}}))
	select {
	case <-listChanged:
	case <-time.After(5 * time.Second):
		t.Fatal("no tools/list_changed after the child changed")
	}
	if got := toolNames(t, cs); !slices.Contains(got, "kid_later") {
		t.Fatalf("kid_later missing: %v", got)
	}
	must(t, parent.Close(context.Background()))
	mu.Lock()
	defer mu.Unlock()
	want := []string{"parent start", "child start", "parent:kid_hello", "child:tools/call:hello", "handler:hello"}
	if !slices.Equal(log[:5], want) {
		t.Errorf("order = %q, want it to start with %q", log, want)
	}
	if n := len(log); log[n-2] != "child stop" || log[n-1] != "parent stop" {
		t.Errorf("stop order = %q, want child then parent (LIFO)", log[n-2:])
	}
}

// Lifespans run once per server, not per session, in order, and stop in
// reverse; a failing start stops what already started.
func TestLifespans(t *testing.T) {
	var mu sync.Mutex
	var log []string
	span := func(name string, fail bool) LifespanFunc {
		return func(context.Context) (func(context.Context) error, error) {
			mu.Lock()
			defer mu.Unlock()
			log = append(log, "start "+name)
			if fail {
				return nil, errors.New(name + " failed")
			}
			return func(context.Context) error {
				mu.Lock()
				log = append(log, "stop "+name)
				mu.Unlock()
				return nil
			}, nil
		}
	}
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	must(t, s.AddLifespan(span("a", false), span("b", false)))
	must(t, s.Add(&Components{Tools: []*Tool{tool("x", "", text("x"))}}))
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(s.Handler())
	must(t, s.Start(ctx))
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer cs.Close()
			call(t, cs, "x", nil)
		}()
	}
	wg.Wait()
	srv.Close()
	cancel()
	must(t, s.Close(context.Background()))
	if got := strings.Join(log, ","); got != "start a,start b,stop b,stop a" {
		t.Errorf("lifespans = %s", got)
	}

	log = nil
	s2 := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	must(t, s2.AddLifespan(span("a", false), span("b", true), span("c", false)))
	if err := s2.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "b failed") {
		t.Errorf("Start = %v", err)
	}
	if got := strings.Join(log, ","); got != "start a,start b,stop a" {
		t.Errorf("after a failed start = %s", got)
	}
}

// Middleware sees every catalogue method, lists included, with the
// transport-neutral request, and may filter a list.
func TestMiddlewareSeesLists(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	must(t, s.Add(&Components{Tools: []*Tool{tool("keep", "", text("k")), tool("secret", "", text("s"))}}))
	var mu sync.Mutex
	seen := map[string]*Request{}
	s.Use(func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (mcp.Result, error) {
			mu.Lock()
			seen[r.Method] = r
			mu.Unlock()
			res, err := next(ctx, r)
			if lt, ok := res.(*mcp.ListToolsResult); ok {
				lt.Tools = slices.DeleteFunc(lt.Tools, func(t *mcp.Tool) bool { return t.Name == "secret" })
			}
			return res, err
		}
	})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "probe", Version: "9"}, nil).Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
	must(t, err)
	defer cs.Close()
	if got := toolNames(t, cs); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("filtered list = %v", got)
	}
	// The filter did not touch the catalogue.
	if got := toolNames(t, cs); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("second list = %v", got)
	}
	call(t, cs, "keep", nil)
	mu.Lock()
	defer mu.Unlock()
	r := seen[MethodListTools]
	if r == nil || r.Header == nil || r.ProtocolVersion == "" || r.ClientInfo == nil || r.ClientInfo.Name != "probe" || r.SessionID != cs.ID() {
		t.Errorf("list request = %+v", r)
	}
	if c := seen[MethodCallTool]; c == nil || c.Name != "keep" || c.Tool == nil {
		t.Errorf("call request = %+v", c)
	}
}

// Session state: isolated between sessions, JSON-encoded, shadowed by
// request-scoped values, deleted, and a clear error for values that do
// not encode.
func TestSessionState(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	type counter struct{ N int }
	must(t, s.Add(&Components{Tools: []*Tool{
		tool("incr", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
			c, _, err := GetState[counter](ctx, "count")
			if err != nil {
				return nil, err
			}
			c.N++
			if err := SetState(ctx, "count", c); err != nil {
				return nil, err
			}
			return TextResult(fmt.Sprint(c.N)), nil
		}),
		tool("shadow", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
			must(t, SetRequestState(ctx, "count", counter{N: 100}))
			c, _, err := GetState[counter](ctx, "count")
			return TextResult(fmt.Sprint(c.N)), err
		}),
		tool("bad", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
			return ErrorResult(SetState(ctx, "ch", make(chan int))), nil
		}),
		tool("reset", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
			return TextResult("reset"), DeleteState(ctx, "count")
		}),
	}}))
	a, b := connect(t, s, nil), connect(t, s, nil)
	for _, want := range []string{"1", "2", "3"} {
		if got := resultText(call(t, a, "incr", nil)); got != want {
			t.Errorf("a incr = %s, want %s", got, want)
		}
	}
	if got := resultText(call(t, b, "incr", nil)); got != "1" {
		t.Errorf("b incr = %s, want its own state", got)
	}
	if got := resultText(call(t, a, "shadow", nil)); got != "100" {
		t.Errorf("shadowed = %s", got)
	}
	if got := resultText(call(t, a, "incr", nil)); got != "4" {
		t.Errorf("after the shadow request = %s, want the session's value again", got)
	}
	if r := call(t, a, "bad", nil); !strings.Contains(resultText(r), `value for key "ch" cannot be JSON-encoded`) {
		t.Errorf("bad = %q", resultText(r))
	}
	call(t, a, "reset", nil)
	if got := resultText(call(t, a, "incr", nil)); got != "1" {
		t.Errorf("after DeleteState = %s", got)
	}
	// Outside a request the helpers fail cleanly.
	if err := SetState(context.Background(), "k", 1); err == nil {
		t.Error("SetState outside a request succeeded")
	}
	if SessionID(context.Background()) != "" || ClientInfo(context.Background()) != nil || Log(context.Background(), slog.LevelInfo, "x", nil) != nil {
		t.Error("context helpers outside a request")
	}
}

// Per-session visibility over stateful HTTP (sessions are of 2025-11-25;
// a 2026-07-28 client has none): session A unlocks a group and gets
// exactly one tools/list_changed; session B sees and can call
// nothing new, and is not notified.
func TestSessionVisibility(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	admin := tagged("admin_reset", "admin")
	admin.Disabled = true
	must(t, s.Add(&Components{Tools: []*Tool{
		admin,
		tool("unlock", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
			return TextResult("unlocked"), EnableComponents(ctx, Match{Tags: []string{"admin"}})
		}),
		tool("lock", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
			return TextResult("locked"), ResetVisibility(ctx)
		}),
	}}))
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close) // after the clients' cleanups: it waits for their streams
	connectHTTP := func(changed chan string) *mcp.ClientSession {
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, &mcp.ClientOptions{
			ToolListChangedHandler:     func(context.Context, *mcp.ToolListChangedRequest) { changed <- "tools" },
			ResourceListChangedHandler: func(context.Context, *mcp.ResourceListChangedRequest) { changed <- "resources" },
			PromptListChangedHandler:   func(context.Context, *mcp.PromptListChangedRequest) { changed <- "prompts" },
		}).Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: srv.URL}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
		must(t, err)
		t.Cleanup(func() { cs.Close() })
		return cs
	}
	achanged, bchanged := make(chan string, 10), make(chan string, 10)
	a, b := connectHTTP(achanged), connectHTTP(bchanged)
	if got := toolNames(t, a); !slices.Equal(got, []string{"lock", "unlock"}) {
		t.Fatalf("a before = %v", got)
	}
	call(t, a, "unlock", nil)
	select {
	case k := <-achanged:
		if k != "tools" {
			t.Errorf("a got %s list_changed", k)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a got no list_changed")
	}
	if got := toolNames(t, a); !slices.Equal(got, []string{"admin_reset", "lock", "unlock"}) {
		t.Errorf("a after unlock = %v", got)
	}
	if got := resultText(call(t, a, "admin_reset", nil)); got != "admin_reset" {
		t.Errorf("a admin_reset = %q", got)
	}
	if got := toolNames(t, b); !slices.Equal(got, []string{"lock", "unlock"}) {
		t.Errorf("b = %v", got)
	}
	_, err := b.CallTool(context.Background(), &mcp.CallToolParams{Name: "admin_reset"})
	var rpc *jsonrpc.Error
	if !errors.As(err, &rpc) || !strings.Contains(rpc.Message, `unknown tool "admin_reset"`) {
		t.Errorf("b admin_reset: %v", err)
	}
	call(t, a, "lock", nil)
	<-achanged
	if got := toolNames(t, a); slices.Contains(got, "admin_reset") {
		t.Errorf("a after reset = %v", got)
	}
	select {
	case k := <-achanged:
		t.Errorf("a got an extra %s list_changed", k)
	case k := <-bchanged:
		t.Errorf("b got a %s list_changed", k)
	case <-time.After(100 * time.Millisecond):
	}
}

// Server-wide visibility marks and session rules share the rule language:
// ANDed criteria, last rule wins, keys with @version.
func TestRuleSemantics(t *testing.T) {
	c := &Components{Tools: []*Tool{tagged("a", "x", "y"), tagged("b", "x"), tool("c", "2.0", text("c"))}}
	state := func(c *Components) string {
		var out []string
		for _, tl := range c.Tools {
			if !tl.Disabled {
				out = append(out, tl.Name)
			}
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		rules []Rule
		want  string
	}{
		{nil, "a,b,c"},
		{[]Rule{{Match: Match{Tags: []string{"x"}}}}, "c"},
		{[]Rule{{Match: Match{Tags: []string{"x"}, Names: []string{"b"}}}}, "a,c"}, // ANDed
		{[]Rule{{Match: Match{Tags: []string{"nope", "y"}}}}, "b,c"},               // any tag
		{[]Rule{{Match: Match{All: true}}, {Enable: true, Match: Match{Keys: []string{"tool:c@2.0"}}}}, "c"},
		{[]Rule{{Match: Match{Keys: []string{"tool:c@"}}}}, "a,b,c"},       // keys are exact
		{[]Rule{{Match: Match{Version: &VersionSpec{Gte: "1.0"}}}}, "a,b"}, // unversioned never matches a version
		{[]Rule{{Match: Match{}}}, "a,b,c"},                                // an empty match selects nothing
		{[]Rule{{Match: Match{All: true, Kinds: []Kind{KindPrompt}}}}, "a,b,c"},
	} {
		out := ApplyRules(c, tc.rules...)
		if got := state(out); got != tc.want {
			t.Errorf("%+v: enabled %s, want %s", tc.rules, got, tc.want)
		}
		if state(c) != "a,b,c" {
			t.Fatal("ApplyRules changed its input")
		}
	}
	if err := (&Match{Kinds: []Kind{"tools"}}).Validate(); err == nil {
		t.Error("unknown kind accepted")
	}
}

// Stateless requests have no session unless Options.SessionKey names one.
func TestStatelessSessionKey(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{Stateless: true, SessionKey: func(r *Request) string {
		return r.Header.Get("X-User")
	}})
	must(t, s.Add(&Components{Tools: []*Tool{tool("who", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		n, _, _ := GetState[int](ctx, "n")
		if err := SetState(ctx, "n", n+1); err != nil {
			return ErrorResult(err), nil
		}
		return TextResult(fmt.Sprintf("%s:%d", SessionID(ctx), n+1)), nil
	})}}))
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	connectAs := func(user string) *mcp.ClientSession {
		hc := srv.Client()
		hc.Transport = headerTransport{user}
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(),
			&mcp.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: hc}, nil)
		must(t, err)
		t.Cleanup(func() { cs.Close() })
		return cs
	}
	ann := connectAs("ann")
	call(t, ann, "who", nil)
	if got := resultText(call(t, connectAs("ann"), "who", nil)); got != "ann:2" {
		t.Errorf("ann = %q, want state kept across stateless connections", got)
	}
	if got := resultText(call(t, connectAs(""), "who", nil)); !strings.Contains(got, "has no session") {
		t.Errorf("anonymous = %q", got)
	}
}

type headerTransport struct{ user string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if h.user != "" {
		r.Header.Set("X-User", h.user)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// A closed session's state is deleted with it, and its close hooks run.
func TestSessionCloseDeletesState(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	closed := make(chan string, 1)
	must(t, s.Add(&Components{Tools: []*Tool{tool("keep", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		if err := SetState(ctx, "k", "v"); err != nil {
			return nil, err
		}
		id := SessionID(ctx)
		if err := OnSessionClose(ctx, func() { closed <- id }); err != nil {
			return nil, err
		}
		return TextResult(id), nil
	})}}))
	ct, st := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := s.MCP().Connect(ctx, st, nil)
	must(t, err)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, ct, nil)
	must(t, err)
	id := resultText(call(t, cs, "keep", nil))
	if _, ok, _ := s.store.Get(ctx, stateKey(id, "k")); !ok {
		t.Fatal("state not stored")
	}
	cs.Close()
	ss.Close()
	select {
	case got := <-closed:
		if got != id {
			t.Errorf("hook ran for %q, want %q", got, id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("close hook did not run")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok, _ := s.store.Get(ctx, stateKey(id, "k")); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("state of a closed session kept")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
