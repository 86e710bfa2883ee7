package transform_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func newServer(opts *runtime.Options) *runtime.Server {
	if opts == nil {
		opts = &runtime.Options{}
	}
	opts.Logger = slog.New(slog.DiscardHandler)
	return runtime.NewServer(&runtime.Implementation{Name: "t", Version: "1"}, opts)
}

// connect serves s over in-memory transports and returns a client session
// (as runtime/server_test.go does).
func connect(tb testing.TB, s *runtime.Server) *mcp.ClientSession {
	tb.Helper()
	ct, st := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	ss, err := s.MCP().Connect(ctx, st, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cs.Close() })
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

// call calls a tool and fails the test on a protocol error.
func call(t *testing.T, cs *mcp.ClientSession, name string, args any) *mcp.CallToolResult {
	t.Helper()
	r, err := tryCall(cs, name, args)
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return r
}

func tryCall(cs *mcp.ClientSession, name string, args any) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
}

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	sort.Strings(names)
	return names
}

func listTool(t *testing.T, cs *mcp.ClientSession, name string) *mcp.Tool {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range res.Tools {
		if tl.Name == name {
			return tl
		}
	}
	t.Fatalf("tool %q not listed", name)
	return nil
}

const objSchema = `{"type":"object","properties":{}}`

// echo is a tool whose result is the raw arguments it received.
func echo(name string, tags ...string) *runtime.Tool {
	return &runtime.Tool{Name: name, Tags: tags, InputSchema: json.RawMessage(objSchema),
		Handler: func(_ context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult(name + ":" + string(args)), nil
		}}
}

func versioned(name, version string) *runtime.Tool {
	t := echo(name)
	t.Version = version
	t.Handler = func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
		return runtime.TextResult(name + "@" + version), nil
	}
	return t
}

// describe prints every component of c, handlers by address, so that a
// test can tell whether a transform changed its input.
func describe(c *runtime.Components) string {
	var b strings.Builder
	for _, t := range c.Tools {
		fmt.Fprintf(&b, "%p %+v %s\n", t, *t, t.InputSchema)
	}
	for _, r := range c.Resources {
		fmt.Fprintf(&b, "%p %+v\n", r, *r)
	}
	for _, tm := range c.ResourceTemplates {
		fmt.Fprintf(&b, "%p %+v\n", tm, *tm)
	}
	for _, p := range c.Prompts {
		fmt.Fprintf(&b, "%p %+v\n", p, *p)
	}
	for _, cp := range c.Completions {
		fmt.Fprintf(&b, "%p %+v\n", cp, *cp)
	}
	return b.String()
}
