package transform_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transform"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// catalogue is a small set of every kind of component; the handlers
// report what they were given.
func catalogue() *runtime.Components {
	return &runtime.Components{
		Tools: []*runtime.Tool{echo("add")},
		Resources: []*runtime.Resource{{URI: "config://app", Name: "app", MIMEType: "text/plain",
			Handler: func(_ context.Context, uri string) (*runtime.ReadResourceResult, error) {
				return runtime.TextContents(uri, "text/plain", "read "+uri), nil
			}}},
		ResourceTemplates: []*runtime.ResourceTemplate{{URITemplate: "user://{id}/profile", Name: "profile",
			Handler: func(_ context.Context, uri string, vars []string) (*runtime.ReadResourceResult, error) {
				return runtime.TextContents(uri, "text/plain", "read "+uri+" id="+strings.Join(vars, ",")), nil
			}}},
		Prompts: []*runtime.Prompt{{Name: "greet", Arguments: []runtime.PromptArgument{{Name: "who"}},
			Handler: func(_ context.Context, args map[string]string) (*runtime.GetPromptResult, error) {
				return runtime.PromptText("", "hello "+args["who"]), nil
			}}},
		Completions: []*runtime.Completion{
			{Prompt: "greet", Argument: "who", Handler: func(context.Context, string, map[string]string) ([]string, error) {
				return []string{"world"}, nil
			}},
			{ResourceTemplate: "user://{id}/profile", Argument: "id", Handler: func(context.Context, string, map[string]string) ([]string, error) {
				return []string{"42"}, nil
			}},
		},
	}
}

func readText(t *testing.T, cs *mcp.ClientSession, uri string) (string, string) {
	t.Helper()
	r, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		t.Fatalf("read %s: %v", uri, err)
	}
	return r.Contents[0].URI, r.Contents[0].Text
}

func wantNotFound(t *testing.T, cs *mcp.ClientSession, uri string) {
	t.Helper()
	var rpc *jsonrpc.Error
	if _, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: uri}); !errors.As(err, &rpc) || rpc.Code != mcp.CodeResourceNotFound {
		t.Errorf("read %s: err = %v, want resource not found", uri, err)
	}
}

func TestNamespaceBothWays(t *testing.T) {
	s := newServer(nil)
	if err := s.Mount(catalogue(), transform.Namespace("api")); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, s)
	ctx := context.Background()

	// Lists show the namespaced names.
	if got := toolNames(t, cs); strings.Join(got, ",") != "api_add" {
		t.Errorf("tools = %v", got)
	}
	rl, err := cs.ListResources(ctx, nil)
	if err != nil || len(rl.Resources) != 1 || rl.Resources[0].URI != "config://api/app" {
		t.Errorf("resources = %+v, %v", rl, err)
	}
	tl, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(tl.ResourceTemplates) != 1 || tl.ResourceTemplates[0].URITemplate != "user://api/{id}/profile" {
		t.Errorf("templates = %+v, %v", tl, err)
	}
	pl, err := cs.ListPrompts(ctx, nil)
	if err != nil || len(pl.Prompts) != 1 || pl.Prompts[0].Name != "api_greet" {
		t.Errorf("prompts = %+v, %v", pl, err)
	}

	// Calls through the namespaced names reach the original handlers with
	// the original URI and arguments.
	if got := resultText(call(t, cs, "api_add", map[string]any{"n": 1})); got != `add:{"n":1}` {
		t.Errorf("api_add = %q", got)
	}
	if uri, text := readText(t, cs, "config://api/app"); uri != "config://api/app" || text != "read config://app" {
		t.Errorf("read config://api/app = %q %q", uri, text)
	}
	if uri, text := readText(t, cs, "user://api/42/profile"); uri != "user://api/42/profile" || text != "read user://42/profile id=42" {
		t.Errorf("read user://api/42/profile = %q %q", uri, text)
	}
	p, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "api_greet", Arguments: map[string]string{"who": "you"}})
	if err != nil || p.Messages[0].Content.(*mcp.TextContent).Text != "hello you" {
		t.Errorf("api_greet = %+v, %v", p, err)
	}
	for _, ref := range []*mcp.CompleteReference{
		{Type: "ref/prompt", Name: "api_greet"},
		{Type: "ref/resource", URI: "user://api/{id}/profile"},
	} {
		arg := "who"
		if ref.URI != "" {
			arg = "id"
		}
		res, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: ref, Argument: mcp.CompleteParamsArgument{Name: arg}})
		if err != nil || len(res.Completion.Values) != 1 {
			t.Errorf("complete %+v = %+v, %v", ref, res, err)
		}
	}

	// The wrong prefix, or none, finds nothing.
	for _, name := range []string{"add", "other_add", "apiadd"} {
		if _, err := tryCall(cs, name, nil); err == nil {
			t.Errorf("call %s: no error", name)
		}
	}
	for _, uri := range []string{"config://app", "config://other/app", "user://42/profile", "user://other/42/profile"} {
		wantNotFound(t, cs, uri)
	}
	for _, name := range []string{"greet", "other_greet"} {
		if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: name}); err == nil {
			t.Errorf("get %s: no error", name)
		}
	}
	if _, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "greet"}, Argument: mcp.CompleteParamsArgument{Name: "who"}}); err == nil {
		t.Error("complete of the un-namespaced prompt: no error")
	}
}

func TestNamespaceStacks(t *testing.T) {
	// Two namespaces on one provider, and a namespaced child server inside
	// a namespaced parent: both give outer_inner_name.
	direct := newServer(nil)
	if err := direct.Mount(catalogue(), transform.Namespace("inner"), transform.Namespace("outer")); err != nil {
		t.Fatal(err)
	}
	child := newServer(nil)
	if err := child.Add(catalogue()); err != nil {
		t.Fatal(err)
	}
	parent := newServer(nil)
	if err := parent.Mount(child, transform.Namespace("inner")); err != nil {
		t.Fatal(err)
	}
	parent.AddTransform(transform.Namespace("outer"))

	for name, s := range map[string]*runtime.Server{"direct": direct, "mounted": parent} {
		t.Run(name, func(t *testing.T) {
			cs := connect(t, s)
			if got := toolNames(t, cs); strings.Join(got, ",") != "outer_inner_add" {
				t.Errorf("tools = %v", got)
			}
			if got := resultText(call(t, cs, "outer_inner_add", map[string]any{})); got != "add:{}" {
				t.Errorf("outer_inner_add = %q", got)
			}
			if _, text := readText(t, cs, "config://outer/inner/app"); text != "read config://app" {
				t.Errorf("read = %q", text)
			}
			if _, text := readText(t, cs, "user://outer/inner/7/profile"); text != "read user://7/profile id=7" {
				t.Errorf("read template = %q", text)
			}
			for _, uri := range []string{"config://inner/outer/app", "config://inner/app", "config://outer/app"} {
				wantNotFound(t, cs, uri)
			}
			for _, n := range []string{"inner_outer_add", "inner_add", "outer_add"} {
				if _, err := tryCall(cs, n, nil); err == nil {
					t.Errorf("call %s: no error", n)
				}
			}
			p, err := cs.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: "outer_inner_greet"})
			if err != nil || p.Messages[0].Content.(*mcp.TextContent).Text != "hello " {
				t.Errorf("prompt = %+v, %v", p, err)
			}
		})
	}
}

func TestNamespaceRefusesURIWithoutScheme(t *testing.T) {
	c := &runtime.Components{Resources: []*runtime.Resource{{URI: "urn:isbn:123", Name: "book",
		Handler: func(context.Context, string) (*runtime.ReadResourceResult, error) { return nil, nil }}}}
	if _, err := transform.Namespace("api").Transform(context.Background(), c); err == nil || !strings.Contains(err.Error(), "urn:isbn:123") {
		t.Errorf("Transform: err = %v, want an error naming the URI", err)
	}
	if err := newServer(nil).Mount(c, transform.Namespace("api")); err == nil {
		t.Error("Mount: no error")
	}
	if _, err := transform.Namespace("a/b").Transform(context.Background(), catalogue()); err == nil {
		t.Error("namespace with '/': no error")
	}
	out, err := transform.Namespace("").Transform(context.Background(), c)
	if err != nil || out.Resources[0].URI != "urn:isbn:123" {
		t.Errorf("empty namespace: %+v, %v", out, err)
	}
}
