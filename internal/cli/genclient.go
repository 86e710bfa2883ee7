package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mcpgen/mcpgen/internal/emit"
	"github.com/mcpgen/mcpgen/internal/model"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/yosida95/uritemplate/v3"
)

// GenerateClient writes a typed Go client for the server's catalogue into
// dir (package name pkgName, import path importPath): the same kind of
// client `mcpgen generate --client` writes, with Go types derived from the
// tools' JSON Schemas. It returns the file written.
func GenerateClient(c *Catalogue, server *mcp.Implementation, dir, pkgName, importPath string) (string, error) {
	pkg := ClientModel(c, server, pkgName, importPath)
	src, err := emit.ClientFile(pkg, importPath, pkgName)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "mcp_client_gen.go")
	return path, os.WriteFile(path, src, 0o644)
}

// ClientModel turns a live server's catalogue into the model the client
// emitter reads. Arguments keep their JSON names; optional numbers and
// booleans become pointers (so that zero can be sent), other optional
// values are omitted when empty. Constraints are left to the server.
func ClientModel(c *Catalogue, server *mcp.Implementation, pkgName, importPath string) *model.Package {
	b := &modelBuilder{path: importPath, taken: map[string]bool{"Client": true, "New": true}}
	pkg := &model.Package{Name: pkgName, Path: importPath}
	if server != nil {
		pkg.Server = server.Name + " " + server.Version
	}
	methods := map[string]bool{"Session": true}
	method := func(s string) string {
		m := goName(s)
		for i := 2; methods[m]; i++ {
			m = goName(s) + fmt.Sprint(i)
		}
		methods[m] = true
		return m
	}
	for _, t := range c.Tools {
		fn := &model.Func{Name: method(t.Name), Context: true, Error: true}
		tool := &model.Tool{Name: t.Name, Description: t.Description, Func: fn}
		if in := parseSchema(t.InputSchema); len(in.Properties) > 0 {
			tool.Input = b.object(in, fn.Name+"Args", "the arguments of tool "+t.Name)
			fn.Params = []*model.Param{{Name: "in", Type: tool.Input}}
		}
		if t.OutputSchema != nil {
			out := parseSchema(t.OutputSchema)
			var rt *model.Type
			if len(out.Properties) > 0 {
				rt = b.object(out, fn.Name+"Result", "the structured result of tool "+t.Name)
			} else {
				rt = b.typ(out, fn.Name+"Result", false)
			}
			fn.Result = &model.Result{Kind: model.ResultStructured, Type: rt}
		} else {
			fn.Result = &model.Result{Kind: model.ResultFull}
		}
		pkg.Tools = append(pkg.Tools, tool)
	}
	for _, r := range c.Resources {
		fn := &model.Func{Name: method(r.Name), Context: true, Error: true, Result: &model.Result{Kind: model.ResultContent}}
		pkg.Resources = append(pkg.Resources, &model.Resource{Name: r.Name, URI: r.URI, Description: r.Description, MIME: r.MIMEType, Func: fn})
	}
	for _, r := range c.ResourceTemplates {
		tmpl, err := uritemplate.New(r.URITemplate)
		if err != nil {
			continue
		}
		fn := &model.Func{Name: method(r.Name), Context: true, Error: true, Result: &model.Result{Kind: model.ResultContent}}
		res := &model.Resource{Name: r.Name, URI: r.URITemplate, Template: true, Description: r.Description, MIME: r.MIMEType, Func: fn}
		for i, v := range tmpl.Varnames() {
			fn.Params = append(fn.Params, &model.Param{Name: paramName(v), Type: &model.Type{Kind: model.String}})
			res.Vars = append(res.Vars, &model.TemplateVar{Name: v, Param: i})
		}
		pkg.Resources = append(pkg.Resources, res)
	}
	for _, p := range c.Prompts {
		fn := &model.Func{Name: method(p.Name), Context: true, Error: true, Result: &model.Result{Kind: model.ResultFull}}
		pr := &model.Prompt{Name: p.Name, Description: p.Description, Func: fn}
		if len(p.Arguments) > 0 {
			st := &model.Type{Kind: model.Struct, Name: b.name(fn.Name + "Args"), PkgPath: importPath, Doc: fn.Name + "Args are the arguments of prompt " + p.Name + "."}
			for _, a := range p.Arguments {
				f := &model.Field{GoName: goName(a.Name), JSONName: a.Name, Type: &model.Type{Kind: model.String}, Required: a.Required, OmitEmpty: !a.Required}
				f.Tag = jsonTag(f)
				st.Fields = append(st.Fields, f)
				pr.Args = append(pr.Args, &model.PromptArg{Name: a.Name, Required: a.Required, Description: a.Description, Field: f.GoName})
			}
			pr.Input = st
			fn.Params = []*model.Param{{Name: "in", Type: st}}
		}
		pkg.Prompts = append(pkg.Prompts, pr)
	}
	return pkg
}

type modelBuilder struct {
	path  string
	taken map[string]bool
}

// name returns a unique exported type name.
func (b *modelBuilder) name(base string) string {
	n := base
	for i := 2; b.taken[n]; i++ {
		n = fmt.Sprintf("%s%d", base, i)
	}
	b.taken[n] = true
	return n
}

// object converts an object schema into a named struct type.
func (b *modelBuilder) object(n *schemaNode, name, what string) *model.Type {
	t := &model.Type{Kind: model.Struct, Name: b.name(name), PkgPath: b.path}
	t.Doc = t.Name + " is " + what + "."
	if n.Description != "" {
		t.Doc = t.Name + ": " + n.Description
	}
	req := map[string]bool{}
	for _, r := range n.Required {
		req[r] = true
	}
	used := map[string]bool{}
	for _, prop := range n.names() {
		p := n.Properties[prop]
		gn := goName(prop)
		for i := 2; used[gn]; i++ {
			gn = fmt.Sprintf("%s%d", goName(prop), i)
		}
		used[gn] = true
		f := &model.Field{GoName: gn, JSONName: prop, Required: req[prop], Doc: p.Description}
		f.Type = b.typ(p, t.Name+gn, !req[prop])
		f.OmitEmpty = !req[prop]
		f.Constraints.Description = p.Description
		f.Tag = jsonTag(f)
		t.Fields = append(t.Fields, f)
	}
	return t
}

// typ converts a schema to a Go type; optional numbers and booleans become
// pointers.
func (b *modelBuilder) typ(n *schemaNode, name string, optional bool) *model.Type {
	ts := n.types()
	nullable := false
	var main []string
	for _, t := range ts {
		if t == "null" {
			nullable = true
		} else {
			main = append(main, t)
		}
	}
	var t *model.Type
	switch {
	case len(main) != 1:
		t = &model.Type{Kind: model.Any}
	case main[0] == "string":
		t = &model.Type{Kind: model.String}
	case main[0] == "integer":
		t = &model.Type{Kind: model.Int, Bits: 64}
	case main[0] == "number":
		t = &model.Type{Kind: model.Float, Bits: 64}
	case main[0] == "boolean":
		t = &model.Type{Kind: model.Bool}
	case main[0] == "array":
		elem := &model.Type{Kind: model.Any}
		if n.Items != nil {
			elem = b.typ(n.Items, name+"Item", false)
		}
		return &model.Type{Kind: model.Slice, Elem: elem}
	case main[0] == "object" && len(n.Properties) > 0:
		t = b.object(n, name, "a value of "+name)
		if optional || nullable {
			return &model.Type{Kind: model.Pointer, Elem: t}
		}
		return t
	case main[0] == "object":
		// A map: its values are the additional properties.
		elem := &model.Type{Kind: model.Any}
		if a := n.additional(); a != nil {
			elem = b.typ(a, name+"Value", false)
		}
		return &model.Type{Kind: model.Map, Key: &model.Type{Kind: model.String}, Elem: elem}
	default:
		t = &model.Type{Kind: model.Any}
	}
	if t.Kind != model.Any && t.Kind != model.String && (optional || nullable) || t.Kind == model.String && nullable {
		return &model.Type{Kind: model.Pointer, Elem: t}
	}
	return t
}

func jsonTag(f *model.Field) string {
	tag := `json:"` + f.JSONName
	if f.OmitEmpty {
		tag += ",omitempty"
	}
	return tag + `"`
}

// goName turns a JSON or MCP name into an exported Go identifier:
// "get-sum" → "GetSum", "resourceId" → "ResourceId".
func goName(s string) string { return emit.Exported(s) }

// paramName turns a template variable into a Go parameter name.
func paramName(s string) string {
	g := goName(s)
	p := strings.ToLower(g[:1]) + g[1:]
	switch p {
	case "ctx", "c", "uri", "err", "rc", "out", "js", "d", "type", "func", "var", "range", "map", "string":
		p += "Value"
	}
	return p
}

// FetchForClient lists everything a generated client needs.
func FetchForClient(ctx context.Context, s *Session) (*Catalogue, error) {
	c, err := Fetch(ctx, s, ListOptions{Tools: true, Resources: true, Templates: true, Prompts: true})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(c.Tools, func(i, j int) bool { return c.Tools[i].Name < c.Tools[j].Name })
	return c, nil
}
