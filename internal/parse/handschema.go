package parse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/mcpgen/mcpgen/annotations"
	"github.com/mcpgen/mcpgen/internal/model"
	"github.com/mcpgen/mcpgen/runtime/schemacheck"
)

// Schemas written by hand: //mcp:schema NAME on a struct type, or
// `mcp:"schema=NAME"` on a field, where NAME is a package-level string
// constant or a string or []byte variable holding one //go:embed file. The
// schema is passed through to clients untouched (draft 2020-12: $defs,
// $ref, $anchor, allOf, if/then/else...), and generated code validates that
// part of the arguments with it (package runtime/schemacheck) instead of
// generated checks.

// schemaRef is where a //mcp:schema directive names its schema.
type schemaRef struct {
	name string
	pos  model.Pos
}

// indexSchemas records a type declaration's //mcp:schema directive, and
// the files of //go:embed variables.
func (p *loader) indexSchemas(d *ast.GenDecl) {
	for _, s := range d.Specs {
		doc := d.Doc
		switch sp := s.(type) {
		case *ast.TypeSpec:
			if sp.Doc != nil || len(d.Specs) > 1 {
				doc = sp.Doc
			}
			obj, _ := p.pkg.TypesInfo.Defs[sp.Name].(*types.TypeName)
			if doc == nil || obj == nil {
				continue
			}
			for _, c := range doc.List {
				rest, ok := strings.CutPrefix(c.Text, annotations.SchemaDirective)
				if !ok || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
					continue
				}
				name := strings.TrimSpace(rest)
				col := len(c.Text) - len(strings.TrimLeft(rest, " \t"))
				if name == "" || strings.ContainsAny(name, " \t") {
					p.errorf(p.position(c.Slash), "//mcp:schema takes one name, the constant or //go:embed variable holding the schema: //mcp:schema NAME")
					continue
				}
				p.typeSchema[obj] = schemaRef{name: name, pos: p.position(c.Slash + token.Pos(col))}
			}
		case *ast.ValueSpec:
			if sp.Doc != nil || len(d.Specs) > 1 {
				doc = sp.Doc
			}
			if doc == nil || len(sp.Names) != 1 {
				continue
			}
			for _, c := range doc.List {
				if pattern, ok := strings.CutPrefix(c.Text, "//go:embed "); ok {
					if v, ok := p.pkg.TypesInfo.Defs[sp.Names[0]].(*types.Var); ok {
						p.embeds[v] = strings.TrimSpace(pattern)
					}
				}
			}
		}
	}
}

// handSchema returns the schema NAME holds, compacted, checked to be a
// JSON Schema object that compiles against its meta-schema. pos is where
// NAME is written.
func (p *loader) handSchema(name string, pos model.Pos) (string, bool) {
	fail := func(format string, args ...any) (string, bool) {
		p.errorf(pos, "%sschema %s: %s", p.where(), name, fmt.Sprintf(format, args...))
		return "", false
	}
	var text []byte
	switch o := p.pkg.Types.Scope().Lookup(name).(type) {
	case *types.Const:
		if o.Val().Kind() != constant.String {
			return fail("is a constant of type %s; want a string holding the JSON Schema", o.Type())
		}
		text = []byte(constant.StringVal(o.Val()))
	case *types.Var:
		file, ok := p.embeds[o]
		if !ok {
			return fail("is a variable without //go:embed; name a string constant, or a string or []byte variable holding one embedded file")
		}
		if strings.ContainsAny(file, "*?[ ") {
			return fail("embeds %q; want exactly one file", file)
		}
		b, err := os.ReadFile(filepath.Join(filepath.Dir(p.fset.Position(o.Pos()).Filename), file))
		if err != nil {
			return fail("%v", err)
		}
		text = b
	case nil:
		return fail("no package-level constant or variable of that name in package %s", p.pkg.Name)
	default:
		return fail("is not a constant or a variable")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, text); err != nil {
		return fail("not JSON: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("{")) {
		return fail("want a JSON Schema object, got %.40s", buf.String())
	}
	if _, err := schemacheck.Compile(buf.String()); err != nil {
		return fail("%s", strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return buf.String(), true
}

// selfRef reports whether a schema has a $ref relative to its own
// document ("#..."), and no $id to anchor it: below the root of a tool's
// input schema, a client would resolve it against the whole schema.
func selfRef(js string) (string, bool) {
	var root map[string]any
	if json.Unmarshal([]byte(js), &root) != nil {
		return "", false
	}
	if _, ok := root["$id"]; ok {
		return "", false
	}
	var find func(v any) (string, bool)
	find = func(v any) (string, bool) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok && strings.HasPrefix(r, "#") {
				return r, true
			}
			for _, e := range x {
				if r, ok := find(e); ok {
					return r, true
				}
			}
		case []any:
			for _, e := range x {
				if r, ok := find(e); ok {
					return r, true
				}
			}
		}
		return "", false
	}
	return find(root)
}

// nestedSchemaError reports a hand-written schema placed below the root of
// an input schema that refers into itself without an $id.
func (p *loader) nestedSchemaError(pos model.Pos, name, js string) bool {
	if r, ok := selfRef(js); ok {
		p.errorf(pos, "%sschema %s refers to %q within itself, which a client resolves against the whole input schema when the schema is nested: give it an \"$id\" (for example \"urn:%s\"), or put it on the argument struct", p.where(), name, r, name)
		return true
	}
	return false
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// handStruct gives a struct type the schema its //mcp:schema directive
// names. The schema then says what the arguments may be, so the fields
// carry no mcp tags (other than "-") and are not required by Go's rules.
func (p *loader) handStruct(t *model.Type, ref schemaRef) bool {
	if t.Kind != model.Struct {
		p.errorf(ref.pos, "//mcp:schema applies to struct types, not %s", t.Kind)
		return false
	}
	js, ok := p.handSchema(ref.name, ref.pos)
	if !ok {
		return false
	}
	t.Schema, t.SchemaName = js, ref.name
	fields := make([]*model.Field, len(t.Fields))
	for i, f := range t.Fields {
		if _, has := reflect.StructTag(f.Tag).Lookup("mcp"); has {
			p.errorf(f.Pos, "field %s.%s: the schema of %s is written by hand (//mcp:schema %s): describe the field there, not in an mcp tag", t.Name, f.GoName, t.Name, ref.name)
			ok = false
		}
		cp := *f
		cp.Required = false
		fields[i] = &cp
	}
	t.Fields = fields
	return ok
}

// baseType is t without pointers.
func baseType(t *model.Type) *model.Type {
	for t != nil && t.Kind == model.Pointer {
		t = t.Elem
	}
	return t
}
