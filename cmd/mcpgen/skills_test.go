package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/skills"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestSkillsPull runs mcpgen skills list and pull against a server on
// 127.0.0.1: the skill lands under the server's label, verified, and a
// server that serves a SKILL.md other than its entry says is refused.
func TestSkillsPull(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "mcpgen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	root := t.TempDir()
	files := map[string]string{
		"pdf-processing/SKILL.md":            "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\n---\n\nRead references/FORMS.md.\n",
		"pdf-processing/references/FORMS.md": "# Forms\n",
		"git-workflow/SKILL.md":              "---\nname: git-workflow\ndescription: Team Git conventions\n---\nbody\n",
	}
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	serve := func(tamper bool) string {
		srv := runtime.NewServer(&runtime.Implementation{Name: "skills", Version: "1"}, nil)
		if tamper {
			srv.Use(func(next runtime.Handler) runtime.Handler {
				return func(ctx context.Context, r *runtime.Request) (mcp.Result, error) {
					res, err := next(ctx, r)
					if rr, ok := res.(*runtime.ReadResourceResult); ok && strings.HasSuffix(r.Name, "/SKILL.md") {
						cp := *rr.Contents[0]
						cp.Text = strings.Replace(cp.Text, "Read", "Exec", 1)
						return &runtime.ReadResourceResult{Contents: []*runtime.ResourceContents{&cp}}, nil
					}
					return res, err
				}
			})
		}
		if err := skills.Register(srv, skills.New([]string{root}, nil)); err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		return hs.URL + "/mcp"
	}
	run := func(args ...string) (string, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "MCPGEN_NO_BROWSER=1", "HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir())
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}

	url := serve(false)
	out, errOut, err := run("skills", "list", url)
	if err != nil || !strings.Contains(out, "pdf-processing") || !strings.Contains(out, "git-workflow") || !strings.Contains(out, "skill://pdf-processing/SKILL.md") {
		t.Fatalf("skills list: %v\n%s%s", err, out, errOut)
	}
	out, errOut, err = run("skills", "list", "--json", url)
	if err != nil || !strings.Contains(out, `"digest": "sha256:`) {
		t.Fatalf("skills list --json: %v\n%s%s", err, out, errOut)
	}

	dest := t.TempDir()
	out, errOut, err = run("skills", "pull", url, "pdf-processing", "-o", dest)
	if err != nil {
		t.Fatalf("skills pull: %v\n%s%s", err, out, errOut)
	}
	label := strings.NewReplacer(":", "%3A", "/", "%2F").Replace(url)
	dir := filepath.Join(dest, label, "skill", "pdf-processing")
	for _, p := range []string{"SKILL.md", "references/FORMS.md"} {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil || string(b) != files["pdf-processing/"+p] {
			t.Errorf("%s: %v %q\n%s", p, err, b, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dest, label, "skill", "git-workflow")); err == nil {
		t.Error("pull of one skill pulled another")
	}
	if !strings.Contains(out, "pulled skill://pdf-processing/SKILL.md (2 files") {
		t.Errorf("pull output %q", out)
	}

	bad := serve(true)
	out, errOut, err = run("skills", "pull", bad, "-o", dest)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("pull from a tampering server: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(errOut, "refused skill://pdf-processing/SKILL.md") || !strings.Contains(errOut, "digest") {
		t.Errorf("stderr %q", errOut)
	}
	badLabel := strings.NewReplacer(":", "%3A", "/", "%2F").Replace(bad)
	if _, err := os.Stat(filepath.Join(dest, badLabel, "skill", "pdf-processing")); err == nil {
		t.Error("a refused skill was written")
	}
	if _, err := os.Stat(filepath.Join(dest, badLabel, "skill", "git-workflow", "SKILL.md")); err != nil {
		t.Errorf("the untampered skill was not pulled: %v\n%s%s", err, out, errOut)
	}
}
