package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// make test runs without -v, which hides skips: needTool records each
// skipped third-party-client test, with the command that enables it, in
// the file MCPGEN_SKIP_LOG names, and the Makefile prints that file.
func TestSkipLog(t *testing.T) {
	log := filepath.Join(t.TempDir(), "skipped")
	t.Setenv("MCPGEN_SKIP_LOG", log)
	t.Setenv("CI", "")

	var skipped bool
	t.Run("missing", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		needTool(t, "ts/node_modules/no-such-client/package.json", "npm ci --prefix e2e/ts")
		t.Error("needTool returned for a missing tool")
	})
	t.Run("present", func(t *testing.T) {
		needTool(t, "e2e_test.go", "nothing")
	})
	if !skipped {
		t.Fatal("the test needing a missing tool was not skipped")
	}
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	want := "SKIP e2e TestSkipLog/missing: e2e/ts/node_modules/no-such-client/package.json is not installed; run: npm ci --prefix e2e/ts\n"
	if string(got) != want {
		t.Errorf("skip log:\n%q\nwant\n%q", got, want)
	}
}
