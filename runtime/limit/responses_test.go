package limit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/limit"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func textTool(name string, size int) *runtime.Tool {
	return &runtime.Tool{Name: name, Description: "returns " + name, InputSchema: json.RawMessage(`{"type":"object"}`),
		Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			res := runtime.StructuredResult([]byte(`{"s":"` + strings.Repeat("é", size) + `"}`))
			return res, nil
		}}
}

// connect serves s over in-memory transports.
func connect(t *testing.T, s *runtime.Server) *mcp.ClientSession {
	t.Helper()
	ct, st := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := s.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	return connectClient(t, ct)
}

func connectClient(t *testing.T, tr mcp.Transport) *mcp.ClientSession {
	t.Helper()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(context.Background(), tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func callTool(t *testing.T, cs *mcp.ClientSession, name string) (*mcp.CallToolResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cs.CallTool(ctx, &mcp.CallToolParams{Name: name})
}

// size is the encoded size of a result as the limit counts it: without
// the protocol's own additions (2026-07-28's server info and resultType).
func size(r *mcp.CallToolResult) int {
	js, _ := json.Marshal(&mcp.CallToolResult{Content: r.Content, StructuredContent: r.StructuredContent, IsError: r.IsError})
	return len(js)
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

func TestResponsesRefusesANonPositiveLimit(t *testing.T) {
	for _, max := range []int{0, -1} {
		if mw, err := limit.Responses(max, nil); err == nil || mw != nil || !strings.Contains(err.Error(), "positive") {
			t.Errorf("Responses(%d) = %v, %v; want an error", max, mw != nil, err)
		}
	}
}

// Only the listed tools are limited, lists are not, the suffix is the one
// configured, and the smaller of the middleware's and a tool's own limit
// wins; on go-sdk's path and on the stateless fast path alike.
func TestResponses(t *testing.T) {
	mw, err := limit.Responses(500, &limit.ResponseOptions{Suffix: " [cut]", Tools: []string{"big", "own_larger", "own_smaller"}})
	if err != nil {
		t.Fatal(err)
	}
	ownLarger, ownSmaller := textTool("own_larger", 3000), textTool("own_smaller", 3000)
	ownLarger.MaxResultBytes, ownSmaller.MaxResultBytes = 2000, 300
	tools := []*runtime.Tool{textTool("big", 3000), textTool("other", 3000), ownLarger, ownSmaller}
	for i := range 40 {
		tools = append(tools, textTool(fmt.Sprintf("filler_%02d", i), 1)) // tools/list is well over 500 bytes
	}
	newServer := func(opts *runtime.Options) *runtime.Server {
		s := runtime.NewServer(&runtime.Implementation{Name: "limited", Version: "1"}, opts)
		s.Use(mw)
		if err := s.Add(&runtime.Components{Tools: tools}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	stateless := newServer(&runtime.Options{Stateless: true, JSONResponse: true})
	srv := httptest.NewServer(stateless.Handler())
	defer srv.Close()
	for name, cs := range map[string]*mcp.ClientSession{
		"in-memory": connect(t, newServer(nil)),
		"stateless": connectClient(t, &mcp.StreamableClientTransport{Endpoint: srv.URL, DisableStandaloneSSE: true}),
	} {
		for _, c := range []struct {
			tool   string
			max    int // 0: not limited
			suffix string
		}{{"big", 500, " [cut]"}, {"other", 0, ""}, {"own_larger", 500, " [cut]"}, {"own_smaller", 300, runtime.DefaultTruncationSuffix}} {
			r, err := callTool(t, cs, c.tool)
			if err != nil {
				t.Fatalf("%s %s: %v", name, c.tool, err)
			}
			n := size(r)
			switch {
			case c.max == 0 && (n < 3000 || r.StructuredContent == nil):
				t.Errorf("%s %s: not limited, yet %d bytes", name, c.tool, n)
			case c.max > 0 && (n > c.max || n < c.max-8 || r.StructuredContent != nil || len(r.Content) != 1 || !strings.HasSuffix(text(r), c.suffix)):
				t.Errorf("%s %s: %d bytes (limit %d), structured %v, text ending %q", name, c.tool, n, c.max, r.StructuredContent != nil, text(r)[max(0, len(text(r))-20):])
			}
		}
		lr, err := cs.ListTools(context.Background(), nil)
		if err != nil || len(lr.Tools) != len(tools) {
			t.Errorf("%s: tools/list: %d tools, %v", name, len(lr.Tools), err)
		}
	}
}
