package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The command reports every problem as file:line:col: message on stderr,
// writes nothing, and exits with status 1.
func TestGenerateReportsErrors(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "mcpgen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := "../../internal/parse/testdata/errors/constraints"
	want, err := os.ReadFile(filepath.Join(dir, "errors.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{nil, {"generate", "."}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("mcpgen %v: err = %v, want exit status 1", args, err)
		}
		if stderr.String() != string(want) {
			t.Errorf("mcpgen %v stderr:\n%s\nwant:\n%s", args, stderr.String(), want)
		}
		if _, err := os.Stat(filepath.Join(dir, "mcp_gen.go")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("mcpgen %v wrote mcp_gen.go despite errors", args)
		}
	}
}

// generate-cli refuses a target it cannot bake into a CLI (a package
// directory) before building or starting anything, and writes nothing: the
// package here does not even compile, so a build would fail differently.
func TestGenerateCLIRefusesPackageDirectory(t *testing.T) {
	pkg := t.TempDir()
	if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cli")
	root.SetArgs([]string{"generate-cli", "-o", out, pkg})
	root.SetOut(new(strings.Builder))
	root.SetErr(new(strings.Builder))
	defer root.SetArgs(nil)
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), "give a URL or a command after --") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("generate-cli created %s: %v", out, err)
	}
}
