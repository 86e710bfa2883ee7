package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
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

// install --help shows what the README advises: a stdio server installed
// as an absolute command (clients start it in a directory of their own),
// built first; never go run of a relative package.
func TestInstallHelpFollowsREADME(t *testing.T) {
	var install *cobra.Command
	for _, c := range root.Commands() {
		if c.Name() == "install" {
			install = c
		}
	}
	if install == nil {
		t.Fatal("no install command")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go build -o ~/bin/weather ./examples/weather/cmd/weather", "mcpgen install cursor weather -- ~/bin/weather"} {
		if !strings.Contains(install.Example, want) || !strings.Contains(string(readme), want) {
			t.Errorf("%q is not in both install's example and the README", want)
		}
	}
	for _, line := range strings.Split(install.Example, "\n") {
		_, command, ok := strings.Cut(line, " -- ")
		if !strings.Contains(line, "mcpgen install") || !ok {
			continue
		}
		if !strings.HasPrefix(command, "/") && !strings.HasPrefix(command, "~/") {
			t.Errorf("install example with a command that is not absolute: %s", line)
		}
	}
}
