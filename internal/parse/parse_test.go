package parse_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mcpgen/mcpgen/internal/parse"
)

// A package renamed since mcpgen last ran (package main to package
// renamed) still loads: the stale output's package clause is replaced by
// the one its hand-written files agree on, whatever order the files come in.
func TestRenamedPackageLoads(t *testing.T) {
	for _, stale := range []string{"a_gen.go", "mcp_gen.go", "z_gen.go"} {
		t.Run(stale, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, src string) {
				t.Helper()
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("go.mod", "module example.com/renamed\n\ngo 1.24\n")
			write("tools.go", `package renamed

import "context"

// EchoArgs are echo's arguments.
type EchoArgs struct {
	Text string
}

// Echo says it back.
//
//mcp:tool
func Echo(ctx context.Context, in EchoArgs) (string, error) { return in.Text, nil }
`)
			write(stale, parse.GeneratedHeader+"\n\npackage main\n\nfunc stale() { undefined() }\n")
			pkgs, err := parse.Load(dir, ".")
			if err != nil {
				t.Fatal(err)
			}
			if len(pkgs) != 1 || pkgs[0].Name != "renamed" || len(pkgs[0].Tools) != 1 {
				t.Fatalf("loaded %+v, want package renamed with one tool", pkgs)
			}
		})
	}
}
