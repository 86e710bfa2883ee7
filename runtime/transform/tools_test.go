package transform_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transform"
)

const searchSchema = `{"type":"object","properties":{"q":{"type":"string","description":"query"},"limit":{"type":"integer","default":10},"api_key":{"type":"string"},"mode":{"type":"string"},"debug":{"type":"boolean","default":false}},"required":["q","api_key"],"additionalProperties":false}`

// search is a tool whose result is the raw arguments it received.
func search() *runtime.Tool {
	return &runtime.Tool{Name: "search", Description: "Search.", Tags: []string{"a"}, InputSchema: json.RawMessage(searchSchema),
		Meta: map[string]any{"k": "v"},
		Handler: func(_ context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult(string(args)), nil
		}}
}

func TestToolTransformRenameAndReshape(t *testing.T) {
	tt, err := transform.ToolTransform(map[string]transform.ToolConfig{"search": {
		Name: "find", Title: "Find", Description: "Find things.", Tags: []string{"z", "b"},
		Annotations: &runtime.ToolAnnotations{ReadOnlyHint: true}, Meta: map[string]any{"m": 1.0},
		Arguments: map[string]transform.ArgConfig{
			"q":       {Name: "query", Description: "What to look for"},
			"limit":   {Default: 5},
			"api_key": {Hide: true, Default: "secret"},
			"mode":    {Required: true},
			"debug":   {Hide: true}, // filled from the schema's own default
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(nil)
	if err := s.Mount(&runtime.Components{Tools: []*runtime.Tool{search()}}, tt); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, s)
	if got := toolNames(t, cs); strings.Join(got, ",") != "find" {
		t.Fatalf("tools = %v", got)
	}
	// The schema is rewritten in place, its order kept (checked on the
	// transform's output: the client decodes it into a map).
	const want = `{"type":"object","properties":{"query":{"type":"string","description":"What to look for"},"limit":{"type":"integer","default":5},"mode":{"type":"string"}},"required":["query","mode"],"additionalProperties":false}`
	out, err := tt.Transform(context.Background(), &runtime.Components{Tools: []*runtime.Tool{search()}})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out.Tools[0].InputSchema); got != want {
		t.Errorf("schema\n got %s\nwant %s", got, want)
	}
	tl := listTool(t, cs, "find")
	if schema, _ := json.Marshal(tl.InputSchema); !jsonEqual(schema, []byte(want)) {
		t.Errorf("listed schema %s", schema)
	}
	// Argument bytes are passed on as they are (checked on the handler: the
	// client compacts what it sends).
	const raw = `{"mode":"m", "limit":3,"query":{"nested" : [1, 2.50]}}`
	if r, _ := out.Tools[0].Handler(context.Background(), json.RawMessage(raw)); resultText(toMCP(r)) != `{"mode":"m","limit":3,"q":{"nested" : [1, 2.50]},"api_key":"secret","debug":false}` {
		t.Errorf("handler got %s", resultText(toMCP(r)))
	}
	if tl.Title != "Find" || tl.Description != "Find things." || !tl.Annotations.ReadOnlyHint || tl.Meta["m"] != 1.0 || tl.Meta["k"] != nil {
		t.Errorf("tool = %+v", tl)
	}
	if m, _ := tl.Meta["mcpgen"].(map[string]any); m == nil || len(m["tags"].([]any)) != 2 || m["tags"].([]any)[0] != "b" {
		t.Errorf("tags = %+v", tl.Meta)
	}

	// Arguments are mapped back: keys renamed, hidden and new defaults
	// injected, everything else passed on byte for byte.
	for _, c := range []struct{ args, want string }{
		{`{"query":"x","mode":"m"}`, `{"q":"x","mode":"m","limit":5,"api_key":"secret","debug":false}`},
		{`{"mode":"m","limit":3,"query":{"nested":[1,2.5]}}`, `{"mode":"m","limit":3,"q":{"nested":[1,2.5]},"api_key":"secret","debug":false}`},
		{`{"query":"\u00e9","mode":"m","extra":true}`, `{"q":"\u00e9","mode":"m","extra":true,"limit":5,"api_key":"secret","debug":false}`},
	} {
		r := call(t, cs, "find", json.RawMessage(c.args))
		if got := resultText(r); r.IsError || got != c.want {
			t.Errorf("find %s:\n got %s\nwant %s", c.args, got, c.want)
		}
	}
	// Old names, hidden arguments and missing required ones are refused.
	for args, want := range map[string]string{
		`{"q":"x","mode":"m"}`:                   `unexpected argument "q"`,
		`{"query":"x","mode":"m","api_key":"k"}`: `unexpected argument "api_key"`,
		`{"query":"x"}`:                          `missing required argument "mode"`,
		`{"mode":"m"}`:                           `missing required argument "query"`,
		`{"query":"x","mode":"m","debug":true}`:  `unexpected argument "debug"`,
	} {
		r := call(t, cs, "find", json.RawMessage(args))
		if !r.IsError || !strings.Contains(resultText(r), want) {
			t.Errorf("find %s = %q, want an error %q", args, resultText(r), want)
		}
	}
	// The old name is gone.
	if _, err := tryCall(cs, "search", map[string]any{"q": "x"}); err == nil {
		t.Error("call search: no error")
	}
}

func TestToolTransformRenameOnlyKeepsHandler(t *testing.T) {
	tt, err := transform.ToolTransform(map[string]transform.ToolConfig{"search": {Name: "s2",
		Arguments: map[string]transform.ArgConfig{"q": {Description: "new"}}}})
	if err != nil {
		t.Fatal(err)
	}
	orig := search()
	out, err := tt.Transform(context.Background(), &runtime.Components{Tools: []*runtime.Tool{orig}})
	if err != nil {
		t.Fatal(err)
	}
	got := out.Tools[0]
	// Nothing about the call changed, so the handler is the original one.
	r, _ := got.Handler(context.Background(), json.RawMessage(`{"q":1}`))
	if got.Name != "s2" || resultText(toMCP(r)) != `{"q":1}` || !strings.Contains(string(got.InputSchema), `"q":{"type":"string","description":"new"}`) {
		t.Errorf("tool = %+v %s", got, got.InputSchema)
	}
	if strings.Contains(describe(&runtime.Components{Tools: []*runtime.Tool{orig}}), "s2") {
		t.Error("the input tool was changed")
	}
}

func toMCP(r *runtime.CallToolResult) *runtime.CallToolResult { return r }

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func TestToolTransformChainedRenames(t *testing.T) {
	// a → b while b → c: the names swap cleanly; so do arguments.
	a, b := echo("a"), echo("b")
	a.InputSchema = json.RawMessage(`{"type":"object","properties":{"x":{},"y":{}}}`)
	tt, err := transform.ToolTransform(map[string]transform.ToolConfig{
		"a": {Name: "b", Arguments: map[string]transform.ArgConfig{"x": {Name: "y"}, "y": {Name: "z"}}},
		"b": {Name: "c"},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(nil)
	if err := s.Mount(&runtime.Components{Tools: []*runtime.Tool{a, b}}, tt); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, s)
	if got := toolNames(t, cs); strings.Join(got, ",") != "b,c" {
		t.Errorf("tools = %v", got)
	}
	if got := resultText(call(t, cs, "b", json.RawMessage(`{"y":1,"z":2}`))); got != `a:{"x":1,"y":2}` {
		t.Errorf("b = %q", got)
	}
	if got := resultText(call(t, cs, "c", nil)); !strings.HasPrefix(got, "b:") {
		t.Errorf("c = %q", got)
	}
	if r := call(t, cs, "b", json.RawMessage(`{"x":1}`)); !r.IsError {
		t.Errorf("old argument name accepted: %q", resultText(r))
	}
}

func TestToolTransformErrors(t *testing.T) {
	for name, cfg := range map[string]map[string]transform.ToolConfig{
		"two tools onto one":                   {"a": {Name: "x"}, "b": {Name: "x"}},
		"a tool onto another's unchanged name": {"a": {Name: "b"}, "b": {}},
		"two arguments onto one": {"search": {Arguments: map[string]transform.ArgConfig{
			"q": {Name: "x"}, "mode": {Name: "x"}}}},
	} {
		if _, err := transform.ToolTransform(cfg); err == nil || !strings.Contains(err.Error(), "duplicate target name") {
			t.Errorf("%s: err = %v, want duplicate target name", name, err)
		}
	}
	for name, ac := range map[string]transform.ArgConfig{
		"required with default": {Required: true, Default: 1},
		"required and hidden":   {Required: true, Hide: true},
		"default not JSON":      {Default: func() {}},
	} {
		if _, err := transform.ToolTransform(map[string]transform.ToolConfig{"search": {Arguments: map[string]transform.ArgConfig{"q": ac}}}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}

	// Errors that need the tool: found when the transform runs.
	c := &runtime.Components{Tools: []*runtime.Tool{search(), echo("other")}}
	for name, cfg := range map[string]map[string]transform.ToolConfig{
		"rename onto an existing tool":             {"search": {Name: "other"}},
		"rename onto an untouched argument":        {"search": {Arguments: map[string]transform.ArgConfig{"q": {Name: "mode"}}}},
		"hidden required argument without default": {"search": {Arguments: map[string]transform.ArgConfig{"api_key": {Hide: true}}}},
		"unknown argument":                         {"search": {Arguments: map[string]transform.ArgConfig{"nope": {Description: "x"}}}},
	} {
		tt, err := transform.ToolTransform(cfg)
		if err != nil {
			t.Errorf("%s: constructor: %v", name, err)
			continue
		}
		if _, err := tt.Transform(context.Background(), c); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.HasPrefix(name, "rename") && !strings.Contains(err.Error(), "duplicate target name") {
			t.Errorf("%s: err = %v, want duplicate target name", name, err)
		}
	}

	// A config for a tool that is not there is ignored, as in FastMCP.
	tt, err := transform.ToolTransform(map[string]transform.ToolConfig{"missing": {Name: "m2"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tt.Transform(context.Background(), c)
	if err != nil || len(out.Tools) != 2 || out.Tools[0] != c.Tools[0] {
		t.Errorf("missing tool: %+v, %v", out, err)
	}
}

func TestToolTransformEnabled(t *testing.T) {
	off, on := false, true
	tt, err := transform.ToolTransform(map[string]transform.ToolConfig{"a": {Enabled: &off}, "b": {Enabled: &on}})
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(nil)
	b := echo("b")
	b.Disabled = true
	if err := s.Mount(&runtime.Components{Tools: []*runtime.Tool{echo("a"), b, echo("c")}}, tt); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, s)
	if got := toolNames(t, cs); strings.Join(got, ",") != "b,c" {
		t.Errorf("tools = %v", got)
	}
	if _, err := tryCall(cs, "a", nil); err == nil {
		t.Error("disabled tool callable")
	}
}

func TestToolTransformNoArguments(t *testing.T) {
	tt, err := transform.ToolTransform(map[string]transform.ToolConfig{"search": {Arguments: map[string]transform.ArgConfig{
		"api_key": {Hide: true, Default: "k"}, "q": {Default: "all"}}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tt.Transform(context.Background(), &runtime.Components{Tools: []*runtime.Tool{search()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range []string{"", "null", " {} "} {
		r, _ := out.Tools[0].Handler(context.Background(), json.RawMessage(args))
		if got := resultText(toMCP(r)); got != `{"q":"all","api_key":"k"}` {
			t.Errorf("args %q: handler got %s", args, got)
		}
	}
	// Not an object: passed on for the tool's decoder to refuse.
	if r, _ := out.Tools[0].Handler(context.Background(), json.RawMessage(`[1]`)); resultText(toMCP(r)) != `[1]` {
		t.Errorf("array: handler got %s", resultText(toMCP(r)))
	}
}

func TestToolTransformHideOptionalWithoutDefault(t *testing.T) {
	tt, err := transform.ToolTransform(map[string]transform.ToolConfig{"search": {Arguments: map[string]transform.ArgConfig{"mode": {Hide: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tt.Transform(context.Background(), &runtime.Components{Tools: []*runtime.Tool{search()}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out.Tools[0].InputSchema), `"mode"`) {
		t.Errorf("schema %s", out.Tools[0].InputSchema)
	}
	if r, _ := out.Tools[0].Handler(context.Background(), json.RawMessage(`{"q":"x","api_key":"k"}`)); resultText(toMCP(r)) != `{"q":"x","api_key":"k"}` {
		t.Errorf("handler got %s", resultText(toMCP(r)))
	}
	if r, _ := out.Tools[0].Handler(context.Background(), json.RawMessage(`{"q":"x","api_key":"k","mode":"m"}`)); !r.IsError {
		t.Errorf("hidden argument accepted: %s", resultText(toMCP(r)))
	}
}
