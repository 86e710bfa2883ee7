package transform_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transform"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func resources() *runtime.Components {
	text := func(body string) runtime.ResourceHandler {
		return func(_ context.Context, uri string) (*runtime.ReadResourceResult, error) {
			return runtime.TextContents(uri, "text/plain", body), nil
		}
	}
	return &runtime.Components{
		Resources: []*runtime.Resource{
			{URI: "config://app", Name: "app_config", Description: "App config", MIMEType: "text/plain", Handler: text("my config data")},
			{URI: "data://binary", Name: "binary_data", MIMEType: "application/octet-stream",
				Handler: func(_ context.Context, uri string) (*runtime.ReadResourceResult, error) {
					return runtime.BlobContents(uri, "application/octet-stream", []byte{0, 1, 2, 3}), nil
				}},
			{URI: "multi://two", Name: "two", Handler: func(_ context.Context, uri string) (*runtime.ReadResourceResult, error) {
				return &runtime.ReadResourceResult{Contents: []*runtime.ResourceContents{
					{URI: uri, MIMEType: "text/plain", Text: "a"}, {URI: uri, Blob: []byte("b")},
				}}, nil
			}},
			{URI: "secret://s", Name: "secret", Tags: []string{"secret"}, Handler: text("hidden")},
		},
		ResourceTemplates: []*runtime.ResourceTemplate{
			{URITemplate: "user://{user_id}/profile", Name: "user_profile", Description: "A profile", MIMEType: "text/plain",
				Handler: func(_ context.Context, uri string, vars []string) (*runtime.ReadResourceResult, error) {
					return runtime.TextContents(uri, "text/plain", "Profile for user "+vars[0]), nil
				}},
		},
	}
}

// recorder is middleware recording the methods it sees.
type recorder struct {
	mu      sync.Mutex
	methods []string
}

func (r *recorder) mw(next runtime.Handler) runtime.Handler {
	return func(ctx context.Context, req *runtime.Request) (mcp.Result, error) {
		r.mu.Lock()
		r.methods = append(r.methods, req.Method+" "+req.Name)
		r.mu.Unlock()
		return next(ctx, req)
	}
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.methods
	r.methods = nil
	return m
}

func TestResourcesAsTools(t *testing.T) {
	s := newServer(&runtime.Options{PageSize: 1}) // lists are followed page by page
	rec := &recorder{}
	s.Use(rec.mw)
	if err := s.Add(resources(), &runtime.Components{Tools: []*runtime.Tool{echo("my_tool")}}); err != nil {
		t.Fatal(err)
	}
	s.AddTransform(transform.Disable(runtime.Match{Tags: []string{"secret"}}), transform.ResourcesAsTools(s))
	cs := connect(t, s)

	var names []string
	for cursor := ""; ; {
		res, err := cs.ListTools(context.Background(), &mcp.ListToolsParams{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, tl := range res.Tools {
			names = append(names, tl.Name)
		}
		if cursor = res.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(names, ",") != "list_resources,my_tool,read_resource" {
		t.Errorf("tools = %v", names)
	}
	rec.take()

	r := call(t, cs, "list_resources", map[string]any{})
	const want = `[
  {
    "uri": "config://app",
    "name": "app_config",
    "description": "App config",
    "mime_type": "text/plain"
  },
  {
    "uri": "data://binary",
    "name": "binary_data",
    "description": null,
    "mime_type": "application/octet-stream"
  },
  {
    "uri": "multi://two",
    "name": "two",
    "description": null,
    "mime_type": null
  },
  {
    "uri_template": "user://{user_id}/profile",
    "name": "user_profile",
    "description": "A profile"
  }
]`
	if got := resultText(r); r.IsError || got != want {
		t.Errorf("list_resources =\n%s\nwant\n%s", got, want)
	}
	// Through the middleware, page by page.
	if got := rec.take(); !slices.Equal(got, []string{
		"tools/call list_resources",
		"resources/list ", "resources/list ", "resources/list ",
		"resources/templates/list ",
	}) {
		t.Errorf("middleware saw %q", got)
	}

	for uri, want := range map[string]string{
		"config://app":       "my config data",
		"data://binary":      "AAECAw==",
		"user://123/profile": "Profile for user 123",
		"multi://two":        `[{"content": "a", "mime_type": "text/plain"}, {"content": "Yg==", "mime_type": null}]`,
	} {
		r := call(t, cs, "read_resource", map[string]any{"uri": uri})
		if got := resultText(r); r.IsError || got != want {
			t.Errorf("read_resource %s = %q, want %q", uri, got, want)
		}
	}
	if got := rec.take(); len(got) != 8 || !slices.Contains(got, "resources/read user://123/profile") || !slices.Contains(got, "resources/read data://binary") {
		t.Errorf("middleware saw %q", got)
	}
	// Unknown and disabled URIs are a tool error.
	for _, uri := range []string{"unknown://resource", "secret://s"} {
		r := call(t, cs, "read_resource", map[string]any{"uri": uri})
		if got := resultText(r); !r.IsError || got != "Unknown resource: '"+uri+"'" {
			t.Errorf("read_resource %s = %q (error %v)", uri, got, r.IsError)
		}
	}
	if r := call(t, cs, "read_resource", map[string]any{}); !r.IsError {
		t.Errorf("read_resource without uri = %q", resultText(r))
	}

	// The input schemas, exactly.
	out, _ := transform.ResourcesAsTools(s).Transform(context.Background(), &runtime.Components{})
	if got := string(out.Tools[1].InputSchema); got != `{"type":"object","properties":{"uri":{"type":"string","description":"The URI of the resource to read"}},"required":["uri"]}` {
		t.Errorf("read_resource schema %s", got)
	}
	if got := string(out.Tools[0].InputSchema); got != `{"type":"object","properties":{}}` {
		t.Errorf("list_resources schema %s", got)
	}
}

func TestResourcesAsToolsSessionVisibility(t *testing.T) {
	// The tools see what the calling session may see.
	s := newServer(nil)
	unlock := echo("unlock")
	unlock.Handler = func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
		return runtime.TextResult("ok"), runtime.EnableComponents(ctx, runtime.Match{Tags: []string{"secret"}})
	}
	if err := s.Add(resources(), &runtime.Components{Tools: []*runtime.Tool{unlock}}); err != nil {
		t.Fatal(err)
	}
	s.AddTransform(transform.Disable(runtime.Match{Tags: []string{"secret"}}), transform.ResourcesAsTools(s))
	a, b := connect(t, s), connect(t, s)
	call(t, a, "unlock", nil)
	if got := resultText(call(t, a, "read_resource", map[string]any{"uri": "secret://s"})); got != "hidden" {
		t.Errorf("A reads %q", got)
	}
	if !strings.Contains(resultText(call(t, a, "list_resources", nil)), "secret://s") {
		t.Error("A does not list secret://s")
	}
	if r := call(t, b, "read_resource", map[string]any{"uri": "secret://s"}); !r.IsError {
		t.Errorf("B reads %q", resultText(r))
	}
	if strings.Contains(resultText(call(t, b, "list_resources", nil)), "secret://s") {
		t.Error("B lists secret://s")
	}
}

func TestResourcesAsToolsWithNamespace(t *testing.T) {
	sub := newServer(nil)
	if err := sub.Add(resources()); err != nil {
		t.Fatal(err)
	}
	main := newServer(nil)
	if err := main.Mount(sub, transform.Namespace("sub")); err != nil {
		t.Fatal(err)
	}
	main.AddTransform(transform.ResourcesAsTools(main))
	cs := connect(t, main)
	var entries []map[string]any
	if err := json.Unmarshal([]byte(resultText(call(t, cs, "list_resources", nil))), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 5 || entries[0]["uri"] != "config://sub/app" || entries[4]["uri_template"] != "user://sub/{user_id}/profile" {
		t.Errorf("entries = %v", entries)
	}
	for _, e := range entries {
		_, u := e["uri"]
		_, ut := e["uri_template"]
		if u == ut {
			t.Errorf("entry %v: want exactly one of uri and uri_template", e)
		}
	}
	if got := resultText(call(t, cs, "read_resource", map[string]any{"uri": "user://sub/7/profile"})); got != "Profile for user 7" {
		t.Errorf("read = %q", got)
	}
}

func prompts() *runtime.Components {
	return &runtime.Components{Prompts: []*runtime.Prompt{
		{Name: "analyze_code", Description: "Analyze code for issues.",
			Arguments: []runtime.PromptArgument{{Name: "code", Description: "The code", Required: true}, {Name: "language"}},
			Handler: func(_ context.Context, args map[string]string) (*runtime.GetPromptResult, error) {
				lang := args["language"]
				if lang == "" {
					lang = "python"
				}
				return runtime.PromptText("", "Analyze this "+lang+" code:\n"+args["code"]), nil
			}},
		{Name: "mixed", Handler: func(_ context.Context, args map[string]string) (*runtime.GetPromptResult, error) {
			return runtime.PromptMessages("", []*runtime.PromptMessage{
				{Role: "user", Content: &runtime.TextContent{Text: "n=" + args["n"]}},
				{Role: "assistant", Content: &runtime.ImageContent{Data: []byte{1}, MIMEType: "image/png"}},
			}), nil
		}},
	}}
}

func TestPromptsAsTools(t *testing.T) {
	s := newServer(&runtime.Options{PageSize: 1})
	rec := &recorder{}
	s.Use(rec.mw)
	if err := s.Add(prompts()); err != nil {
		t.Fatal(err)
	}
	s.AddTransform(transform.PromptsAsTools(s))
	cs := connect(t, s)

	r := call(t, cs, "list_prompts", nil)
	const want = `[
  {
    "name": "analyze_code",
    "description": "Analyze code for issues.",
    "arguments": [
      {
        "name": "code",
        "description": "The code",
        "required": true
      },
      {
        "name": "language",
        "description": null,
        "required": false
      }
    ]
  },
  {
    "name": "mixed",
    "description": null,
    "arguments": []
  }
]`
	if got := resultText(r); r.IsError || got != want {
		t.Errorf("list_prompts =\n%s\nwant\n%s", got, want)
	}
	if got := rec.take(); !slices.Equal(got, []string{"tools/call list_prompts", "prompts/list ", "prompts/list "}) {
		t.Errorf("middleware saw %q", got)
	}

	r = call(t, cs, "get_prompt", map[string]any{"name": "analyze_code", "arguments": map[string]any{"code": "x = 1", "language": "go"}})
	if got := resultText(r); r.IsError || got != "{\n  \"messages\": [\n    {\n      \"role\": \"user\",\n      \"content\": \"Analyze this go code:\\nx = 1\"\n    }\n  ]\n}" {
		t.Errorf("get_prompt = %s", got)
	}
	if got := rec.take(); !slices.Equal(got, []string{"tools/call get_prompt", "prompts/get analyze_code"}) {
		t.Errorf("middleware saw %q", got)
	}
	// Non-string arguments are passed as JSON text; non-text content as
	// the content object.
	r = call(t, cs, "get_prompt", map[string]any{"name": "mixed", "arguments": map[string]any{"n": 5}})
	var out struct {
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(resultText(r)), &out); err != nil || len(out.Messages) != 2 ||
		string(out.Messages[0].Content) != `"n=5"` || out.Messages[1].Role != "assistant" ||
		!jsonEqual(out.Messages[1].Content, []byte(`{"type":"image","mimeType":"image/png","data":"AQ=="}`)) {
		t.Errorf("get_prompt mixed = %s (%v)", resultText(r), err)
	}
	r = call(t, cs, "get_prompt", map[string]any{"name": "unknown_prompt"})
	if got := resultText(r); !r.IsError || got != "Unknown prompt: 'unknown_prompt'" {
		t.Errorf("unknown prompt = %q", got)
	}
	// A prompt with no arguments and a null "arguments".
	r = call(t, cs, "get_prompt", map[string]any{"name": "mixed", "arguments": nil})
	if r.IsError || !strings.Contains(resultText(r), `"n="`) {
		t.Errorf("get_prompt null arguments = %s", resultText(r))
	}

	// Namespaced prompts are listed and got by their namespaced names.
	main := newServer(nil)
	if err := main.Mount(s, transform.Namespace("sub")); err != nil {
		t.Fatal(err)
	}
	main.AddTransform(transform.PromptsAsTools(main))
	cs = connect(t, main)
	var entries []map[string]any
	if err := json.Unmarshal([]byte(resultText(call(t, cs, "list_prompts", nil))), &entries); err != nil || len(entries) != 2 || entries[0]["name"] != "sub_analyze_code" {
		t.Errorf("namespaced list_prompts = %v, %v", entries, err)
	}
	if r := call(t, cs, "get_prompt", map[string]any{"name": "sub_analyze_code", "arguments": map[string]any{"code": "y"}}); r.IsError || !strings.Contains(resultText(r), "python code:\\ny") {
		t.Errorf("namespaced get_prompt = %s", resultText(r))
	}
}
