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
