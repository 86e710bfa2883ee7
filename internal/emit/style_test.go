package emit_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
)

// The generated golden files read as careful hand-written Go would.
func TestGeneratedCodeReadsAsHandWritten(t *testing.T) {
	// Descriptor literals list their fields in declaration order.
	orders := map[string][]string{}
	for _, v := range []any{runtime.Components{}, runtime.Tool{}, runtime.Resource{}, runtime.ResourceTemplate{},
		runtime.Prompt{}, runtime.PromptArgument{}, runtime.Completion{}, runtime.ToolAnnotations{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			orders[typ.Name()] = append(orders[typ.Name()], typ.Field(i).Name)
		}
	}
	numbered := regexp.MustCompile(`^[a-z][0-9]+v?$`)
	root, _ := filepath.Abs("../..")
	literals, templates := 0, 0
	for _, f := range plan(t) {
		if f.Content == nil {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f.Path, f.Content, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(root, f.Path)
		// Comments are wrapped as people wrap theirs (a long word, such as
		// a URI, may overrun; so may the header and code in comments).
		for _, cg := range file.Comments {
			for _, c := range cg.List {
				text := strings.TrimPrefix(c.Text, "// ")
				if len(c.Text) > 80 && strings.Contains(text, " ") && !strings.HasPrefix(c.Text, "//\t") && !strings.HasPrefix(c.Text, "// Code generated") {
					t.Errorf("%s: a comment line of %d columns: %s", name, len(c.Text), c.Text)
				}
			}
		}
		schemas := map[string]string{} // value → constant
		var outer string               // the runtime type of the enclosing literal, for elided element types
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				typ := runtimeType(n.Type)
				if typ == "" && n.Type == nil {
					typ = outer
				}
				if order, ok := orders[typ]; ok {
					literals++
					var keys []string
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							keys = append(keys, kv.Key.(*ast.Ident).Name)
						}
					}
					if !inOrder(keys, order) {
						t.Errorf("%s: runtime.%s literal has fields %v, not in declaration order %v", name, typ, keys, order)
					}
				}
				if at, ok := n.Type.(*ast.ArrayType); ok {
					outer = runtimeType(at.Elt)
				}
			case *ast.ValueSpec:
				// Each distinct schema is one constant.
				for i, id := range n.Names {
					if i >= len(n.Values) {
						break
					}
					lit, ok := n.Values[i].(*ast.BasicLit)
					if !ok || !strings.HasSuffix(id.Name, "Schema") {
						continue
					}
					if other, dup := schemas[lit.Value]; dup {
						t.Errorf("%s: %s and %s hold the same schema", name, other, id.Name)
					}
					schemas[lit.Value] = id.Name
				}
			case *ast.FuncDecl:
				// A resource template's handler names the locals it
				// passes to the function after its parameters.
				if ps := n.Type.Params.List; len(ps) == 3 && len(ps[2].Names) == 1 && ps[2].Names[0].Name == "vars" {
					templates++
					ast.Inspect(n.Body, func(n ast.Node) bool {
						if as, ok := n.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
							for _, l := range as.Lhs {
								if id, ok := l.(*ast.Ident); ok && numbered.MatchString(id.Name) {
									t.Errorf("%s: a local named %s", name, id.Name)
								}
							}
						}
						return true
					})
				}
			}
			return true
		})
	}
	if literals < 10 || templates < 3 {
		t.Fatalf("checked %d descriptor literals and %d template handlers", literals, templates)
	}
}

// runtimeType returns T of an expression runtime.T or *runtime.T (or
// &runtime.T{}'s type), or "".
func runtimeType(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == "runtime" {
			return sel.Sel.Name
		}
	}
	return ""
}

// inOrder reports whether keys is a subsequence of order.
func inOrder(keys, order []string) bool {
	i := 0
	for _, k := range keys {
		j := slices.Index(order[i:], k)
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return true
}
