package transform_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transform"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkThreeTransforms is one tools/call over go-sdk's in-memory
// transport to a tool behind three stacked transforms, against the same
// tool untransformed. "rename" renames the tool only (the handler is the
// original: no work per call); "args" also renames one argument and hides
// another, so that every call's arguments are rewritten.
func BenchmarkThreeTransforms(b *testing.B) {
	rename, err := transform.ToolTransform(map[string]transform.ToolConfig{"search": {Name: "find"}})
	if err != nil {
		b.Fatal(err)
	}
	args, err := transform.ToolTransform(map[string]transform.ToolConfig{"search": {Name: "find",
		Arguments: map[string]transform.ArgConfig{"q": {Name: "query"}, "api_key": {Hide: true, Default: "k"}}}})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		transforms []runtime.Transform
		tool       string
		args       string
	}{
		{"none", nil, "search", `{"q":"x","mode":"m","api_key":"k"}`},
		{"rename+ns+ns", []runtime.Transform{rename, transform.Namespace("inner"), transform.Namespace("outer")}, "outer_inner_find", `{"q":"x","mode":"m","api_key":"k"}`},
		{"args+ns+ns", []runtime.Transform{args, transform.Namespace("inner"), transform.Namespace("outer")}, "outer_inner_find", `{"query":"x","mode":"m"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := newServer(nil)
			tool := search()
			tool.Handler = func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.TextResult("ok"), nil
			}
			if err := s.Mount(&runtime.Components{Tools: []*runtime.Tool{tool}}, c.transforms...); err != nil {
				b.Fatal(err)
			}
			cs := connect(b, s)
			ctx := context.Background()
			params := &mcp.CallToolParams{Name: c.tool, Arguments: json.RawMessage(c.args)}
			if r, err := cs.CallTool(ctx, params); err != nil || r.IsError {
				b.Fatalf("call: %v %v", r, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := cs.CallTool(ctx, params); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkArgumentMapping is the per-call work of a tool whose arguments
// a ToolTransform rewrites, without the transport.
func BenchmarkArgumentMapping(b *testing.B) {
	tt, err := transform.ToolTransform(map[string]transform.ToolConfig{"search": {Name: "find",
		Arguments: map[string]transform.ArgConfig{"q": {Name: "query"}, "api_key": {Hide: true, Default: "k"}, "limit": {Default: 5}}}})
	if err != nil {
		b.Fatal(err)
	}
	tool := search()
	tool.Handler = func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) { return nil, nil }
	out, err := tt.Transform(context.Background(), &runtime.Components{Tools: []*runtime.Tool{tool}})
	if err != nil {
		b.Fatal(err)
	}
	h := out.Tools[0].Handler
	args := json.RawMessage(`{"query":"weather in Paris","mode":"fast","debug":true}`)
	b.ReportAllocs()
	for b.Loop() {
		h(context.Background(), args)
	}
}
