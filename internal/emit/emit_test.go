package emit_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mcpgen/mcpgen/internal/generate"
	"github.com/mcpgen/mcpgen/internal/model"
	"github.com/mcpgen/mcpgen/internal/parse"
	"github.com/mcpgen/mcpgen/internal/schema"
	"github.com/mcpgen/mcpgen/internal/version"
)

var update = flag.Bool("update", false, "rewrite the generated golden files")

var (
	planOnce  sync.Once
	planFiles []generate.File
	planErr   error
)

// plan generates the golden packages once per test binary.
func plan(t *testing.T) []generate.File {
	t.Helper()
	planOnce.Do(func() { planFiles, planErr = generate.Plan("../..", goldenPackages...) })
	if planErr != nil {
		t.Fatal(planErr)
	}
	return planFiles
}

// goldenPackages are the packages whose committed mcp_gen.go files are
// the golden files of the generator. They are ordinary packages of the
// module, so `go build ./...` and `go vet ./...` also prove that the
// generated code compiles and is vet-clean, and their own tests run it.
var goldenPackages = []string{"./examples/...", "./e2e/...", "./internal/emit/kitchen", "./internal/emit/handschema"}

// TestGolden regenerates the golden packages in memory and compares the
// result with the committed files. Run with -update after a deliberate
// change to the generator, and review the diff.
func TestGolden(t *testing.T) {
	files := plan(t)
	if len(files) < 3 {
		t.Fatalf("planned %d files, want at least 3", len(files))
	}
	for _, f := range files {
		root, _ := filepath.Abs("../..")
		name, _ := filepath.Rel(root, f.Path)
		t.Run(name, func(t *testing.T) {
			if f.Content == nil {
				t.Fatalf("golden package has a stale generated file")
			}
			if *update {
				if err := f.Write(); err != nil {
					t.Fatal(err)
				}
				return
			}
			old, err := os.ReadFile(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(old, f.Content) {
				t.Errorf("generated code differs from %s; run go test ./internal/emit -update and review the diff", name)
			}
			if first, _, _ := bytes.Cut(f.Content, []byte("\n")); !parse.IsGeneratedHeader(string(first)) || !bytes.Contains(first, []byte(" mcpgen "+version.Version+" from ")) {
				t.Errorf("header %q does not name mcpgen's version and the source", first)
			}
		})
	}
}

// Generation is deterministic: two runs give the same bytes.
func TestDeterministic(t *testing.T) {
	a := plan(t)
	for range 2 {
		b, err := generate.Plan("../..", goldenPackages...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if !bytes.Equal(a[i].Content, b[i].Content) {
				t.Fatalf("%s differs between runs", a[i].Path)
			}
		}
	}
}

// Every schema the generator emits is valid JSON Schema 2020-12.
func TestSchemasAreValid(t *testing.T) {
	n := 0
	for _, f := range plan(t) {
		if f.Package == nil {
			continue // a typed client
		}
		for _, tool := range f.Package.Tools {
			for _, js := range [][]byte{schema.ForInput(tool.Input), outputSchema(tool)} {
				if js == nil {
					continue
				}
				n++
				if _, err := schema.Compile(js); err != nil {
					t.Errorf("%s tool %s: %v\n%s", f.Package.Path, tool.Name, err, js)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no schemas checked")
	}
}

func outputSchema(t *model.Tool) []byte {
	if r := t.Func.Result; r != nil && r.Kind == model.ResultStructured {
		return schema.ForOutput(r.Type)
	}
	return nil
}
