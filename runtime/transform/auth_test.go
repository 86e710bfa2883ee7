package transform_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transform"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Transforms and mounts keep a component's authorization checks: a
// renamed tool, a namespaced one, a tool of a mounted server and a
// resource reached through ResourcesAsTools stay protected.
func TestTransformsKeepAuthorization(t *testing.T) {
	admins := map[string]*runtime.Principal{
		"alice": {Subject: "alice", Scopes: []string{"admin"}},
		"bob":   {Subject: "bob"},
	}
	guarded := func(name string) *runtime.Tool {
		return &runtime.Tool{Name: name, Description: name, InputSchema: json.RawMessage(`{"type":"object"}`),
			Auth: []runtime.AuthCheck{runtime.RequireScopes("admin")},
			Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.TextResult(name + " ran"), nil
			}}
	}
	child := newServer(nil)
	if err := child.Add(&runtime.Components{Tools: []*runtime.Tool{guarded("secret")}}); err != nil {
		t.Fatal(err)
	}
	parent := newServer(&runtime.Options{Authenticate: func(r *runtime.Request) *runtime.Principal {
		if r.ClientInfo == nil {
			return nil
		}
		return admins[r.ClientInfo.Name]
	}})
	rename, err := transform.ToolTransform(map[string]transform.ToolConfig{"wipe": {Name: "renamed_wipe"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Mount(child, transform.Namespace("ns")); err != nil {
		t.Fatal(err)
	}
	if err := parent.Mount(&runtime.Components{
		Tools: []*runtime.Tool{guarded("wipe")},
		Resources: []*runtime.Resource{{URI: "vault://key", Name: "key", Auth: []runtime.AuthCheck{runtime.RequireScopes("admin")},
			Handler: func(_ context.Context, uri string) (*runtime.ReadResourceResult, error) {
				return &runtime.ReadResourceResult{Contents: []*runtime.ResourceContents{{URI: uri, Text: "the key"}}}, nil
			}}},
	}, rename); err != nil {
		t.Fatal(err)
	}
	parent.AddTransform(transform.ResourcesAsTools(parent))

	as := func(user string) *mcp.ClientSession {
		ct, st := mcp.NewInMemoryTransports()
		ss, err := parent.MCP().Connect(context.Background(), st, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ss.Close() })
		cs, err := mcp.NewClient(&mcp.Implementation{Name: user, Version: "1"}, nil).Connect(context.Background(), ct, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cs.Close() })
		return cs
	}
	alice, bob := as("alice"), as("bob")
	names := func(cs *mcp.ClientSession) []string {
		res, err := cs.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tl := range res.Tools {
			out = append(out, tl.Name)
		}
		slices.Sort(out)
		return out
	}
	if got := names(alice); !slices.Equal(got, []string{"list_resources", "ns_secret", "read_resource", "renamed_wipe"}) {
		t.Errorf("alice lists %q", got)
	}
	if got := names(bob); !slices.Equal(got, []string{"list_resources", "read_resource"}) {
		t.Errorf("bob lists %q", got)
	}
	for _, name := range []string{"ns_secret", "renamed_wipe"} {
		if r := call(t, alice, name, map[string]any{}); r.IsError {
			t.Errorf("alice %s: %s", name, resultText(r))
		}
		if _, err := tryCall(bob, name, map[string]any{}); err == nil || !strings.Contains(err.Error(), "unknown tool") {
			t.Errorf("bob calls %s: %v", name, err)
		}
	}
	// The old names are gone for everyone.
	for _, name := range []string{"secret", "wipe"} {
		if _, err := tryCall(alice, name, map[string]any{}); err == nil {
			t.Errorf("alice calls the old name %s", name)
		}
	}
	// ResourcesAsTools reads in the caller's view.
	if r := call(t, alice, "read_resource", map[string]any{"uri": "vault://key"}); r.IsError || !strings.Contains(resultText(r), "the key") {
		t.Errorf("alice read_resource: %s", resultText(r))
	}
	if r, err := tryCall(bob, "read_resource", map[string]any{"uri": "vault://key"}); err == nil && (!r.IsError || strings.Contains(resultText(r), "the key")) {
		t.Errorf("bob read_resource: %s", resultText(r))
	}
	if r := call(t, bob, "list_resources", map[string]any{}); strings.Contains(resultText(r), "vault://key") {
		t.Errorf("bob list_resources: %s", resultText(r))
	}
}
