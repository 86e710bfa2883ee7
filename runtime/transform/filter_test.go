package transform_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transform"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestTagFilter(t *testing.T) {
	tools := func() *runtime.Components {
		c := catalogue()
		c.Tools = []*runtime.Tool{echo("pub", "public"), echo("both", "public", "admin"), echo("adm", "admin"), echo("none")}
		c.Prompts[0].Tags = []string{"admin"}
		return c
	}
	for _, c := range []struct {
		include, exclude []string
		want             string
	}{
		{nil, nil, "adm,both,none,pub"},
		{[]string{"public"}, nil, "both,pub"},
		{nil, []string{"admin"}, "none,pub"},
		{[]string{"public"}, []string{"admin"}, "pub"}, // exclude wins
		{[]string{"admin", "public"}, nil, "adm,both,pub"},
		{[]string{"nothing"}, nil, ""},
	} {
		s := newServer(nil)
		if err := s.Mount(tools(), transform.Tags(c.include, c.exclude)); err != nil {
			t.Fatal(err)
		}
		cs := connect(t, s)
		if got := strings.Join(toolNames(t, cs), ","); got != c.want {
			t.Errorf("Tags(%v, %v): tools = %q, want %q", c.include, c.exclude, got, c.want)
		}
		for _, n := range strings.Split("adm,both,none,pub", ",") {
			_, err := tryCall(cs, n, nil)
			if listed := strings.Contains(","+c.want+",", ","+n+","); listed != (err == nil) {
				t.Errorf("Tags(%v, %v): call %s: err = %v", c.include, c.exclude, n, err)
			}
		}
	}
	// Dropped prompts take their completions with them.
	out, err := transform.Tags(nil, []string{"admin"}).Transform(context.Background(), tools())
	if err != nil || len(out.Prompts) != 0 || len(out.Completions) != 1 || out.Completions[0].ResourceTemplate == "" {
		t.Errorf("completions = %+v, %v", out.Completions, err)
	}
}

func TestVersionFilter(t *testing.T) {
	if _, err := transform.Versions("", ""); err == nil {
		t.Error("Versions with no bound: no error")
	}
	if _, err := (transform.VersionFilter{}).Transform(context.Background(), catalogue()); err == nil {
		t.Error("zero VersionFilter: no error")
	}
	comps := func() *runtime.Components {
		return &runtime.Components{Tools: []*runtime.Tool{
			versioned("t", "1.0"), versioned("t", "2.0"), versioned("t", "2.10"), versioned("t", "3.0"),
			versioned("u", ""), versioned("old", "0.9"),
		}}
	}
	for _, c := range []struct {
		gte, lt string
		want    string // tool@highest visible version
	}{
		{"2.0", "3.0", "t@2.10 u@"},
		{"", "2.0", "old@0.9 t@1.0 u@"},
		{"3.0", "", "t@3.0 u@"},
		{"5", "", "u@"},
	} {
		f, err := transform.Versions(c.gte, c.lt)
		if err != nil {
			t.Fatal(err)
		}
		s := newServer(nil)
		if err := s.Mount(comps(), f); err != nil {
			t.Fatal(err)
		}
		cs := connect(t, s)
		var got []string
		for _, n := range toolNames(t, cs) {
			got = append(got, resultText(call(t, cs, n, nil)))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("[%q, %q): %v, want %s", c.gte, c.lt, got, c.want)
		}
	}
	// A version outside the range cannot be asked for either.
	f, _ := transform.Versions("2.0", "3.0")
	s := newServer(nil)
	if err := s.Mount(comps(), f); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, s)
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "t", Meta: mcp.Meta{"mcpgen": map[string]any{"version": "1.0"}}}); err == nil {
		t.Error("filtered version callable")
	}
	r, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "t", Meta: mcp.Meta{"mcpgen": map[string]any{"version": "2.0"}}})
	if err != nil || resultText(r) != "t@2.0" {
		t.Errorf("t@2.0 = %v, %v", r, err)
	}
}

func TestVisibility(t *testing.T) {
	comps := func() *runtime.Components {
		c := catalogue()
		c.Tools = []*runtime.Tool{echo("x", "a", "b"), echo("y", "a"), echo("z"), versioned("v", "1.0"), versioned("v", "2.0")}
		c.Resources[0].Tags = []string{"public"}
		return c
	}
	cases := []struct {
		name       string
		transforms []runtime.Transform
		want       string
	}{
		{"none", nil, "v,x,y,z"},
		{"disable by tag", []runtime.Transform{transform.Disable(runtime.Match{Tags: []string{"a"}})}, "v,z"},
		// The last matching rule wins.
		{"disable then enable", []runtime.Transform{
			transform.Disable(runtime.Match{Tags: []string{"a"}}),
			transform.Enable(runtime.Match{Names: []string{"x"}}),
		}, "v,x,z"},
		{"enable then disable", []runtime.Transform{
			transform.Enable(runtime.Match{Names: []string{"x"}}),
			transform.Disable(runtime.Match{Tags: []string{"a"}}),
		}, "v,z"},
		// Criteria within one rule are ANDed; a tag matches if any is shared.
		{"AND within a rule", []runtime.Transform{transform.Disable(runtime.Match{Names: []string{"x", "y"}, Tags: []string{"b", "q"}})}, "v,y,z"},
		{"kinds restrict", []runtime.Transform{transform.Disable(runtime.Match{Tags: []string{"a"}, Kinds: []runtime.Kind{runtime.KindPrompt}})}, "v,x,y,z"},
		{"empty match selects nothing", []runtime.Transform{transform.Disable(runtime.Match{})}, "v,x,y,z"},
		{"keys carry the version", []runtime.Transform{transform.Disable(runtime.Match{Keys: []string{"tool:z@", "tool:x"}})}, "v,x,y"},
		{"allow-list", []runtime.Transform{transform.Only(runtime.Match{Names: []string{"y"}})}, "y"},
		{"allow-list then enable", []runtime.Transform{
			transform.Only(runtime.Match{Names: []string{"y"}}),
			transform.Enable(runtime.Match{Tags: []string{"b"}}),
		}, "x,y"},
		{"disable all", []runtime.Transform{transform.Disable(runtime.Match{All: true})}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(nil)
			if err := s.Mount(comps(), c.transforms...); err != nil {
				t.Fatal(err)
			}
			cs := connect(t, s)
			if got := strings.Join(toolNames(t, cs), ","); got != c.want {
				t.Errorf("tools = %q, want %q", got, c.want)
			}
			for _, n := range []string{"v", "x", "y", "z"} {
				_, err := tryCall(cs, n, nil)
				if listed := strings.Contains(","+c.want+",", ","+n+","); listed != (err == nil) {
					t.Errorf("call %s: err = %v, listed %v", n, err, listed)
				}
			}
		})
	}

	// A version: the highest is disabled, so the next one is served.
	s := newServer(nil)
	if err := s.Mount(comps(), transform.Disable(runtime.Match{Version: &runtime.VersionSpec{Gte: "2"}})); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, s)
	if got := resultText(call(t, cs, "v", nil)); got != "v@1.0" {
		t.Errorf("v = %q, want v@1.0", got)
	}

	// Allow-list mode disables every kind, and a server-level rule
	// overrides a provider-level one.
	s = newServer(nil)
	if err := s.Mount(comps(), transform.Only(runtime.Match{Kinds: []runtime.Kind{runtime.KindTool}, Names: []string{"z"}})); err != nil {
		t.Fatal(err)
	}
	s.AddTransform(transform.Enable(runtime.Match{Tags: []string{"public"}}))
	cs = connect(t, s)
	if got := strings.Join(toolNames(t, cs), ","); got != "z" {
		t.Errorf("tools = %q", got)
	}
	rl, _ := cs.ListResources(context.Background(), nil)
	pl, _ := cs.ListPrompts(context.Background(), nil)
	if len(rl.Resources) != 1 || len(pl.Prompts) != 0 {
		t.Errorf("resources %+v, prompts %+v", rl.Resources, pl.Prompts)
	}

	if _, err := transform.Disable(runtime.Match{Kinds: []runtime.Kind{"tols"}, All: true}).Transform(context.Background(), comps()); err == nil {
		t.Error("unknown kind: no error")
	}
}

// TestTransformsDoNotMutateInput runs every transform over the same
// components and checks that the input is as it was.
func TestTransformsDoNotMutateInput(t *testing.T) {
	c := catalogue()
	c.Tools = append(c.Tools, search(), versioned("v", "1.0"))
	c.Tools[0].Tags = []string{"a"}
	c.Resources[0].Meta = map[string]any{"k": "v"}
	before := describe(c)
	schema := string(c.Tools[1].InputSchema)
	tt, err := transform.ToolTransform(map[string]transform.ToolConfig{"search": {Name: "find", Tags: []string{"t"}, Meta: map[string]any{"x": 1},
		Arguments: map[string]transform.ArgConfig{"q": {Name: "query", Description: "d"}, "limit": {Default: 1}, "api_key": {Hide: true, Default: "k"}, "mode": {Required: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	vf, _ := transform.Versions("1.0", "")
	srv := newServer(nil)
	for _, tr := range []runtime.Transform{
		transform.Namespace("ns"), tt, transform.Tags([]string{"a"}, nil), transform.Tags(nil, []string{"a"}), vf,
		transform.Disable(runtime.Match{All: true}), transform.Only(runtime.Match{Names: []string{"add"}}),
		transform.ResourcesAsTools(srv), transform.PromptsAsTools(srv),
	} {
		out, err := tr.Transform(context.Background(), c)
		if err != nil {
			t.Fatalf("%T: %v", tr, err)
		}
		if got := describe(c); got != before {
			t.Errorf("%T changed its input:\n%s\nwas\n%s", tr, got, before)
		}
		if string(c.Tools[1].InputSchema) != schema {
			t.Errorf("%T changed a schema", tr)
		}
		// The output's slices are its own.
		if len(out.Tools) > 0 {
			out.Tools[0] = nil
			if c.Tools[0] == nil {
				t.Fatalf("%T: output shares the input's slice", tr)
			}
		}
	}
}
