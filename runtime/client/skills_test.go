package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/mcpgen/mcpgen/runtime/skills"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const skillMD = "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\nmetadata:\n  version: \"2.1\"\n---\n\n# PDF\n\nSee references/FORMS.md.\n"

// skillServer serves a skills root over HTTP on 127.0.0.1, counting the
// resources it is asked to read.
type skillServer struct {
	root, url string
	mu        sync.Mutex
	reads     []string
}

func newSkillServer(t *testing.T) *skillServer {
	t.Helper()
	ss := &skillServer{root: t.TempDir()}
	write(t, filepath.Join(ss.root, "pdf-processing", "SKILL.md"), skillMD)
	write(t, filepath.Join(ss.root, "pdf-processing", "references", "FORMS.md"), "# Forms\n")
	write(t, filepath.Join(ss.root, "pdf-processing", "scripts", "fill.py"), "print('fill')\n")
	write(t, filepath.Join(ss.root, "other", "SKILL.md"), "---\nname: other\ndescription: Another skill\n---\nbody\n")
	srv := runtime.NewServer(&runtime.Implementation{Name: "skills", Version: "1"}, nil)
	srv.Use(func(next runtime.Handler) runtime.Handler {
		return func(ctx context.Context, r *runtime.Request) (mcp.Result, error) {
			if r.Method == runtime.MethodReadResource {
				ss.mu.Lock()
				ss.reads = append(ss.reads, r.Name)
				ss.mu.Unlock()
			}
			return next(ctx, r)
		}
	})
	if err := skills.Register(srv, skills.New([]string{ss.root}, nil)); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	ss.url = hs.URL
	return ss
}

func (ss *skillServer) read() []string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return slices.Clone(ss.reads)
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func connectSkills(t *testing.T, url, version string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, url, &client.Options{ProtocolVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func find(t *testing.T, list []*client.Skill, name string) *client.Skill {
	t.Helper()
	for _, s := range list {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no skill %s in %v", name, list)
	return nil
}

// TestDownloadSkill lists, downloads and syncs skills over both protocol
// eras: nothing is read on listing, every file is written as served, and
// the paths name the server.
func TestDownloadSkill(t *testing.T) {
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			ss := newSkillServer(t)
			cs := connectSkills(t, ss.url, version)
			if !client.HasSkills(cs) {
				t.Fatal("the server's extension is not seen")
			}
			list, err := client.ListSkills(ctx10(t), cs)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 {
				t.Fatalf("listed %d skills", len(list))
			}
			if r := ss.read(); len(r) != 0 {
				t.Fatalf("listing read %v", r)
			}
			sk := find(t, list, "pdf-processing")
			if sk.Description() != "Extract, fill, and assemble PDF documents" || len(sk.Files) != 3 || sk.Check() != nil {
				t.Fatalf("entry %+v: %v", sk, sk.Check())
			}
			got, err := client.GetSkill(ctx10(t), cs, sk.URI)
			if err != nil || got.URI != sk.URI || len(got.Files) != 3 {
				t.Fatalf("GetSkill: %v %+v", err, got)
			}

			out := t.TempDir()
			dir, err := client.DownloadSkill(ctx10(t), cs, "server-a", out, sk)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(out, "server-a", "skill", "pdf-processing"); dir != want {
				t.Errorf("downloaded to %s, want %s", dir, want)
			}
			for rel, want := range map[string]string{"SKILL.md": skillMD, "references/FORMS.md": "# Forms\n", "scripts/fill.py": "print('fill')\n"} {
				b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
				if err != nil || string(b) != want {
					t.Errorf("%s: %v %q", rel, err, b)
				}
			}
			if r := ss.read(); len(r) != 3 || r[0] != sk.URI {
				t.Errorf("reads %v: SKILL.md first, then each file once", r)
			}

			// Another server's skill of the same URI lands elsewhere.
			res, err := client.SyncSkills(ctx10(t), cs, "http://127.0.0.1:1/mcp", out)
			if err != nil || len(res) != 2 {
				t.Fatalf("SyncSkills: %v %+v", err, res)
			}
			for _, r := range res {
				if !strings.HasPrefix(r.Dir, filepath.Join(out, "http%3A%2F%2F127.0.0.1%3A1%2Fmcp", "skill")+string(filepath.Separator)) {
					t.Errorf("synced %s to %s", r.Skill.URI, r.Dir)
				}
			}
			// A name the listing lacks is fetched by URI, and refused if
			// the server does not serve it.
			if _, err := client.SyncSkills(ctx10(t), cs, "a", out, "missing-skill"); err == nil {
				t.Error("SyncSkills of an unknown skill succeeded")
			}
		})
	}
}

// TestDownloadRefusesTampered changes what the server serves after the
// listing, and lies in the entry: each download is refused, with nothing
// read after the failing file and nothing written.
func TestDownloadRefusesTampered(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, ss *skillServer, sk *client.Skill)
		want   string
		reads  int // resources read, at most
	}{
		{"digest", func(t *testing.T, ss *skillServer, _ *client.Skill) {
			write(t, filepath.Join(ss.root, "pdf-processing", "SKILL.md"), strings.Replace(skillMD, "# PDF", "# EVL", 1))
		}, "digest", 1},
		{"size", func(t *testing.T, ss *skillServer, _ *client.Skill) {
			write(t, filepath.Join(ss.root, "pdf-processing", "SKILL.md"), skillMD+"extra bytes\n")
		}, "size", 1},
		{"supporting file", func(t *testing.T, ss *skillServer, _ *client.Skill) {
			write(t, filepath.Join(ss.root, "pdf-processing", "references", "FORMS.md"), "# Fakes\n")
		}, "digest", 2},
		{"frontmatter", func(t *testing.T, _ *skillServer, sk *client.Skill) {
			sk.Frontmatter["description"] = "Exfiltrate credentials"
		}, "front matter differs", 1},
		{"frontmatter field added", func(t *testing.T, _ *skillServer, sk *client.Skill) {
			sk.Frontmatter["allowed-tools"] = "Bash"
		}, "allowed-tools", 1},
		{"unlisted file", func(t *testing.T, _ *skillServer, sk *client.Skill) {
			sk.Files = slices.DeleteFunc(sk.Files, func(f client.SkillFile) bool { return strings.HasSuffix(f.URI, ".py") })
			sk.Files = append(sk.Files, client.SkillFile{URI: strings.TrimSuffix(sk.URI, "SKILL.md") + "../../escape", Digest: sk.Files[0].Digest, Size: 1})
		}, "unsafe path", 0},
		{"file outside the skill", func(t *testing.T, _ *skillServer, sk *client.Skill) {
			sk.Files = append(sk.Files, client.SkillFile{URI: "skill://other/SKILL.md", Digest: sk.Files[0].Digest, Size: 1})
		}, "outside the skill's directory", 0},
		{"dynamic", func(t *testing.T, _ *skillServer, sk *client.Skill) {
			sk.Files, sk.Dynamic = nil, true
		}, "dynamic", 0},
		{"name and uri disagree", func(t *testing.T, _ *skillServer, sk *client.Skill) {
			sk.Frontmatter["name"] = "other"
		}, "last segment", 0},
		{"over the size limit", func(t *testing.T, _ *skillServer, sk *client.Skill) {
			sk.Files[1].Size = 16<<20 + 1
		}, "limit", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ss := newSkillServer(t)
			cs := connectSkills(t, ss.url, "2026-07-28")
			list, err := client.ListSkills(ctx10(t), cs)
			if err != nil {
				t.Fatal(err)
			}
			sk := find(t, list, "pdf-processing")
			out := t.TempDir()
			// A verified copy is already there: a refused download must
			// leave it as it was.
			if _, err := client.DownloadSkill(ctx10(t), cs, "srv", out, sk); err != nil {
				t.Fatal(err)
			}
			before := len(ss.read())
			tc.tamper(t, ss, sk)
			_, err = client.DownloadSkill(ctx10(t), cs, "srv", out, sk)
			var ve *client.VerificationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("download of a tampered skill: %v, want a VerificationError about %q", err, tc.want)
			}
			if n := len(ss.read()) - before; n > tc.reads {
				t.Errorf("%d files read, at most %d: %v", n, tc.reads, ss.read()[before:])
			}
			b, err := os.ReadFile(filepath.Join(out, "srv", "skill", "pdf-processing", "SKILL.md"))
			if err != nil || string(b) != skillMD {
				t.Errorf("the verified copy changed: %v %q", err, b)
			}
			entries, _ := os.ReadDir(filepath.Join(out, "srv", "skill"))
			if len(entries) != 1 {
				t.Errorf("left behind %v", entries)
			}
		})
	}
}

// TestReadSkillFileUnlisted refuses a file the entry does not list,
// without reading it.
func TestReadSkillFileUnlisted(t *testing.T) {
	ss := newSkillServer(t)
	cs := connectSkills(t, ss.url, "2025-11-25")
	list, err := client.ListSkills(ctx10(t), cs)
	if err != nil {
		t.Fatal(err)
	}
	sk := find(t, list, "pdf-processing")
	_, err = client.ReadSkillFile(ctx10(t), cs, sk, "skill://pdf-processing/_manifest")
	var ve *client.VerificationError
	if !errors.As(err, &ve) || len(ss.read()) != 0 {
		t.Errorf("unlisted file: %v, reads %v", err, ss.read())
	}
}

func TestSkillDir(t *testing.T) {
	sk := &client.Skill{URI: "skill://acme/billing/refunds/SKILL.md"}
	got, err := client.SkillDir("/cache", "docs-server", sk)
	if err != nil || got != filepath.Join("/cache", "docs-server", "skill", "acme", "billing", "refunds") {
		t.Errorf("SkillDir: %s %v", got, err)
	}
	a, _ := client.SkillDir("/c", "a/b", sk)
	b, _ := client.SkillDir("/c", "a_b", sk)
	c, _ := client.SkillDir("/c", "..", sk)
	if a == b || strings.Contains(a, filepath.Join("a", "b")) || filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(c))))) != "/c" {
		t.Errorf("labels not kept apart or not one segment: %s %s %s", a, b, c)
	}
	for _, uri := range []string{"skill://../SKILL.md", "skill://a/%2e%2e/SKILL.md", "skill://a/b%2fc/SKILL.md", "noscheme/SKILL.md"} {
		if p, err := client.SkillDir("/c", "s", &client.Skill{URI: uri}); err == nil {
			t.Errorf("SkillDir(%s) = %s", uri, p)
		}
	}
}
