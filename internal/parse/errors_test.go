package parse

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestErrorsGolden loads each package under testdata/errors and compares
// every problem reported, as file:line:col: message (positions relative to
// the case directory), with the case's errors.golden. Each case is a small
// package in the main module: the go command leaves testdata directories out
// of ./... but loads them when named, as Load(dir, ".") does.
//
// Run with -update to rewrite the golden files, then review them.
func TestErrorsGolden(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "errors"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		dir := filepath.Join("testdata", "errors", e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel()
			_, err := Load(dir, ".")
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Load returned %v (%T), want an ErrorList", err, err)
			}
			got := list.Error() + "\n"
			golden := filepath.Join(dir, "errors.golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s (run with -update and review):\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
	if n == 0 {
		t.Fatal("no cases under testdata/errors")
	}
}
