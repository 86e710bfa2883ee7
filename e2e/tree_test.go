package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpgen generate --tree over a directory of packages: the registry mounts
// every annotated package, namespaced by path; adding, removing and
// breaking a package is picked up by the next run, and a broken package is
// reported with its position and left out while the rest builds.
func TestGenerateTree(t *testing.T) {
	mcpgen := mcpgenBinary(t)
	dir := tempModule(t, "example.com/tree")
	write := func(rel, src string) {
		t.Helper()
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tool := func(pkg, fn, directive string) string {
		return "package " + pkg + "\n\nimport \"context\"\n\n// " + fn + " says hello.\n//\n//mcp:tool" + directive + "\nfunc " + fn + "(ctx context.Context) (string, error) { return \"hello from " + pkg + "\", nil }\n"
	}
	write("tools/a/a.go", tool("a", "Hello", ""))
	write("tools/billing/refunds/r.go", tool("refunds", "Refund", ""))
	write("main.go", `package main

import (
	"context"
	"log"

	"example.com/tree/tools"
	"github.com/mcpgen/mcpgen/runtime"
)

func main() {
	srv := runtime.NewServer(&runtime.Implementation{Name: "tree", Version: "1"}, nil)
	if err := tools.Mount(srv); err != nil {
		log.Fatal(err)
	}
	if err := srv.ServeStdio(context.Background()); err != nil {
		log.Fatal(err)
	}
}
`)
	generate := func(wantFail bool) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, mcpgen, "generate", "--tree", "tools", "--namespace")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), tempModuleEnv...)
		out, err := cmd.CombinedOutput()
		if (err != nil) != wantFail {
			t.Fatalf("mcpgen generate --tree: err %v, want failure %v\n%s", err, wantFail, out)
		}
		return string(out)
	}
	tools := func() []string {
		t.Helper()
		goRun(t, dir, "build", "-o", "server", ".")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx,
			&mcp.CommandTransport{Command: exec.Command(filepath.Join(dir, "server"))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		lt, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tl := range lt.Tools {
			names = append(names, tl.Name)
		}
		slices.Sort(names)
		return names
	}
	expect := func(want ...string) {
		t.Helper()
		if got := tools(); !slices.Equal(got, want) {
			t.Fatalf("tools = %v, want %v", got, want)
		}
	}

	out := generate(false)
	if !strings.Contains(out, "mcp_tree_gen.go") {
		t.Errorf("generate did not say it wrote the registry:\n%s", out)
	}
	expect("a_hello", "billing_refunds_refund")

	write("tools/c/c.go", tool("c", "Count", ""))
	generate(false)
	expect("a_hello", "billing_refunds_refund", "c_count")

	// A bad annotation: reported at its position, the package left out.
	write("tools/billing/refunds/r.go", tool("refunds", "Refund", " timeout=soon"))
	out = generate(true)
	if !regexp.MustCompile(`tools/billing/refunds/r\.go:\d+:\d+: .*timeout`).MatchString(out) {
		t.Errorf("the problem is not reported at its position:\n%s", out)
	}
	if !strings.Contains(out, "left out") {
		t.Errorf("generate does not say the package is left out:\n%s", out)
	}
	expect("a_hello", "c_count")

	// Packages the registry cannot mount: a main package, one importing
	// the root (an import cycle through the registry), and one whose
	// namespace another package already has.
	write("tools/billing/refunds/r.go", tool("refunds", "Refund", ""))
	write("tools/serve/main.go", tool("main", "Serve", "")+"\nfunc main() {}\n")
	write("tools/usesroot/u.go", "package usesroot\n\nimport (\n\t\"context\"\n\n\t_ \"example.com/tree/tools\"\n)\n\n// Loop says hello.\n//\n//mcp:tool\nfunc Loop(ctx context.Context) (string, error) { return \"loop\", nil }\n")
	write("tools/billing_refunds/b.go", tool("billingrefunds", "Twin", ""))
	out = generate(true)
	for _, want := range []string{
		`tools/serve/main.go:1:1: package main cannot be imported`,
		`tools/usesroot/u.go:1:1: package example.com/tree/tools/usesroot imports example.com/tree/tools`,
		`tools/billing_refunds/b.go:1:1: package example.com/tree/tools/billing_refunds would be namespaced "billing_refunds", as example.com/tree/tools/billing/refunds is`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("generate does not report %q:\n%s", want, out)
		}
	}
	expect("a_hello", "billing_refunds_refund", "c_count")
	for _, d := range []string{"tools/serve", "tools/usesroot", "tools/billing_refunds"} {
		if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
			t.Fatal(err)
		}
	}

	// Fixed again, and a package removed.
	write("tools/billing/refunds/r.go", tool("refunds", "Refund", ""))
	if err := os.RemoveAll(filepath.Join(dir, "tools/c")); err != nil {
		t.Fatal(err)
	}
	generate(false)
	expect("a_hello", "billing_refunds_refund")
	if again := generate(false); strings.Contains(again, "wrote") {
		t.Errorf("a second run rewrote files:\n%s", again)
	}
}
