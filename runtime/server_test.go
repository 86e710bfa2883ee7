package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const objSchema = `{"type":"object","properties":{"n":{"type":"integer"}}}`

func tool(name, version string, h ToolHandler) *Tool {
	return &Tool{Name: name, Version: version, Description: "test tool " + name, InputSchema: json.RawMessage(objSchema), Handler: h}
}

func text(s string) ToolHandler {
	return func(context.Context, json.RawMessage) (*CallToolResult, error) { return TextResult(s), nil }
}

// connect serves s over in-memory transports and returns a client session.
func connect(t *testing.T, s *Server, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	ct, st := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ss, err := s.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, opts).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func resultText(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func call(t *testing.T, cs *mcp.ClientSession, name string, args any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return r
}

func TestServerToolsVersionsAndFailures(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{Logger: slog.New(slog.DiscardHandler)})
	err := s.Add(&Components{Tools: []*Tool{
		tool("greet", "1.9", text("v1.9")),
		tool("greet", "1.10", text("v1.10")),
		tool("boom", "", func(context.Context, json.RawMessage) (*CallToolResult, error) { panic("kaboom") }),
		{Name: "slow", Description: "slow", InputSchema: json.RawMessage(objSchema), Timeout: 50 * time.Millisecond,
			Handler: func(context.Context, json.RawMessage) (*CallToolResult, error) {
				time.Sleep(2 * time.Second)
				return TextResult("late"), nil
			}},
		tool("echo", "", func(_ context.Context, args json.RawMessage) (*CallToolResult, error) {
			return StructuredResult(args), nil
		}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	// A second provider with the same name and version is shadowed: the
	// first added wins.
	if err := s.Add(&Components{Tools: []*Tool{tool("greet", "1.9", text("dup"))}}); err != nil {
		t.Errorf("shadowed duplicate: err = %v", err)
	}
	// One provider listing a name and version twice is an error.
	if err := s.Add(&Components{Tools: []*Tool{tool("twice", "", text("a")), tool("twice", "", text("b"))}}); err == nil || !strings.Contains(err.Error(), `tool:twice@ is listed twice`) {
		t.Errorf("duplicate within a provider: err = %v", err)
	}
	var order []string
	s.Use(func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (mcp.Result, error) {
			if r.Method == MethodCallTool {
				order = append(order, "outer:"+r.Name)
			}
			return next(ctx, r)
		}
	}, func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (mcp.Result, error) {
			if r.Method == MethodCallTool {
				order = append(order, "inner:"+r.Tool.Version)
			}
			return next(ctx, r)
		}
	})
	cs := connect(t, s, nil)

	if got := resultText(call(t, cs, "greet", nil)); got != "v1.10" {
		t.Errorf("greet = %q, want the highest version v1.10", got)
	}
	if strings.Join(order, ",") != "outer:greet,inner:1.10" {
		t.Errorf("middleware order = %v", order)
	}
	if r := call(t, cs, "boom", nil); !r.IsError || resultText(r) != `tool "boom" panicked: kaboom` {
		t.Errorf("boom = %v %q", r.IsError, resultText(r))
	}
	start := time.Now()
	if r := call(t, cs, "slow", nil); !r.IsError || resultText(r) != `tool "slow" timed out after 50ms` {
		t.Errorf("slow = %v %q", r.IsError, resultText(r))
	}
	if time.Since(start) > time.Second {
		t.Errorf("timeout waited for the handler: %v", time.Since(start))
	}
	if r := call(t, cs, "echo", map[string]int{"n": 3}); r.IsError || resultText(r) != `{"n":3}` {
		t.Errorf("echo = %q", resultText(r))
	}
	_, err = cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "missing"})
	var rpc *jsonrpc.Error
	if !errors.As(err, &rpc) || rpc.Code != jsonrpc.CodeInvalidParams {
		t.Errorf("missing tool: %v", err)
	}

	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
		if tl.Name == "greet" {
			if m, _ := tl.Meta["mcpgen"].(map[string]any); m["version"] != "1.10" {
				t.Errorf("greet meta = %v", tl.Meta)
			}
		}
	}
	if strings.Join(names, ",") != "boom,echo,greet,slow" {
		t.Errorf("tools/list = %v", names)
	}
}

func TestServerPagination(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{PageSize: 2})
	var c Components
	for i := range 5 {
		c.Tools = append(c.Tools, tool(fmt.Sprintf("t%d", i), "", text("x")))
	}
	if err := s.Add(&c); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, s, nil)
	var pages, total int
	cursor := ""
	for {
		res, err := cs.ListTools(context.Background(), &mcp.ListToolsParams{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		total += len(res.Tools)
		if res.NextCursor == "" {
			break
		}
		cursor = res.NextCursor
	}
	if pages != 3 || total != 5 {
		t.Errorf("pages=%d total=%d, want 3 and 5", pages, total)
	}
}

func TestServerResourcesAndPrompts(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	err := s.Add(&Components{
		Resources: []*Resource{{URI: "docs://index", Name: "index", MIMEType: "text/plain",
			Handler: func(_ context.Context, uri string) (*ReadResourceResult, error) {
				return TextContents(uri, "text/plain", "index"), nil
			}}},
		ResourceTemplates: []*ResourceTemplate{
			{URITemplate: "docs://{section}/{page}", Name: "page", Handler: func(_ context.Context, uri string, vars []string) (*ReadResourceResult, error) {
				if vars[1] == "missing" {
					return nil, fmt.Errorf("page %s: %w", vars[1], ErrResourceNotFound)
				}
				return TextContents(uri, "text/plain", strings.Join(vars, "|")), nil
			}},
			{URITemplate: "docs://api/{page}", Name: "api", Handler: func(_ context.Context, uri string, vars []string) (*ReadResourceResult, error) {
				return TextContents(uri, "text/plain", "api:"+vars[0]), nil
			}},
		},
		Prompts: []*Prompt{{Name: "ask", Description: "ask", Arguments: []PromptArgument{{Name: "q", Required: true}},
			Handler: func(_ context.Context, args map[string]string) (*GetPromptResult, error) {
				if args["q"] == "" {
					return nil, InvalidParams("missing required argument %q", "q")
				}
				return PromptText("", "Q: "+args["q"]), nil
			}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cs := connect(t, s, nil)
	ctx := context.Background()
	for uri, want := range map[string]string{"docs://index": "index", "docs://guide/intro": "guide|intro", "docs://api/users": "api:users"} {
		r, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		if err != nil || r.Contents[0].Text != want {
			t.Errorf("read %s = %+v, %v; want %q", uri, r, err, want)
		}
	}
	var rpc *jsonrpc.Error
	for _, uri := range []string{"docs://guide/missing", "other://x"} {
		if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri}); !errors.As(err, &rpc) || rpc.Code != mcp.CodeResourceNotFound || !strings.Contains(string(rpc.Data), uri) {
			t.Errorf("read %s: err = %v, want resource not found", uri, err)
		}
	}
	if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "ask"}); !errors.As(err, &rpc) || rpc.Code != jsonrpc.CodeInvalidParams {
		t.Errorf("prompt without q: %v", err)
	}
	p, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "ask", Arguments: map[string]string{"q": "why"}})
	if err != nil || p.Messages[0].Content.(*mcp.TextContent).Text != "Q: why" {
		t.Errorf("prompt = %+v, %v", p, err)
	}
}

func TestProgressAndLog(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	s.Add(&Components{Tools: []*Tool{tool("work", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		for i := range 3 {
			if err := Progress(ctx, float64(i+1), 3, "step"); err != nil {
				return nil, err
			}
		}
		if err := Log(ctx, slog.LevelInfo, "done", map[string]int{"steps": 3}); err != nil {
			return nil, err
		}
		return TextResult("ok"), nil
	})}})
	progress := make(chan float64, 10)
	logs := make(chan string, 10)
	cs := connect(t, s, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) { progress <- r.Params.Progress },
		LoggingMessageHandler: func(_ context.Context, r *mcp.LoggingMessageRequest) {
			b, _ := json.Marshal(r.Params.Data)
			logs <- string(r.Params.Level) + " " + string(b)
		},
	})
	if err := cs.SetLoggingLevel(context.Background(), &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
		t.Fatal(err)
	}
	// Protocol 2026-07-28 carries the log level in each request's _meta;
	// setLevel above is how older clients ask for it.
	params := &mcp.CallToolParams{Name: "work", Meta: mcp.Meta{mcp.MetaKeyLogLevel: "info"}}
	params.SetProgressToken("tok")
	if _, err := cs.CallTool(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	for want := 1.0; want <= 3; want++ {
		select {
		case got := <-progress:
			if got != want {
				t.Errorf("progress = %v, want %v", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("progress notification missing")
		}
	}
	select {
	case got := <-logs:
		if got != `info {"data":{"steps":3},"message":"done"}` {
			t.Errorf("log = %s", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("log notification missing")
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"1.9", "1.10", -1}, {"2", "10", -1}, {"v2.0", "1.5", 1}, {"", "0.1", -1}, {"2024-01-01", "2025-01-01", -1}, {"1.0", "2024-01-01", -1}, {"1.0", "1.0", 0}} {
		if got := CompareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestDeclareExtension checks that an extension declared after NewServer
// reaches the capabilities clients see, beside those of Options, and that
// the caller's Options map is left alone.
func TestDeclareExtension(t *testing.T) {
	given := map[string]any{"example.com/a": map[string]any{}}
	s := NewServer(&Implementation{Name: "ext", Version: "1"}, &Options{Extensions: given})
	s.DeclareExtension("example.com/b", map[string]any{"flag": true})
	if len(given) != 1 {
		t.Fatalf("Options.Extensions was changed: %v", given)
	}
	cs := connect(t, s, nil)
	ext := cs.InitializeResult().Capabilities.Extensions
	if _, ok := ext["example.com/a"]; !ok {
		t.Errorf("extensions %v lack the one from Options", ext)
	}
	b, _ := ext["example.com/b"].(map[string]any)
	if b["flag"] != true {
		t.Errorf("extensions %v lack the declared one with its settings", ext)
	}
}
