package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/mcpgen/mcpgen/runtime/internal/skillspec"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The client side of the skills extension, io.modelcontextprotocol/skills
// (SEP-2640): list a server's skills, get one by URI, and load or download
// one, verifying every file against the skill's entry. Nothing is read
// ahead of need: listing reads no file, and a download reads SKILL.md first
// and stops at the first file that fails verification.

// SkillsExtension identifies the skills extension in capabilities.
const SkillsExtension = skillspec.ExtensionID

// Skill is a skill's entry, from skills/list or skills/get.
type Skill struct {
	// URI is the URI of the skill's SKILL.md.
	URI string
	// Frontmatter is the SKILL.md front matter, as the server rendered it.
	Frontmatter map[string]any
	// Files are every file of the skill, SKILL.md included, each with its
	// digest and size; nil when Dynamic.
	Files []SkillFile
	// Dynamic is set when the server publishes no stable digests
	// ("resources": "dynamic"): such a skill cannot be verified, and
	// DownloadSkill refuses it.
	Dynamic bool
}

// SkillFile is one file of a skill's entry.
type SkillFile struct {
	URI    string
	Digest string // "sha256:" and 64 lowercase hexadecimal digits
	Size   int64
}

// Name returns the skill's name, from its front matter.
func (s *Skill) Name() string { v, _ := s.Frontmatter["name"].(string); return v }

// Description returns the skill's description, from its front matter.
func (s *Skill) Description() string { v, _ := s.Frontmatter["description"].(string); return v }

// Size returns the sum of the sizes of the skill's files.
func (s *Skill) Size() int64 {
	var n int64
	for _, f := range s.Files {
		n += f.Size
	}
	return n
}

// Dir returns the URI of the skill's directory: URI without "/SKILL.md".
func (s *Skill) Dir() string { return strings.TrimSuffix(s.URI, "/"+skillspec.SkillFile) }

// File returns the entry of the file at uri, or nil if the skill does not
// list it.
func (s *Skill) File(uri string) *SkillFile {
	for i := range s.Files {
		if s.Files[i].URI == uri {
			return &s.Files[i]
		}
	}
	return nil
}

// AddSkillMethods registers the extension's methods on c, so that its
// sessions can call them (go-sdk needs custom methods registered on the
// client). Clients made by Connect and ConnectCommand have them.
func AddSkillMethods(c *mcp.Client) error {
	return errors.Join(
		mcp.AddSendingCustomMethod[*skillspec.ListParams, *skillspec.ListResult](c, skillspec.MethodList),
		mcp.AddSendingCustomMethod[*skillspec.GetParams, *skillspec.GetResult](c, skillspec.MethodGet),
		mcp.AddSendingCustomMethod[*skillspec.DirectoryParams, *skillspec.DirectoryResult](c, skillspec.MethodReadDirectory),
	)
}

// HasSkills reports whether the server declared the skills extension.
func HasSkills(s *mcp.ClientSession) bool {
	ir := s.InitializeResult()
	if ir == nil || ir.Capabilities == nil {
		return false
	}
	_, ok := ir.Capabilities.Extensions[SkillsExtension]
	return ok
}

// maxSkillPages bounds the pages ListSkills follows.
const maxSkillPages = 1000

// ListSkills returns the server's skills, following skills/list's pages to
// the end. It reads no skill file.
func ListSkills(ctx context.Context, s *mcp.ClientSession) ([]*Skill, error) {
	var out []*Skill
	seen := map[string]bool{}
	cursor := ""
	for range maxSkillPages {
		res, err := mcp.CallCustomMethod[*skillspec.ListParams, *skillspec.ListResult](ctx, s, skillspec.MethodList, &skillspec.ListParams{Cursor: cursor})
		if err != nil {
			return nil, fmt.Errorf("skills/list: %w", err)
		}
		for i := range res.Skills {
			sk, err := fromEntry(&res.Skills[i])
			if err != nil {
				return nil, fmt.Errorf("skills/list: %w", err)
			}
			out = append(out, sk)
		}
		if res.NextCursor == "" {
			return out, nil
		}
		if seen[res.NextCursor] {
			return nil, fmt.Errorf("skills/list: the server repeated the cursor %q", res.NextCursor)
		}
		seen[res.NextCursor] = true
		cursor = res.NextCursor
	}
	return nil, fmt.Errorf("skills/list: more than %d pages", maxSkillPages)
}

// GetSkill returns the entry of the skill whose SKILL.md is at uri, as the
// server serves it now.
func GetSkill(ctx context.Context, s *mcp.ClientSession, uri string) (*Skill, error) {
	res, err := mcp.CallCustomMethod[*skillspec.GetParams, *skillspec.GetResult](ctx, s, skillspec.MethodGet, &skillspec.GetParams{URI: uri})
	if err != nil {
		return nil, fmt.Errorf("skills/get %s: %w", uri, err)
	}
	if res.Skill == nil {
		return nil, fmt.Errorf("skills/get %s: the result has no skill", uri)
	}
	sk, err := fromEntry(res.Skill)
	if err != nil {
		return nil, fmt.Errorf("skills/get %s: %w", uri, err)
	}
	if sk.URI != uri {
		return nil, fmt.Errorf("skills/get %s: the server answered for %s", uri, sk.URI)
	}
	return sk, nil
}

// ReadDirectory lists the direct children of a directory resource
// (resources/directory/read, for servers that declare directoryRead),
// following its pages.
func ReadDirectory(ctx context.Context, s *mcp.ClientSession, uri string) ([]*mcp.Resource, error) {
	var out []*mcp.Resource
	seen := map[string]bool{}
	cursor := ""
	for range maxSkillPages {
		res, err := mcp.CallCustomMethod[*skillspec.DirectoryParams, *skillspec.DirectoryResult](ctx, s, skillspec.MethodReadDirectory, &skillspec.DirectoryParams{URI: uri, Cursor: cursor})
		if err != nil {
			return nil, fmt.Errorf("resources/directory/read %s: %w", uri, err)
		}
		out = append(out, res.Resources...)
		if res.NextCursor == "" || seen[res.NextCursor] {
			return out, nil
		}
		seen[res.NextCursor] = true
		cursor = res.NextCursor
	}
	return out, nil
}

// fromEntry decodes a wire entry.
func fromEntry(e *skillspec.Entry) (*Skill, error) {
	sk := &Skill{URI: e.URI, Dynamic: e.Resources.Dynamic}
	if len(e.Frontmatter) == 0 || json.Unmarshal(e.Frontmatter, &sk.Frontmatter) != nil || sk.Frontmatter == nil {
		return nil, fmt.Errorf("skill %s: the entry's frontmatter is not an object", e.URI)
	}
	if !e.Resources.Set {
		return nil, fmt.Errorf("skill %s: the entry has no resources", e.URI)
	}
	for _, r := range e.Resources.Files {
		sk.Files = append(sk.Files, SkillFile(r))
	}
	return sk, nil
}

// VerificationError says that a skill or one of its files is not what its
// entry describes: a digest or size mismatch, different front matter, a
// file the entry does not list, or an entry that breaks the extension's
// rules. The content must not be used.
type VerificationError struct {
	Skill, URI string
	Reason     string
}

func (e *VerificationError) Error() string {
	if e.URI == "" || e.URI == e.Skill {
		return fmt.Sprintf("skill %s refused: %s", e.Skill, e.Reason)
	}
	return fmt.Sprintf("skill %s refused: %s: %s", e.Skill, e.URI, e.Reason)
}

var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// Check checks that the entry is one a host may load: a SKILL.md URI whose
// last directory segment is the front matter's name, a valid name and
// description, a complete list of files inside the skill's directory
// (SKILL.md included, each once, with a well-formed digest and size), and
// the extension's limits of 512 files and 16 MiB.
func (s *Skill) Check() error {
	fail := func(format string, args ...any) error {
		return &VerificationError{Skill: s.URI, Reason: fmt.Sprintf(format, args...)}
	}
	if !strings.HasSuffix(s.URI, "/"+skillspec.SkillFile) || !strings.Contains(s.URI, "://") {
		return fail("the entry's uri does not name a SKILL.md")
	}
	dir := s.Dir()
	last := dir[strings.LastIndex(dir, "/")+1:]
	if err := skillspec.ValidName(s.Name()); err != nil {
		return fail("front matter: %v", err)
	}
	if last != s.Name() {
		return fail("the uri's last segment %q is not the front matter's name %q", last, s.Name())
	}
	if s.Description() == "" {
		return fail("the front matter has no description")
	}
	if s.Dynamic {
		return fail(`its resources are "dynamic": the server publishes no digests to verify them against`)
	}
	if len(s.Files) > skillspec.MaxFiles {
		return fail("%d files, more than the extension's limit of %d", len(s.Files), skillspec.MaxFiles)
	}
	if n := s.Size(); n > skillspec.MaxBytes {
		return fail("%d bytes, more than the extension's limit of %d", n, skillspec.MaxBytes)
	}
	seen := map[string]bool{}
	for _, f := range s.Files {
		switch {
		case seen[f.URI]:
			return fail("%s is listed twice", f.URI)
		case f.URI != s.URI && !strings.HasPrefix(f.URI, dir+"/"):
			return fail("%s is outside the skill's directory %s", f.URI, dir)
		case !digestPattern.MatchString(f.Digest):
			return fail("%s: digest %q is not sha256: and 64 lowercase hex digits", f.URI, f.Digest)
		case f.Size < 0:
			return fail("%s: negative size", f.URI)
		}
		if _, err := relPath(dir, f.URI); err != nil {
			return fail("%s: %v", f.URI, err)
		}
		seen[f.URI] = true
	}
	if !seen[s.URI] {
		return fail("the entry does not list its SKILL.md")
	}
	return nil
}

// ReadSkillFile reads one file of a skill and verifies it against the
// skill's entry: a file the entry does not list is refused unread, and one
// whose size or digest differs is refused (a *VerificationError).
func ReadSkillFile(ctx context.Context, s *mcp.ClientSession, sk *Skill, uri string) ([]byte, error) {
	f := sk.File(uri)
	if f == nil {
		return nil, &VerificationError{Skill: sk.URI, URI: uri, Reason: "the skill's entry does not list this file"}
	}
	rc, err := ReadResource(ctx, s, uri)
	if err != nil {
		return nil, err
	}
	data := rc.Blob
	if rc.Blob == nil {
		data = []byte(rc.Text)
	}
	if int64(len(data)) != f.Size {
		return nil, &VerificationError{Skill: sk.URI, URI: uri, Reason: fmt.Sprintf("size %d, the entry says %d", len(data), f.Size)}
	}
	if d := skillspec.Digest(data); d != f.Digest {
		return nil, &VerificationError{Skill: sk.URI, URI: uri, Reason: fmt.Sprintf("digest %s, the entry says %s", d, f.Digest)}
	}
	return data, nil
}

// LoadSkill reads a skill's SKILL.md, verifies it against the entry (the
// entry's rules, size, digest) and compares its front matter with the
// entry's, field by field. It returns the verified SKILL.md.
func LoadSkill(ctx context.Context, s *mcp.ClientSession, sk *Skill) ([]byte, error) {
	if err := sk.Check(); err != nil {
		return nil, err
	}
	data, err := ReadSkillFile(ctx, s, sk, sk.URI)
	if err != nil {
		return nil, err
	}
	if err := sameFrontmatter(sk, data); err != nil {
		return nil, err
	}
	return data, nil
}

// sameFrontmatter compares the front matter of a SKILL.md with the entry's.
func sameFrontmatter(sk *Skill, data []byte) error {
	fail := func(format string, args ...any) error {
		return &VerificationError{Skill: sk.URI, URI: sk.URI, Reason: fmt.Sprintf(format, args...)}
	}
	fm, err := skillspec.ParseFrontmatter(data)
	if err != nil {
		return fail("%v", err)
	}
	var file map[string]any
	if err := json.Unmarshal(fm.JSON, &file); err != nil {
		return fail("front matter: %v", err)
	}
	// Compare both as JSON values, so that numbers compare alike.
	entryJS, err := json.Marshal(sk.Frontmatter)
	if err != nil {
		return fail("entry front matter: %v", err)
	}
	var entry map[string]any
	json.Unmarshal(entryJS, &entry)
	keys := map[string]bool{}
	for k := range file {
		keys[k] = true
	}
	for k := range entry {
		keys[k] = true
	}
	var diff []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}) {
		if !reflect.DeepEqual(file[k], entry[k]) {
			a, _ := json.Marshal(file[k])
			b, _ := json.Marshal(entry[k])
			diff = append(diff, fmt.Sprintf("%s: file %s, entry %s", k, a, b))
		}
	}
	if len(diff) > 0 {
		return fail("the front matter differs from the entry's: %s", strings.Join(diff, "; "))
	}
	return nil
}

// relPath returns the local path of a file of a skill relative to the
// skill's directory URI: the percent-decoded segments after it, each
// checked so that the path stays inside the directory.
func relPath(dirURI, uri string) (string, error) {
	rest, ok := strings.CutPrefix(uri, dirURI+"/")
	if !ok {
		return "", errors.New("not inside the skill's directory")
	}
	return safeSegments(rest)
}

// safeSegments decodes a slash-separated URI path into a relative local
// path, refusing empty, "." and ".." segments and segments that decode to
// a separator, a NUL or a drive.
func safeSegments(p string) (string, error) {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		d, err := url.PathUnescape(seg)
		if err != nil {
			return "", err
		}
		if d == "" || d == "." || d == ".." || strings.ContainsAny(d, "/\\\x00") || filepath.VolumeName(d) != "" {
			return "", fmt.Errorf("unsafe path segment %q", seg)
		}
		segs[i] = d
	}
	return filepath.Join(segs...), nil
}

// SkillDir returns where a skill from server lands under dir: the server's
// label, escaped into one path segment, then the skill's directory URI as
// a path (scheme, then its segments), so that the same URI from two
// servers lands at two paths and each path names its server, as the
// extension requires of a host's materialized copies. server is the
// host's own label for the server (never the server's self-reported
// name), such as the URL or command it was reached by.
func SkillDir(dir, server string, sk *Skill) (string, error) {
	scheme, rest, ok := strings.Cut(sk.Dir(), "://")
	if !ok || scheme == "" {
		return "", fmt.Errorf("skill %s: no scheme", sk.URI)
	}
	p, err := safeSegments(rest)
	if err != nil {
		return "", fmt.Errorf("skill %s: %v", sk.URI, err)
	}
	return filepath.Join(dir, escapeLabel(server), escapeLabel(scheme), p), nil
}

// escapeLabel makes s one safe path segment, injectively: letters, digits
// and "-", "_", "~" are kept, "." too unless s is only dots, and every
// other byte becomes %XX.
func escapeLabel(s string) string {
	dots := strings.Trim(s, ".") == ""
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '~' || c == '.' && !dots {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	if b.Len() == 0 {
		return "%"
	}
	return b.String()
}

// DownloadSkill loads a skill (LoadSkill) and then reads each of its other
// files, verifying every one, and writes them under SkillDir(dir, server,
// sk). The skill's directory is replaced as a whole, and only once every
// file is verified: a refused skill leaves what was there untouched. It
// returns the skill's directory.
func DownloadSkill(ctx context.Context, s *mcp.ClientSession, server, dir string, sk *Skill) (string, error) {
	dest, err := SkillDir(dir, server, sk)
	if err != nil {
		return "", err
	}
	skillMD, err := LoadSkill(ctx, s, sk)
	if err != nil {
		return "", err
	}
	parent := filepath.Dir(dest)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dest)+".pull-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	write := func(uri string, data []byte) error {
		rel, err := relPath(sk.Dir(), uri)
		if err != nil {
			return &VerificationError{Skill: sk.URI, URI: uri, Reason: err.Error()}
		}
		p := filepath.Join(tmp, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	if err := write(sk.URI, skillMD); err != nil {
		return "", err
	}
	for _, f := range sk.Files {
		if f.URI == sk.URI {
			continue
		}
		data, err := ReadSkillFile(ctx, s, sk, f.URI)
		if err != nil {
			return "", err
		}
		if err := write(f.URI, data); err != nil {
			return "", err
		}
	}
	// Swap the verified copy in: the old one is moved aside first, so that
	// dest is never half-written.
	old := ""
	if _, err := os.Lstat(dest); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dest, old); err != nil {
			return "", err
		}
	}
	if err := os.Rename(tmp, dest); err != nil {
		if old != "" {
			os.Rename(old, dest)
		}
		return "", err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return dest, nil
}

// SyncResult is the outcome of one skill of SyncSkills.
type SyncResult struct {
	Skill *Skill
	// Dir is where it was written, when Err is nil.
	Dir string
	Err error
}

// SyncSkills downloads skills (all the server lists when names is empty;
// otherwise those named, by name or SKILL.md URI, a name the listing lacks
// being fetched with skills/get as skill://NAME/SKILL.md) under dir, as
// DownloadSkill does. One skill's failure does not stop the others; each
// outcome is returned, in order, and the error is the first failure.
func SyncSkills(ctx context.Context, s *mcp.ClientSession, server, dir string, names ...string) ([]SyncResult, error) {
	listed, err := ListSkills(ctx, s)
	if err != nil {
		return nil, err
	}
	want := listed
	if len(names) > 0 {
		want = nil
		for _, n := range names {
			i := slices.IndexFunc(listed, func(sk *Skill) bool { return sk.URI == n || sk.Name() == n && !strings.Contains(n, "://") })
			if i >= 0 {
				want = append(want, listed[i])
				continue
			}
			uri := n
			if !strings.Contains(n, "://") {
				uri = skillspec.Scheme + n + "/" + skillspec.SkillFile
			}
			sk, err := GetSkill(ctx, s, uri)
			if err != nil {
				return nil, err
			}
			want = append(want, sk)
		}
	}
	var results []SyncResult
	var first error
	for _, sk := range want {
		d, err := DownloadSkill(ctx, s, server, dir, sk)
		results = append(results, SyncResult{Skill: sk, Dir: d, Err: err})
		if err != nil && first == nil {
			first = err
		}
	}
	return results, first
}
