package synth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestModuleCompiles writes a small synthetic module, every tool shape
// included, and checks it is valid, vet-clean Go with the expected tools.
func TestModuleCompiles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const n = 60 // two files, every shape several times
	m, err := NewModule(t.TempDir(), "../..", n)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Vet(ctx); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(m.Dir, PackageDir, "tools_*.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("got %d tool files, want 2", len(files))
	}
	var directives, funcs int
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		directives += strings.Count(string(src), "\n//mcp:tool")
		funcs += strings.Count(string(src), "\nfunc Tool")
	}
	if directives != n || funcs != n {
		t.Fatalf("got %d //mcp:tool directives and %d tool functions, want %d of each", directives, funcs, n)
	}
}
