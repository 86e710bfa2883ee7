package skills

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/internal/skillspec"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// writeSkill writes a skill directory under root: files maps slash paths
// to contents.
func writeSkill(t *testing.T, root, name string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func skillMD(name, description string, extra ...string) string {
	return "---\nname: " + name + "\ndescription: " + description + "\n" + strings.Join(extra, "\n") + "\n---\n\n# " + name + "\n\nBody.\n"
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// pdfSkill is the fixture most tests serve: a skill with a subdirectory.
var pdfFiles = map[string]string{
	"SKILL.md":                         skillMD("pdf-processing", "Extract, fill, and assemble PDF documents", "license: Apache-2.0", "metadata:\n  version: \"2.1\"\n  tags: [pdf, forms]"),
	"references/FORMS.md":              "# Forms\n",
	"templates/invoice.md":             "Invoice template\n",
	"templates/regional/eu.md":         "EU invoice\n",
	"scripts/extract.py":               "print('extract')\n",
	"assets/logo.png":                  "\x89PNG\r\n\x1a\n\x00\x01binary",
	"templates/regional/notes (1).txt": "spaces and parentheses\n",
}

func connectMem(t *testing.T, srv *runtime.Server, version string) *mcp.ClientSession {
	t.Helper()
	ct, st := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ss, err := srv.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	return connectClient(t, ctx, ct, version)
}

func connectClient(t *testing.T, ctx context.Context, tr mcp.Transport, version string) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	for _, err := range []error{
		mcp.AddSendingCustomMethod[*skillspec.ListParams, *skillspec.ListResult](c, skillspec.MethodList),
		mcp.AddSendingCustomMethod[*skillspec.GetParams, *skillspec.GetResult](c, skillspec.MethodGet),
		mcp.AddSendingCustomMethod[*skillspec.DirectoryParams, *skillspec.DirectoryResult](c, skillspec.MethodReadDirectory),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	cs, err := c.Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func newServer(t *testing.T, p *Provider, opts *runtime.Options) *runtime.Server {
	t.Helper()
	srv := runtime.NewServer(&runtime.Implementation{Name: "skills-test", Version: "1"}, opts)
	if err := Register(srv, p); err != nil {
		t.Fatal(err)
	}
	return srv
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func readText(t *testing.T, cs *mcp.ClientSession, uri string) (*mcp.ResourceContents, error) {
	t.Helper()
	res, err := cs.ReadResource(ctx10(t), &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		return nil, err
	}
	if len(res.Contents) != 1 {
		t.Fatalf("read %s: %d contents", uri, len(res.Contents))
	}
	return res.Contents[0], nil
}

func wantCode(t *testing.T, err error, code int64, what string) {
	t.Helper()
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != code {
		t.Errorf("%s: got error %v, want JSON-RPC code %d", what, err, code)
	}
}

// TestManifestHashes checks the _manifest resource and the skills/list
// entry against digests computed here, and that every listed file reads
// back with the listed size and digest.
func TestManifestHashes(t *testing.T) {
	root := t.TempDir()
	writeSkill(t, root, "pdf-processing", pdfFiles)
	srv := newServer(t, New([]string{root}, nil), nil)
	cs := connectMem(t, srv, "2025-11-25")

	c, err := readText(t, cs, "skill://pdf-processing/_manifest")
	if err != nil {
		t.Fatal(err)
	}
	if c.MIMEType != "application/json" {
		t.Errorf("manifest MIME type %q", c.MIMEType)
	}
	var m struct {
		Skill string `json:"skill"`
		Files []struct {
			Path string `json:"path"`
			Size int64  `json:"size"`
			Hash string `json:"hash"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(c.Text), &m); err != nil {
		t.Fatal(err)
	}
	if m.Skill != "pdf-processing" || len(m.Files) != len(pdfFiles) {
		t.Fatalf("manifest %+v", m)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
		content, ok := pdfFiles[f.Path]
		if !ok {
			t.Errorf("manifest lists %q", f.Path)
			continue
		}
		if f.Size != int64(len(content)) || f.Hash != sha(content) {
			t.Errorf("%s: size %d hash %s, want %d %s", f.Path, f.Size, f.Hash, len(content), sha(content))
		}
	}
	if !slices.IsSorted(paths) {
		t.Errorf("manifest paths not sorted: %v", paths)
	}

	list, err := mcp.CallCustomMethod[*skillspec.ListParams, *skillspec.ListResult](ctx10(t), cs, skillspec.MethodList, &skillspec.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Skills) != 1 {
		t.Fatalf("skills/list: %d skills", len(list.Skills))
	}
	e := list.Skills[0]
	for _, r := range e.Resources.Files {
		c, err := readText(t, cs, r.URI)
		if err != nil {
			t.Errorf("read %s: %v", r.URI, err)
			continue
		}
		data := c.Blob
		if data == nil {
			data = []byte(c.Text)
		}
		if int64(len(data)) != r.Size || skillspec.Digest(data) != r.Digest {
			t.Errorf("%s read back as %d bytes %s, listed %d %s", r.URI, len(data), skillspec.Digest(data), r.Size, r.Digest)
		}
	}
	logo, _ := readText(t, cs, "skill://pdf-processing/assets/logo.png")
	if logo == nil || logo.MIMEType != "image/png" || logo.Blob == nil {
		t.Errorf("logo.png: %+v, want an image/png blob", logo)
	}
	md, _ := readText(t, cs, "skill://pdf-processing/SKILL.md")
	if md == nil || md.MIMEType != "text/markdown" || md.Text != pdfFiles["SKILL.md"] {
		t.Errorf("SKILL.md: %+v", md)
	}
	if c, _ := readText(t, cs, "skill://pdf-processing/templates/regional/notes%20%281%29.txt"); c == nil || c.Text != "spaces and parentheses\n" {
		t.Errorf("a file whose name needs escaping: %+v", c)
	}
}

// TestResourceMetadata checks the SKILL.md resource's list entry and the
// template.
func TestResourceMetadata(t *testing.T) {
	root := t.TempDir()
	writeSkill(t, root, "pdf-processing", pdfFiles)
	cs := connectMem(t, newServer(t, New([]string{root}, nil), nil), "2025-11-25")
	res, err := cs.ListResources(ctx10(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(res.Resources, func(r *mcp.Resource) bool { return r.URI == "skill://pdf-processing/SKILL.md" })
	if i < 0 {
		t.Fatalf("resources/list: %v", res.Resources)
	}
	r := res.Resources[i]
	if r.Name != "pdf-processing" || r.Description != "Extract, fill, and assemble PDF documents" || r.MIMEType != "text/markdown" {
		t.Errorf("SKILL.md resource %+v", r)
	}
	tmpl, err := cs.ListResourceTemplates(ctx10(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.ResourceTemplates) != 1 || tmpl.ResourceTemplates[0].URITemplate != "skill://pdf-processing/{+path}" {
		t.Errorf("templates %v", tmpl.ResourceTemplates)
	}
}

// TestTraversal reads paths that would leave the skill's directory, in
// plain and encoded forms, and a symlink that points out of it: none may
// return the secret next to the root.
func TestTraversal(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "skills")
	const secret = "TOP SECRET\n"
	if err := os.WriteFile(filepath.Join(base, "secret.txt"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := writeSkill(t, root, "x", map[string]string{"SKILL.md": skillMD("x", "traversal target"), "ok.md": "fine\n"})
	if err := os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(dir, "escape.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../secret.txt", filepath.Join(dir, "relative-escape.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("ok.md", filepath.Join(dir, "inside.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(base, filepath.Join(dir, "dirlink")); err != nil {
		t.Fatal(err)
	}
	p := New([]string{root}, nil)
	err := p.Load()
	for _, want := range []string{"escape.md", "relative-escape.md", "dirlink"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load error %v does not report %s", err, want)
		}
	}
	s := p.Skill("x")
	if s == nil {
		t.Fatal("skill x not served")
	}
	var got []string
	for _, f := range s.Files {
		got = append(got, f.Path)
	}
	if want := []string{"SKILL.md", "inside.md", "ok.md"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v (links out of the root refused, the one inside kept)", got, want)
	}

	cs := connectMem(t, newServer(t, p, nil), "2025-11-25")
	for _, uri := range []string{
		"skill://x/../../etc/passwd",
		"skill://x/../../secret.txt",
		"skill://x/../secret.txt",
		"skill://x/..%2f..%2fsecret.txt",
		"skill://x/%2e%2e%2f%2e%2e%2fsecret.txt",
		"skill://x/%2E%2E/%2E%2E/secret.txt",
		"skill://x/%252e%252e%252fsecret.txt",
		"skill://x/..%5c..%5csecret.txt",
		"skill://x/ok.md%00",
		"skill://x/%00",
		"skill://x//etc/passwd",
		"skill://x/%2Fetc%2Fpasswd",
		"skill://x/./ok.md",
		"skill://x/escape.md",
		"skill://x/relative-escape.md",
		"skill://x/dirlink/secret.txt",
		"skill://x/.",
		"skill://y/../x/ok.md",
	} {
		c, err := readText(t, cs, uri)
		if err == nil {
			t.Errorf("read %s succeeded: %+v", uri, c)
			continue
		}
		if strings.Contains(err.Error(), "TOP SECRET") {
			t.Errorf("read %s leaked the secret in its error", uri)
		}
	}
	if c, err := readText(t, cs, "skill://x/inside.md"); err != nil || c.Text != "fine\n" {
		t.Errorf("a symlink inside the skill: %v %+v", err, c)
	}

	// The second line of defence: even a path that passed the checks
	// cannot leave the directory through os.Root.
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, p := range []string{"../secret.txt", "escape.md", "relative-escape.md", "dirlink/secret.txt"} {
		if data, err := readFile(r, p, MaxBytes); err == nil {
			t.Errorf("os.Root read %s: %q", p, data)
		}
	}
}

func TestCheckPath(t *testing.T) {
	for _, p := range []string{"", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/", ".", "..", "a\\b", "a\x00b", "..\\x"} {
		if checkPath(p) == nil {
			t.Errorf("checkPath(%q) accepted it", p)
		}
	}
	for _, p := range []string{"SKILL.md", "a/b.md", "notes (1).txt", "a..b/c"} {
		if err := checkPath(p); err != nil {
			t.Errorf("checkPath(%q): %v", p, err)
		}
	}
}

// TestFirstRootWins serves two roots that both hold a skill named
// "shared": the first root's is served, everywhere.
func TestFirstRootWins(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	writeSkill(t, first, "shared", map[string]string{"SKILL.md": skillMD("shared", "from the first root"), "first.md": "1\n"})
	writeSkill(t, second, "shared", map[string]string{"SKILL.md": skillMD("shared", "from the second root"), "second.md": "2\n"})
	writeSkill(t, second, "only-second", map[string]string{"SKILL.md": skillMD("only-second", "only in the second root")})
	p := New([]string{first, second, filepath.Join(first, "missing")}, nil)
	if err := p.Load(); err != nil {
		t.Fatalf("Load: %v (a missing root is not a problem)", err)
	}
	var names []string
	for _, s := range p.Skills() {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"only-second", "shared"}) {
		t.Fatalf("skills %v", names)
	}
	if s := p.Skill("shared"); s.Root != first || s.Description != "from the first root" {
		t.Errorf("shared served from %s: %q", s.Root, s.Description)
	}
	cs := connectMem(t, newServer(t, p, nil), "2025-11-25")
	if c, err := readText(t, cs, "skill://shared/first.md"); err != nil || c.Text != "1\n" {
		t.Errorf("first.md: %v %+v", err, c)
	}
	if _, err := readText(t, cs, "skill://shared/second.md"); err == nil {
		t.Error("the second root's file of the same skill was served")
	}
}

// TestBadSkillsSkipped checks that skills breaking the rules are reported
// and skipped while the good one is served.
func TestBadSkillsSkipped(t *testing.T) {
	root := t.TempDir()
	writeSkill(t, root, "good", map[string]string{"SKILL.md": skillMD("good", "fine")})
	writeSkill(t, root, "Upper", map[string]string{"SKILL.md": skillMD("Upper", "bad name")})
	writeSkill(t, root, "two--hyphens", map[string]string{"SKILL.md": skillMD("two--hyphens", "bad name")})
	writeSkill(t, root, "-lead", map[string]string{"SKILL.md": skillMD("-lead", "bad name")})
	long := strings.Repeat("a", 65)
	writeSkill(t, root, long, map[string]string{"SKILL.md": skillMD(long, "bad name")})
	writeSkill(t, root, "mismatch", map[string]string{"SKILL.md": skillMD("other-name", "name differs from the directory")})
	writeSkill(t, root, "no-description", map[string]string{"SKILL.md": "---\nname: no-description\n---\nbody\n"})
	writeSkill(t, root, "no-frontmatter", map[string]string{"SKILL.md": "# just markdown\n"})
	writeSkill(t, root, "bad-yaml", map[string]string{"SKILL.md": "---\nname: bad-yaml\ndescription: [unclosed\n---\n"})
	writeSkill(t, root, "long-description", map[string]string{"SKILL.md": skillMD("long-description", strings.Repeat("d", 1025))})
	many := map[string]string{"SKILL.md": skillMD("too-many", "513 files")}
	for i := range MaxFiles {
		many["f/file-"+strconv.Itoa(i)] = "."
	}
	writeSkill(t, root, "too-many", many)
	big := writeSkill(t, root, "too-big", map[string]string{"SKILL.md": skillMD("too-big", "over 16 MiB")})
	if err := os.Truncate(filepath.Join(big, "SKILL.md"), MaxBytes+1); err != nil {
		t.Fatal(err)
	}
	writeSkill(t, root, "not-a-skill", map[string]string{"README.md": "no SKILL.md here"})
	writeSkill(t, root, ".hidden", map[string]string{"SKILL.md": skillMD(".hidden", "hidden")})

	p := New([]string{root}, nil)
	err := p.Load()
	if err == nil {
		t.Fatal("Load reported nothing")
	}
	for _, want := range []string{"Upper", "two--hyphens", "-lead", long, "mismatch", "no-description", "no-frontmatter", "bad-yaml", "long-description", "more than 512 files", "16777216"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load error does not mention %q:\n%v", want, err)
		}
	}
	var probs []*Problem
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var pr *Problem
		if !errors.As(e, &pr) {
			t.Errorf("%v is not a *Problem", e)
		}
		probs = append(probs, pr)
	}
	if len(probs) != 11 {
		t.Errorf("%d problems, want 11:\n%v", len(probs), err)
	}
	if names := p.Skills(); len(names) != 1 || names[0].Name != "good" {
		t.Errorf("served %v, want only good", names)
	}
}

// transports serves a fresh server for p on each transport and protocol
// version the runtime serves, and returns a connected client for each.
func transports(t *testing.T, p func() *Provider) map[string]*mcp.ClientSession {
	out := map[string]*mcp.ClientSession{}
	for _, v := range []string{"2025-11-25", "2026-07-28"} {
		out["in-memory "+v] = connectMem(t, newServer(t, p(), nil), v)

		srv := newServer(t, p(), nil)
		sr, cw := io.Pipe()
		cr, sw := io.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); srv.ServeIO(ctx, sr, sw) }()
		t.Cleanup(func() { cancel(); cw.Close(); sw.Close(); <-done })
		out["stdio "+v] = connectClient(t, ctx, &mcp.IOTransport{Reader: cr, Writer: cw}, v)

		for name, opts := range map[string]*runtime.Options{
			"http":                       nil,
			"http stateless":             {Stateless: true},
			"http stateless json (fast)": {Stateless: true, JSONResponse: true},
		} {
			hs := httptest.NewServer(newServer(t, p(), opts).Handler())
			t.Cleanup(hs.Close)
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			out[name+" "+v] = connectClient(t, ctx, &mcp.StreamableClientTransport{Endpoint: hs.URL}, v)
		}
	}
	return out
}

// TestExtensionMethods runs the extension's methods on every transport.
func TestExtensionMethods(t *testing.T) {
	root := t.TempDir()
	writeSkill(t, root, "pdf-processing", pdfFiles)
	writeSkill(t, root, "git-workflow", map[string]string{"SKILL.md": skillMD("git-workflow", "Team Git conventions")})
	writeSkill(t, root, "zeta", map[string]string{"SKILL.md": skillMD("zeta", "last")})
	provider := func() *Provider { return New([]string{root}, &Options{PageSize: 2, TTL: 5 * time.Minute}) }
	for name, cs := range transports(t, provider) {
		t.Run(name, func(t *testing.T) {
			ctx := ctx10(t)
			if v := cs.InitializeResult().ProtocolVersion; !strings.HasSuffix(name, v) {
				t.Fatalf("negotiated %s", v)
			}
			ext, ok := cs.InitializeResult().Capabilities.Extensions[ExtensionID].(map[string]any)
			if !ok || ext["directoryRead"] != true {
				t.Errorf("capabilities.extensions = %v", cs.InitializeResult().Capabilities.Extensions)
			}
			if cs.InitializeResult().Capabilities.Resources == nil {
				t.Error("no resources capability")
			}

			// skills/list, two pages of at most two.
			var entries []skillspec.Entry
			page, err := mcp.CallCustomMethod[*skillspec.ListParams, *skillspec.ListResult](ctx, cs, skillspec.MethodList, &skillspec.ListParams{})
			if err != nil {
				t.Fatal(err)
			}
			if page.ResultType != "complete" || page.TTLMs != 300000 || page.CacheScope != "public" || page.NextCursor == "" || len(page.Skills) != 2 {
				t.Fatalf("first page: %+v", page)
			}
			entries = append(entries, page.Skills...)
			page, err = mcp.CallCustomMethod[*skillspec.ListParams, *skillspec.ListResult](ctx, cs, skillspec.MethodList, &skillspec.ListParams{Cursor: page.NextCursor})
			if err != nil {
				t.Fatal(err)
			}
			if page.NextCursor != "" || len(page.Skills) != 1 {
				t.Fatalf("second page: %+v", page)
			}
			entries = append(entries, page.Skills...)
			var uris []string
			for _, e := range entries {
				uris = append(uris, e.URI)
			}
			if want := []string{"skill://git-workflow/SKILL.md", "skill://pdf-processing/SKILL.md", "skill://zeta/SKILL.md"}; !slices.Equal(uris, want) {
				t.Errorf("listed %v", uris)
			}
			pdf := entries[1]
			var fm map[string]any
			json.Unmarshal(pdf.Frontmatter, &fm)
			wantFM := map[string]any{"name": "pdf-processing", "description": "Extract, fill, and assemble PDF documents", "license": "Apache-2.0",
				"metadata": map[string]any{"version": "2.1", "tags": []any{"pdf", "forms"}}}
			if !reflect.DeepEqual(fm, wantFM) {
				t.Errorf("frontmatter %v", fm)
			}
			if len(pdf.Resources.Files) != len(pdfFiles) || !slices.ContainsFunc(pdf.Resources.Files, func(r skillspec.Resource) bool { return r.URI == pdf.URI }) {
				t.Errorf("resources %+v", pdf.Resources)
			}
			if _, err := mcp.CallCustomMethod[*skillspec.ListParams, *skillspec.ListResult](ctx, cs, skillspec.MethodList, &skillspec.ListParams{Cursor: "bogus"}); err == nil {
				t.Error("skills/list accepted a bogus cursor")
			}

			// skills/get
			got, err := mcp.CallCustomMethod[*skillspec.GetParams, *skillspec.GetResult](ctx, cs, skillspec.MethodGet, &skillspec.GetParams{URI: "skill://pdf-processing/SKILL.md"})
			if err != nil {
				t.Fatal(err)
			}
			if got.ResultType != "complete" || got.TTLMs != 300000 || got.CacheScope != "public" || got.Skill == nil || !reflect.DeepEqual(*got.Skill, pdf) {
				t.Errorf("skills/get: %+v", got)
			}
			for _, uri := range []string{"skill://mcp-conformance-nonexistent-skill-9f3a2b/SKILL.md", "skill://pdf-processing/references/FORMS.md", "skill://pdf-processing", "https://example.com/SKILL.md", ""} {
				_, err := mcp.CallCustomMethod[*skillspec.GetParams, *skillspec.GetResult](ctx, cs, skillspec.MethodGet, &skillspec.GetParams{URI: uri})
				wantCode(t, err, jsonrpc.CodeInvalidParams, "skills/get "+uri)
			}

			// resources/directory/read
			dir := func(uri, cursor string) (*skillspec.DirectoryResult, error) {
				return mcp.CallCustomMethod[*skillspec.DirectoryParams, *skillspec.DirectoryResult](ctx, cs, skillspec.MethodReadDirectory, &skillspec.DirectoryParams{URI: uri, Cursor: cursor})
			}
			var children []string
			for cursor, pages := "", 0; ; pages++ {
				d, err := dir("skill://pdf-processing", cursor)
				if err != nil {
					t.Fatal(err)
				}
				if d.ResultType != "complete" || pages > 10 {
					t.Fatalf("directory page %+v", d)
				}
				for _, r := range d.Resources {
					children = append(children, r.Name+" "+r.MIMEType)
				}
				if cursor = d.NextCursor; cursor == "" {
					break
				}
			}
			if want := []string{"SKILL.md text/markdown", "assets inode/directory", "references inode/directory", "scripts inode/directory", "templates inode/directory"}; !slices.Equal(children, want) {
				t.Errorf("children of the root %v", children)
			}
			d, err := dir("skill://pdf-processing/templates", "")
			if err != nil {
				t.Fatal(err)
			}
			var sub []string
			for _, r := range d.Resources {
				sub = append(sub, r.URI+" "+r.MIMEType)
			}
			if want := []string{"skill://pdf-processing/templates/invoice.md text/markdown", "skill://pdf-processing/templates/regional inode/directory"}; !slices.Equal(sub, want) {
				t.Errorf("children of templates %v", sub)
			}
			for _, uri := range []string{"skill://pdf-processing/SKILL.md", "skill://pdf-processing/templates/invoice.md", "skill://pdf-processing/nope", "skill://nope", "skill://pdf-processing/_manifest", "skill://pdf-processing/..", "skill://pdf-processing/%2e%2e", "file:///etc"} {
				_, err := dir(uri, "")
				wantCode(t, err, jsonrpc.CodeInvalidParams, "resources/directory/read "+uri)
			}
		})
	}
}

// TestReload adds, changes and removes skills on disk: Load and the poll
// pick them up, skills/get answers with current digests, and watchers hear
// of each change.
func TestReload(t *testing.T) {
	root := t.TempDir()
	writeSkill(t, root, "alpha", map[string]string{"SKILL.md": skillMD("alpha", "first"), "a.md": "one\n"})
	p := New([]string{root}, &Options{Poll: 10 * time.Millisecond})
	changed := make(chan struct{}, 16)
	stop := p.Watch(func() { changed <- struct{}{} })
	defer stop()
	if err := p.Load(); err != nil {
		t.Fatal(err)
	}
	<-changed // the first load
	before := p.Skill("alpha")

	// Nothing changed: the same skill, no notification, no rehash.
	if p.Load(); p.Skill("alpha") != before {
		t.Error("an unchanged skill was read again")
	}

	writeSkill(t, root, "beta", map[string]string{"SKILL.md": skillMD("beta", "second")})
	waitFor(t, changed, func() bool { return p.Skill("beta") != nil }, "the poll to pick up beta")

	// skills/get rescans the skill, so the digest is current at once.
	srv := newServer(t, New([]string{root}, nil), nil)
	cs := connectMem(t, srv, "2025-11-25")
	writeSkill(t, root, "alpha", map[string]string{"a.md": "changed content\n"})
	got, err := mcp.CallCustomMethod[*skillspec.GetParams, *skillspec.GetResult](ctx10(t), cs, skillspec.MethodGet, &skillspec.GetParams{URI: "skill://alpha/SKILL.md"})
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(got.Skill.Resources.Files, func(r skillspec.Resource) bool { return r.URI == "skill://alpha/a.md" }); i < 0 || got.Skill.Resources.Files[i].Digest != sha("changed content\n") {
		t.Errorf("skills/get after a change: %+v", got.Skill.Resources)
	}

	os.RemoveAll(filepath.Join(root, "beta"))
	waitFor(t, changed, func() bool { return p.Skill("beta") == nil }, "the poll to drop beta")
}

// waitFor waits for notifications until cond holds (bounded by the test's
// timeout, not by a timer).
func waitFor(t *testing.T, changed chan struct{}, cond func() bool, what string) {
	t.Helper()
	ctx := ctx10(t)
	for !cond() {
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("waiting for %s", what)
		}
	}
}

func TestRegisterTwice(t *testing.T) {
	srv := newServer(t, New([]string{t.TempDir()}, nil), nil)
	if err := Register(srv, New(nil, nil)); err == nil {
		t.Error("a second Register on one server succeeded")
	}
	if err := Register(nil, New(nil, nil)); err == nil {
		t.Error("Register on a nil server succeeded")
	}
}

// TestHostileParams sends the extension's methods malformed and oversized
// params over stdio: each gets a JSON-RPC error with its id, and the
// session goes on.
func TestHostileParams(t *testing.T) {
	root := t.TempDir()
	writeSkill(t, root, "x", map[string]string{"SKILL.md": skillMD("x", "target"), "sub/a.md": "a\n"})
	srv := newServer(t, New([]string{root}, &Options{PageSize: 1}), nil)
	sr, cw := io.Pipe()
	cr, sw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.ServeIO(ctx, sr, sw) }()
	defer func() { cancel(); cw.Close(); sw.Close(); <-done }()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(cr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() map[string]any {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the session ended")
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			return m
		case <-ctx10(t).Done():
			t.Fatal("no answer")
		}
		return nil
	}
	send := func(s string) { io.WriteString(cw, s+"\n") }
	send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"h","version":"1"}}}`)
	next()
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	long := strings.Repeat("a", 1<<19)
	for i, params := range []string{
		`{"uri":5}`,
		`{"uri":"skill://x/SKILL.md","cursor":{"x":1}}`,
		`{"uri":"skill://` + long + `/SKILL.md"}`,
		`{"uri":"skill://x/` + long + `"}`,
		`{"uri":"skill://x","cursor":"o-5"}`,
		`{"uri":"skill://x","cursor":"o99999999999999999999999"}`,
		`{"uri":"skill://x","cursor":"` + long + `"}`,
		`{"uri":"skill://x/sub/%zz"}`,
		`[1,2]`,
		`null`,
	} {
		for _, method := range []string{skillspec.MethodList, skillspec.MethodGet, skillspec.MethodReadDirectory} {
			id := i*10 + len(method)
			send(`{"jsonrpc":"2.0","id":` + strconv.Itoa(id) + `,"method":"` + method + `","params":` + params + `}`)
			m := next()
			if m["id"] != float64(id) {
				t.Fatalf("%s %s: answer %v", method, params[:min(len(params), 60)], m)
			}
			if method == skillspec.MethodList && (params == "null" || strings.HasPrefix(params, `{"uri":`) && !strings.Contains(params, "cursor")) {
				continue // a list without a cursor is a list
			}
			if method == skillspec.MethodGet && strings.HasPrefix(params, `{"uri":"skill://x/SKILL.md"`) {
				continue // an unknown field is ignored
			}
			if m["error"] == nil {
				t.Errorf("%s %s: no error: %v", method, params[:min(len(params), 60)], m)
			}
		}
	}
	send(`{"jsonrpc":"2.0","id":"last","method":"ping"}`)
	if m := next(); m["id"] != "last" || m["result"] == nil {
		t.Errorf("ping after the attack: %v", m)
	}
}

// TestSymlinkedSkillDir serves a skill whose directory in the root is a
// symlink to a directory elsewhere, as agents' install scripts make them.
func TestSymlinkedSkillDir(t *testing.T) {
	root, elsewhere := t.TempDir(), t.TempDir()
	target := writeSkill(t, elsewhere, "linked", map[string]string{"SKILL.md": skillMD("linked", "lives elsewhere"), "a.md": "a\n"})
	if err := os.Symlink(target, filepath.Join(root, "linked")); err != nil {
		t.Fatal(err)
	}
	p := New([]string{root}, nil)
	if err := p.Load(); err != nil {
		t.Fatal(err)
	}
	if s := p.Skill("linked"); s == nil || len(s.Files) != 2 {
		t.Fatalf("linked skill: %+v", s)
	}
	cs := connectMem(t, newServer(t, p, nil), "2025-11-25")
	if c, err := readText(t, cs, "skill://linked/a.md"); err != nil || c.Text != "a\n" {
		t.Errorf("read: %v %+v", err, c)
	}
}

// The extension's methods see the request's view: a skill whose SKILL.md
// the session cannot read (here hidden by a visibility rule of that
// session) is neither listed, nor got, nor its directory read, while
// another session still sees it.
func TestMethodsFollowTheView(t *testing.T) {
	root := t.TempDir()
	writeSkill(t, root, "alpha", map[string]string{"SKILL.md": skillMD("alpha", "first")})
	writeSkill(t, root, "beta", map[string]string{"SKILL.md": skillMD("beta", "second"), "notes/a.md": "a\n"})
	srv := newServer(t, New([]string{root}, nil), nil)
	err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{{
		Name: "hide_beta", Description: "hides beta from this session", InputSchema: json.RawMessage(`{"type":"object"}`),
		Handler: func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.DisableComponents(ctx, runtime.Match{Names: []string{"beta", "beta/_manifest", "beta/files"}}); err != nil {
				return nil, err
			}
			return runtime.TextResult("hidden"), nil
		},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	listed := func(cs *mcp.ClientSession) []string {
		t.Helper()
		res, err := mcp.CallCustomMethod[*skillspec.ListParams, *skillspec.ListResult](ctx10(t), cs, skillspec.MethodList, &skillspec.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		var uris []string
		for _, e := range res.Skills {
			uris = append(uris, e.URI)
		}
		return uris
	}
	hider, other := connectMem(t, srv, "2025-11-25"), connectMem(t, srv, "2025-11-25")
	both := []string{"skill://alpha/SKILL.md", "skill://beta/SKILL.md"}
	if got := listed(hider); !slices.Equal(got, both) {
		t.Fatalf("before: %v", got)
	}
	if _, err := hider.CallTool(ctx10(t), &mcp.CallToolParams{Name: "hide_beta"}); err != nil {
		t.Fatal(err)
	}
	if _, err := readText(t, hider, "skill://beta/SKILL.md"); err == nil {
		t.Fatal("the rule did not hide beta's SKILL.md from resources/read")
	}
	if got := listed(hider); !slices.Equal(got, []string{"skill://alpha/SKILL.md"}) {
		t.Errorf("skills/list after hiding beta: %v", got)
	}
	_, err = mcp.CallCustomMethod[*skillspec.GetParams, *skillspec.GetResult](ctx10(t), hider, skillspec.MethodGet, &skillspec.GetParams{URI: "skill://beta/SKILL.md"})
	wantCode(t, err, jsonrpc.CodeInvalidParams, "skills/get of a hidden skill")
	_, err = mcp.CallCustomMethod[*skillspec.DirectoryParams, *skillspec.DirectoryResult](ctx10(t), hider, skillspec.MethodReadDirectory, &skillspec.DirectoryParams{URI: "skill://beta/notes"})
	wantCode(t, err, jsonrpc.CodeInvalidParams, "resources/directory/read in a hidden skill")
	if got := listed(other); !slices.Equal(got, both) {
		t.Errorf("another session's skills/list: %v", got)
	}
}
