package emit_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/internal/emit"
	"github.com/mcpgen/mcpgen/runtime/codec"
)

// The runtime of this module supports the generated code this generator
// writes.
func TestGeneratedVersion(t *testing.T) {
	if emit.GeneratedVersion < codec.MinGeneratedVersion || emit.GeneratedVersion > codec.MaxGeneratedVersion {
		t.Fatalf("the generator writes version %d of generated code; the runtime supports %d to %d",
			emit.GeneratedVersion, codec.MinGeneratedVersion, codec.MaxGeneratedVersion)
	}
}

// Every generated file fails to compile against a runtime that does not
// support its version, with a message that says to run go generate, and
// compiles against one that does.
func TestVersionCheckFailsAgainstAnotherRuntime(t *testing.T) {
	checked := 0
	for _, f := range plan(t) {
		if f.Content == nil {
			continue
		}
		decl := versionDecl(t, f.Content)
		if decl == "" {
			t.Errorf("%s has no version check", f.Path)
			continue
		}
		checked++
		v := emit.GeneratedVersion
		for _, tc := range []struct {
			min, max int
			ok       bool
		}{
			{v, v, true},
			{v - 1, v + 1, true},
			{v + 1, v + 1, false}, // a newer runtime, which dropped this version
			{v - 1, v - 1, false}, // an older runtime, which does not know it yet
		} {
			err := typeCheck(decl, tc.min, tc.max)
			switch {
			case tc.ok && err != nil:
				t.Errorf("%s against a runtime supporting %d to %d: %v", f.Path, tc.min, tc.max, err)
			case !tc.ok && (err == nil || !strings.Contains(err.Error(), "overflows codec.RunGoGenerate")):
				t.Errorf("%s against a runtime supporting %d to %d: error %v, want one saying codec.RunGoGenerate", f.Path, tc.min, tc.max, err)
			}
		}
	}
	if checked < 3 {
		t.Fatalf("checked %d files", checked)
	}
}

// versionDecl returns the const declaration of src that uses
// codec.RunGoGenerate.
func versionDecl(t *testing.T, src []byte) string {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "gen.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range file.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.CONST {
			var b bytes.Buffer
			format.Node(&b, fset, gd)
			if strings.Contains(b.String(), "codec.RunGoGenerate(") {
				return b.String()
			}
		}
	}
	return ""
}

// typeCheck type-checks decl against a runtime/codec whose supported
// versions are min to max.
func typeCheck(decl string, min, max int) error {
	fake := fmt.Sprintf("package codec\ntype RunGoGenerate uint\nconst (\n\tMinGeneratedVersion = %d\n\tMaxGeneratedVersion = %d\n)\n", min, max)
	fset := token.NewFileSet()
	cf, err := parser.ParseFile(fset, "codec.go", fake, 0)
	if err != nil {
		return err
	}
	codecPkg, err := (&types.Config{}).Check("github.com/mcpgen/mcpgen/runtime/codec", fset, []*ast.File{cf}, nil)
	if err != nil {
		return err
	}
	gf, err := parser.ParseFile(fset, "gen.go", "package p\n\nimport \"github.com/mcpgen/mcpgen/runtime/codec\"\n\n"+decl+"\n", 0)
	if err != nil {
		return err
	}
	conf := &types.Config{Importer: importerFunc(func(path string) (*types.Package, error) {
		if path == codecPkg.Path() {
			return codecPkg, nil
		}
		return importer.Default().Import(path)
	})}
	_, err = conf.Check("p", fset, []*ast.File{gf}, nil)
	return err
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
