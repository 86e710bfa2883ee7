package skills_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/mcpgen/mcpgen/runtime/skills"
)

// The README's skills snippets: a server over ./skills and the Claude
// Code roots, and a client that lists and downloads, over HTTP on
// 127.0.0.1.
func TestReadmeSkills(t *testing.T) {
	readmePath, _ := filepath.Abs("../../README.md")
	self, _ := filepath.Abs("example_test.go")
	work, home := t.TempDir(), t.TempDir()
	t.Chdir(work)
	t.Setenv("HOME", home)
	for p, content := range map[string]string{
		"skills/release-notes/SKILL.md":           "---\nname: release-notes\ndescription: Write release notes from merged changes\n---\n\nUse templates/notes.md.\n",
		"skills/release-notes/templates/notes.md": "## Changes\n",
		// The Claude Code root holds a skill of the same name: ./skills,
		// the first root, wins.
		filepath.Join(home, ".claude/skills/release-notes/SKILL.md"): "---\nname: release-notes\ndescription: shadowed\n---\n",
		filepath.Join(home, ".claude/skills/pdf/SKILL.md"):           "---\nname: pdf\ndescription: Fill PDF forms\n---\n",
	} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := runtime.NewServer(&runtime.Implementation{Name: "docs", Version: "1"}, nil)

	// README: skills
	roots := append([]string{"./skills"}, skills.Claude.PersonalRoots()...) // ~/.claude/skills
	p := skills.New(roots, &skills.Options{Poll: 2 * time.Second})
	if err := skills.Register(srv, p); err != nil {
		t.Fatal(err)
	}
	// README end

	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cacheDir := t.TempDir()

	// README: skills-client
	cs, err := client.Connect(ctx, hs.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	list, err := client.ListSkills(ctx, cs) // skills/list: entries only, no file is read
	if err != nil {
		t.Fatal(err)
	}
	for _, sk := range list {
		// SKILL.md first, then each file; sizes, digests and front matter checked.
		dir, err := client.DownloadSkill(ctx, cs, hs.URL, cacheDir, sk)
		if err != nil {
			t.Fatal(err) // a *client.VerificationError for a tampered skill
		}
		t.Logf("%s (%s) in %s", sk.Name(), sk.Description(), dir)
	}
	// README end

	if len(list) != 2 || list[1].Description() != "Write release notes from merged changes" {
		t.Fatalf("listed %+v", list)
	}
	dir, _ := client.SkillDir(cacheDir, hs.URL, list[1])
	if b, err := os.ReadFile(filepath.Join(dir, "templates", "notes.md")); err != nil || string(b) != "## Changes\n" {
		t.Errorf("downloaded notes.md: %v %q", err, b)
	}
	readme.Check(t, readmePath, self, "skills", "skills-client")
}
