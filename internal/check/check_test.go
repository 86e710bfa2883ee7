package check

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/internal/generate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// module writes a standalone module holding src as p.go.
func module(t *testing.T, dir, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/p\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func regenerate(t *testing.T, dir string) {
	t.Helper()
	files, err := generate.Plan(dir, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := f.Write(); err != nil {
			t.Fatal(err)
		}
	}
}

func run(t *testing.T, dir string) string {
	t.Helper()
	res, err := Run(dir, ".")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range res.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

// A package locked at its old version, then changed: check reports every
// breaking change, at the changed component, and nothing for the
// compatible ones (an added optional argument, a version bump).
func TestBreakingChanges(t *testing.T) {
	dir := t.TempDir()
	module(t, dir, read(t, "testdata/breaking/old/p.go"))
	regenerate(t, dir)
	if _, err := WriteLocks(dir, "."); err != nil {
		t.Fatal(err)
	}
	if got := run(t, dir); got != "" {
		t.Fatalf("fresh lock reports problems:\n%s", got)
	}
	module(t, dir, read(t, "testdata/breaking/new/p.go"))
	regenerate(t, dir)
	got := run(t, dir)
	golden := "testdata/breaking/check.golden"
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	if want := read(t, golden); got != want {
		t.Errorf("check output differs from %s (run with -update and review):\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
	// Accepting the change with lock makes the check pass again.
	if _, err := WriteLocks(dir, "."); err != nil {
		t.Fatal(err)
	}
	if got := run(t, dir); got != "" {
		t.Errorf("after lock:\n%s", got)
	}
}

// A stale generated file is reported at the file, and regenerating fixes it.
func TestStale(t *testing.T) {
	dir := t.TempDir()
	src := read(t, "testdata/breaking/new/p.go")
	module(t, dir, src)
	if got := run(t, dir); got != "mcp_gen.go:1:1: generated file is stale; run mcpgen generate\n" {
		t.Errorf("missing generated file: %q", got)
	}
	regenerate(t, dir)
	module(t, dir, strings.Replace(src, "// Search searches.", "// Search searches, now documented differently.", 1))
	if got := run(t, dir); got != "mcp_gen.go:1:1: generated file is stale; run mcpgen generate\n" {
		t.Errorf("changed doc comment: %q", got)
	}
	regenerate(t, dir)
	if got := run(t, dir); got != "" {
		t.Errorf("after regenerating: %q", got)
	}
}

// A tool's max_result_bytes is part of its generated code, not of the
// locked contract: adding it makes the generated file stale, not the
// tool incompatible; a malformed value is an annotation error at its
// position.
func TestMaxResultBytes(t *testing.T) {
	dir := t.TempDir()
	src := read(t, "testdata/breaking/new/p.go")
	module(t, dir, src)
	regenerate(t, dir)
	if _, err := WriteLocks(dir, "."); err != nil {
		t.Fatal(err)
	}
	limited := strings.Replace(src, "// Search searches.\n//\n//mcp:tool\n", "// Search searches.\n//\n//mcp:tool max_result_bytes=100000\n", 1)
	if limited == src {
		t.Fatal("the test package changed: no //mcp:tool after the doc of Search")
	}
	module(t, dir, limited)
	if got := run(t, dir); got != "mcp_gen.go:1:1: generated file is stale; run mcpgen generate\n" {
		t.Errorf("max_result_bytes added: %q", got)
	}
	regenerate(t, dir)
	if got := run(t, dir); got != "" {
		t.Errorf("after regenerating: %q", got)
	}
	if !strings.Contains(read(t, filepath.Join(dir, "mcp_gen.go")), "MaxResultBytes: 100000,") {
		t.Error("the generated tool has no MaxResultBytes")
	}
	module(t, dir, strings.Replace(limited, "max_result_bytes=100000", "max_result_bytes=lots", 1))
	_, err := Run(dir, ".")
	if err == nil || !strings.Contains(err.Error(), `p.go:28:29: max_result_bytes "lots" is not a positive number of bytes`) {
		t.Errorf("malformed max_result_bytes: %v", err)
	}
}

func TestInputBreaksWidening(t *testing.T) {
	old := parseSchema([]byte(`{"type":"integer","minimum":1,"maximum":10,"enum":[1,2]}`))
	wider := parseSchema([]byte(`{"type":["number","null"],"minimum":0,"maximum":20,"enum":[1,2,3]}`))
	if b := inputBreaks(old, wider, "x"); len(b) != 0 {
		t.Errorf("widening reported as breaking: %v", b)
	}
	if b := inputBreaks(wider, old, "x"); len(b) != 4 {
		t.Errorf("narrowing: %v", b)
	}
}
