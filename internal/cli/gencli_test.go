package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/mod/modfile"
)

// The go.mod of a generated CLI lists every module its build needs, on
// every platform, at the version this repository builds with, so that the
// module builds from what building mcpgen already downloaded (a go.mod that
// lists only the direct requirements makes the go command read go.mod files
// of modules, such as cobra's requirements, that nothing here ever needs).
func TestGeneratedCLIModuleIsComplete(t *testing.T) {
	tools := []*mcp.Tool{{Name: "echo", InputSchema: map[string]any{"type": "object", "properties": map[string]any{"text": map[string]any{"type": "string"}}}}}
	o := CLIOptions{Name: "echo", Module: "example.com/echo", URL: "http://127.0.0.1:1/mcp"}
	dir := t.TempDir()
	if _, err := GenerateCLI(CLISpec(tools, nil, o), dir, o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	generated, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, "main.go"), nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var imports []string
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		imports = append(imports, path)
	}

	root, _ := filepath.Abs("../..")
	data, err = os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	ours, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The packages the CLI builds, on each platform (-e: a package whose
	// module is not downloaded is still listed).
	pkgs := map[string]bool{}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command("go", append([]string{"list", "-e", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, imports...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOPROXY=off")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (GOOS=%s): %v", goos, err)
		}
		for _, p := range strings.Fields(string(out)) {
			pkgs[p] = true
		}
	}
	// Each package's module, by the longest module path of our go.mod
	// that prefixes it.
	want := map[string]string{}
	for p := range pkgs {
		if strings.HasPrefix(p, ours.Module.Mod.Path+"/") {
			continue
		}
		var best *modfile.Require
		for _, r := range ours.Require {
			if (p == r.Mod.Path || strings.HasPrefix(p, r.Mod.Path+"/")) && (best == nil || len(r.Mod.Path) > len(best.Mod.Path)) {
				best = r
			}
		}
		if best == nil {
			t.Errorf("package %s: no module in go.mod provides it", p)
			continue
		}
		want[best.Mod.Path] = best.Mod.Version
	}
	got := map[string]string{}
	for _, r := range generated.Require {
		if r.Mod.Path == ours.Module.Mod.Path {
			continue
		}
		got[r.Mod.Path] = r.Mod.Version
	}
	var missing, extra []string
	for m, v := range want {
		if got[m] != v {
			missing = append(missing, m+" "+v)
		}
	}
	for m, v := range got {
		if want[m] != v {
			extra = append(extra, m+" "+v)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("templates/cli/go.mod.tmpl is out of step with the CLI's build:\nmissing or at another version: %v\nnot needed: %v", missing, extra)
	}
}

// One rule names subcommands and flags: kebab-case, except names whose
// kebab-case another shares, which keep their spelling; constructors stay
// distinct. The tool's own name is an alias of its subcommand.
func TestGeneratedCLINames(t *testing.T) {
	obj := func(props ...string) map[string]any {
		m := map[string]any{}
		for _, p := range props {
			m[p] = map[string]any{"type": "string"}
		}
		return map[string]any{"type": "object", "properties": m}
	}
	tools := []*mcp.Tool{
		{Name: "compare_cities", InputSchema: obj("dueInDays", "max_items")},
		{Name: "get-sum", InputSchema: obj("a")},
		{Name: "a_b", InputSchema: obj("x_y", "x-y")},
		{Name: "a-b", InputSchema: obj()},
	}
	o := CLIOptions{Name: "demo", Module: "example.com/demo", URL: "http://127.0.0.1:1/mcp"}
	spec := CLISpec(tools, nil, o)
	var cmds []string
	flags := map[string][]string{}
	for _, ct := range spec.Tools {
		cmds = append(cmds, ct.Command)
		for _, f := range ct.Flags {
			flags[ct.Name] = append(flags[ct.Name], f.Flag)
		}
	}
	if want := []string{"compare-cities", "get-sum", "a_b", "a-b"}; !slices.Equal(cmds, want) {
		t.Errorf("subcommands %v, want %v", cmds, want)
	}
	if got := flags["compare_cities"]; !slices.Equal(got, []string{"due-in-days", "max-items"}) {
		t.Errorf("flags of compare_cities: %v", got)
	}
	if got := flags["a_b"]; !slices.Equal(got, []string{"x-y", "x_y"}) {
		t.Errorf("colliding flags of a_b: %v", got)
	}
	dir := t.TempDir()
	if _, err := GenerateCLI(spec, dir, o); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]bool{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			if funcs[fd.Name.Name] {
				t.Errorf("func %s declared twice", fd.Name.Name)
			}
			funcs[fd.Name.Name] = true
		}
	}
	for _, want := range []string{`Use:     "compare-cities"`, `Aliases: []string{"compare_cities"}`, `Use:   "get-sum"`, `"due-in-days"`} {
		if !strings.Contains(string(src), want) {
			t.Errorf("main.go has no %s", want)
		}
	}
	if strings.Contains(string(src), `Aliases: []string{"get-sum"}`) {
		t.Error("an alias equal to the subcommand")
	}
}

// The generated CLI's go.mod pins the versions this module requires: a
// different one would need a go.mod file that building this repository
// never downloads, and the CLI would not build from an empty module cache
// with GOPROXY=off (as e2e/genclient_test.go builds it).
func TestCLIGoModMatchesModule(t *testing.T) {
	root, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.Parse("go.mod", root, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, r := range mod.Require {
		want[r.Mod.Path] = r.Mod.Version
	}
	tmpl, err := os.ReadFile("../../templates/cli/go.mod.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(tmpl), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.Contains(f[0], ".") || !strings.HasPrefix(f[1], "v") {
			continue
		}
		if v, ok := want[f[0]]; ok && v != f[1] {
			t.Errorf("templates/cli/go.mod.tmpl pins %s %s; go.mod requires %s", f[0], f[1], v)
		}
	}
}
