// Package skills serves agent skills, directories with a SKILL.md (see
// https://agentskills.io/specification), as MCP resources, and implements
// the skills extension io.modelcontextprotocol/skills (SEP-2640).
//
// A Provider scans one or more skill roots: every subdirectory of a root
// that holds a SKILL.md whose YAML front matter gives a name (equal to the
// directory's name) and a description is a skill. Each skill is served as
// the resources skill://NAME/SKILL.md and skill://NAME/_manifest (its files
// with sizes and SHA-256 digests) and the template skill://NAME/{+path}
// for its other files. Register adds a provider to a server together with
// the extension: the capability and the methods skills/list, skills/get
// and resources/directory/read.
//
//	roots := append([]string{"./skills"}, skills.Claude.PersonalRoots()...)
//	if err := skills.Register(srv, skills.New(roots, nil)); err != nil { ... }
//
// Reads never leave a skill's directory: paths are checked, files are
// opened through os.Root, and a symlink that points out of the directory is
// refused. Skills that break the rules are skipped and reported (Load), and
// never stop the others from being served.
package skills

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/internal/skillspec"
)

// Limits of one skill, from the extension: a skill with more files, or
// whose files add up to more bytes, is skipped.
const (
	MaxFiles = skillspec.MaxFiles
	MaxBytes = skillspec.MaxBytes
)

// Options configure a Provider. The zero value is ready to use.
type Options struct {
	// Logger receives the problems of skills that are skipped (at Warn,
	// once per problem) and of files that changed under a served skill.
	// Nil discards them.
	Logger *slog.Logger
	// Poll, when positive, scans the roots again at this interval while a
	// server serves the provider, so that added, changed and removed
	// skills reach clients (with list_changed). Only what changed is read
	// again: the scan compares each file's size and modification time. Zero
	// scans only at start and when Load is called.
	Poll time.Duration
	// PageSize is the number of entries per page of skills/list and of
	// resources/directory/read. Zero means 100.
	PageSize int
	// TTL is the freshness hint (ttlMs) of skills/list and skills/get
	// results. Zero, the default, says to consider them stale at once.
	TTL time.Duration
}

// Skill is one skill a Provider serves.
type Skill struct {
	// Name and Description are those of the front matter; Name is also
	// the name of Dir.
	Name, Description string
	// Frontmatter is the SKILL.md front matter rendered as a JSON object,
	// with the author's keys in their order.
	Frontmatter json.RawMessage
	// Dir is the skill's directory and Root the root it was found in.
	Dir, Root string
	// Files are the skill's files, SKILL.md included, sorted by path.
	// Hidden files and directories (whose names start with a dot) are not
	// part of a skill.
	Files []File

	fingerprint string
	byPath      map[string]*File
}

// File is one file of a skill.
type File struct {
	// Path is slash-separated and relative to the skill's directory.
	Path string
	Size int64
	// Digest is "sha256:" and the hexadecimal SHA-256 of the content.
	Digest   string
	MIMEType string
}

// URI returns the URI of the skill's SKILL.md, skill://NAME/SKILL.md.
func (s *Skill) URI() string { return fileURI(s.Name, skillspec.SkillFile) }

// Problem is a skill, or a file of one, that is not served, and why.
type Problem struct {
	// Dir is the skill's directory; Path, if set, the file's path in it.
	Dir, Path string
	Err       error
}

func (p *Problem) Error() string {
	if p.Path != "" {
		return fmt.Sprintf("skill %s: %s: %v", p.Dir, p.Path, p.Err)
	}
	return fmt.Sprintf("skill %s: %v", p.Dir, p.Err)
}

func (p *Problem) Unwrap() error { return p.Err }

// Provider serves the skills of its roots. It is a runtime.Provider and a
// runtime.Watcher; Register also serves the skills extension for it.
type Provider struct {
	roots []string
	opts  Options
	log   *slog.Logger

	loadMu sync.Mutex // serializes scans
	cat    atomic.Pointer[catalog]

	watchers runtime.Watchers // added to and removed from under mu, so that stopPoll follows its Len

	mu       sync.Mutex
	stopPoll chan struct{}   // ends the poll; set (with Options.Poll) while watchers has any
	reported map[string]bool // problems already logged

	refreshing sync.Map // skill name -> struct{}: a refresh after a changed read is under way
}

// catalog is one scan's skills, immutable.
type catalog struct {
	skills   []*Skill // sorted by name
	byName   map[string]*Skill
	problems []error
}

// New returns a provider over roots, in order of precedence: when two
// roots hold a skill of the same name, the first root's is served. Roots
// that do not exist are skipped (an agent's skill directory need not
// exist), and a root may be relative to the working directory. Nothing is
// read until the provider is first listed or Load is called.
func New(roots []string, opts *Options) *Provider {
	p := &Provider{roots: slices.Clone(roots), reported: map[string]bool{}}
	if opts != nil {
		p.opts = *opts
	}
	if p.opts.PageSize <= 0 {
		p.opts.PageSize = 100
	}
	p.log = p.opts.Logger
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	return p
}

// Roots returns the provider's roots, in order of precedence.
func (p *Provider) Roots() []string { return slices.Clone(p.roots) }

// Load scans the roots (again) and serves what it finds from then on;
// servers that serve the provider are told if anything changed. It
// returns the skills and files that are not served, each as a *Problem
// (errors.Join), or nil; they never stop the others from being served.
// Files whose size and modification time are unchanged are not read again.
func (p *Provider) Load() error {
	_, changed, err := p.load()
	if changed {
		p.watchers.Notify()
	}
	return err
}

// Skills returns the skills being served, sorted by name, scanning the
// roots first if they were never scanned.
func (p *Provider) Skills() []*Skill {
	return slices.Clone(p.catalog().skills)
}

// Skill returns the served skill of that name, or nil.
func (p *Provider) Skill(name string) *Skill {
	return p.catalog().byName[name]
}

// catalog returns the current catalog, scanning the roots if there is
// none yet.
func (p *Provider) catalog() *catalog {
	if c := p.cat.Load(); c != nil {
		return c
	}
	c, _, _ := p.load()
	return c
}

// load scans the roots and stores the result. changed reports whether it
// differs from the previous one.
func (p *Provider) load() (c *catalog, changed bool, err error) {
	p.loadMu.Lock()
	defer p.loadMu.Unlock()
	prev := p.cat.Load()
	c = p.scan(prev)
	p.cat.Store(c)
	p.report(c.problems)
	return c, prev == nil || !sameSkills(prev, c), errors.Join(c.problems...)
}

// sameSkills reports whether two catalogs serve the same skills: a skill a
// scan did not need to read again is the same *Skill.
func sameSkills(a, b *catalog) bool {
	return slices.Equal(a.skills, b.skills)
}

// report logs the problems not logged before.
func (p *Provider) report(problems []error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := map[string]bool{}
	for _, e := range problems {
		msg := e.Error()
		now[msg] = true
		if !p.reported[msg] {
			p.log.Warn("skill not served", "problem", msg)
		}
	}
	p.reported = now
}

// scan reads the roots, reusing the skills of prev whose files did not
// change.
func (p *Provider) scan(prev *catalog) *catalog {
	c := &catalog{byName: map[string]*Skill{}}
	old := map[string]*Skill{}
	if prev != nil {
		for _, s := range prev.skills {
			old[s.Dir] = s
		}
	}
	for _, root := range p.roots {
		entries, err := os.ReadDir(root)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				c.problems = append(c.problems, &Problem{Dir: root, Err: err})
			}
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			dir := filepath.Join(root, name)
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				continue // a file, or a broken link
			}
			if _, err := os.Lstat(filepath.Join(dir, skillspec.SkillFile)); err != nil {
				continue // not a skill
			}
			if _, taken := c.byName[name]; taken {
				p.log.Debug("skill shadowed by an earlier root", "skill", name, "dir", dir)
				continue
			}
			s, problems := scanSkill(root, dir, name, old[dir])
			c.problems = append(c.problems, problems...)
			if s != nil {
				c.byName[name] = s
				c.skills = append(c.skills, s)
			}
		}
	}
	slices.SortFunc(c.skills, func(a, b *Skill) int { return strings.Compare(a.Name, b.Name) })
	return c
}

var errTooManyFiles = fmt.Errorf("the skill has more than %d files, the extension's limit", MaxFiles)

type walked struct {
	path string
	info fs.FileInfo
}

// scanSkill reads one skill directory. It returns prev itself when no
// file changed since prev was read, and nil with the problem when the
// skill cannot be served; problems with single files skip those files.
func scanSkill(root, dir, name string, prev *Skill) (*Skill, []error) {
	fail := func(err error) (*Skill, []error) { return nil, []error{&Problem{Dir: dir, Err: err}} }
	if err := skillspec.ValidName(name); err != nil {
		return fail(fmt.Errorf("directory name: %v (Agent Skills naming rules)", err))
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return fail(err)
	}
	defer r.Close()
	var problems []error
	var files []walked
	err = fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			problems = append(problems, &Problem{Dir: dir, Path: p, Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		var info fs.FileInfo
		if d.Type()&fs.ModeSymlink != 0 {
			// Stat through the root follows the link only inside it.
			info, err = r.Stat(p)
			if err != nil {
				problems = append(problems, &Problem{Dir: dir, Path: p, Err: fmt.Errorf("symlink refused, it must point to a file inside the skill's directory: %v", err)})
				return nil
			}
			if info.IsDir() {
				problems = append(problems, &Problem{Dir: dir, Path: p, Err: errors.New("symlink to a directory, not followed")})
				return nil
			}
		} else if info, err = d.Info(); err != nil {
			problems = append(problems, &Problem{Dir: dir, Path: p, Err: err})
			return nil
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		files = append(files, walked{p, info})
		if len(files) > MaxFiles {
			return errTooManyFiles
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	fp := fingerprint(files)
	if prev != nil && prev.fingerprint == fp {
		return prev, problems
	}
	var total int64
	for _, f := range files {
		total += f.info.Size()
	}
	if total > MaxBytes {
		return fail(fmt.Errorf("the skill's files add up to %d bytes, more than the extension's limit of %d", total, MaxBytes))
	}
	s := &Skill{Dir: dir, Root: root, Name: name, fingerprint: fp, byPath: map[string]*File{}}
	var skillMD []byte
	total = 0
	for _, w := range files {
		data, err := readFile(r, w.path, MaxBytes-total)
		if err != nil {
			problems = append(problems, &Problem{Dir: dir, Path: w.path, Err: err})
			continue
		}
		total += int64(len(data))
		if w.path == skillspec.SkillFile {
			skillMD = data
		}
		s.Files = append(s.Files, File{Path: w.path, Size: int64(len(data)), Digest: skillspec.Digest(data), MIMEType: mimeType(w.path, data)})
	}
	if skillMD == nil {
		return nil, append(problems, &Problem{Dir: dir, Err: errors.New("no readable SKILL.md at the top of the skill")})
	}
	fm, err := skillspec.ParseFrontmatter(skillMD)
	if err != nil {
		return nil, append(problems, &Problem{Dir: dir, Path: skillspec.SkillFile, Err: err})
	}
	if fm.Name != name {
		return nil, append(problems, &Problem{Dir: dir, Path: skillspec.SkillFile, Err: fmt.Errorf("the front matter names the skill %q, but its directory is %q: they must be equal", fm.Name, name)})
	}
	if n := utf8.RuneCountInString(fm.Description); n > skillspec.MaxDescription {
		return nil, append(problems, &Problem{Dir: dir, Path: skillspec.SkillFile, Err: fmt.Errorf("the description has %d characters, more than the %d Agent Skills allows", n, skillspec.MaxDescription)})
	}
	s.Description, s.Frontmatter = fm.Description, fm.JSON
	slices.SortFunc(s.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for i := range s.Files {
		s.byPath[s.Files[i].Path] = &s.Files[i]
	}
	return s, problems
}

// readFile reads a file of a skill through its root, refusing one larger
// than max bytes.
func readFile(r *os.Root, p string, max int64) ([]byte, error) {
	f, err := r.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("the skill's files add up to more than the extension's limit of %d bytes", MaxBytes)
	}
	return data, nil
}

// fingerprint sums what a scan compares: each file's path, size, mode and
// modification time.
func fingerprint(files []walked) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%d\n", f.path, f.info.Size(), f.info.Mode(), f.info.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// refresh scans one served skill's directory again (skills/get, and a read
// that found a file changed), so that its entry is current; servers are
// told if it changed. It returns the skill as served now, nil if it is no
// longer.
func (p *Provider) refresh(name string) *Skill {
	p.loadMu.Lock()
	c := p.cat.Load()
	if c == nil {
		p.loadMu.Unlock()
		return p.catalog().byName[name]
	}
	old := c.byName[name]
	if old == nil {
		p.loadMu.Unlock()
		return nil
	}
	s, problems := scanSkill(old.Root, old.Dir, name, old)
	if s == old {
		p.loadMu.Unlock()
		return s
	}
	next := &catalog{byName: map[string]*Skill{}, problems: problems}
	for _, e := range c.problems {
		var pr *Problem
		if errors.As(e, &pr) && pr.Dir == old.Dir {
			continue // replaced by this scan's
		}
		next.problems = append(next.problems, e)
	}
	for _, k := range c.skills {
		if k == old {
			k = s
		}
		if k != nil {
			next.skills = append(next.skills, k)
			next.byName[k.Name] = k
		}
	}
	p.cat.Store(next)
	p.loadMu.Unlock()
	p.report(next.problems)
	p.watchers.Notify()
	return s
}

// refreshLater refreshes a skill in the background, once at a time.
func (p *Provider) refreshLater(name string) {
	if _, busy := p.refreshing.LoadOrStore(name, struct{}{}); busy {
		return
	}
	go func() {
		defer p.refreshing.Delete(name)
		p.refresh(name)
	}()
}

// Watch implements runtime.Watcher: changed is called when a Load or a
// refresh changes what is served. With Options.Poll, the roots are
// scanned at that interval while anything watches.
func (p *Provider) Watch(changed func()) (stop func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	unwatch := p.watchers.Watch(changed)
	if p.opts.Poll > 0 && p.stopPoll == nil {
		p.stopPoll = make(chan struct{})
		go p.poll(p.stopPoll)
	}
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		unwatch()
		if p.watchers.Len() == 0 && p.stopPoll != nil {
			close(p.stopPoll)
			p.stopPoll = nil
		}
	}
}

func (p *Provider) poll(stop chan struct{}) {
	t := time.NewTicker(p.opts.Poll)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.Load()
		}
	}
}

// fileURI is the URI of a file of a skill: each segment of the path is
// percent-encoded as a URI path segment.
func fileURI(name, p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = escapeSegment(s)
	}
	return skillspec.Scheme + name + "/" + strings.Join(segs, "/")
}

// escapeSegment percent-encodes what RFC 3986 does not allow in a path
// segment, and "%" itself.
func escapeSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// checkPath refuses a file path that could name anything outside a
// skill's directory, or that no file of a skill can have: empty, absolute,
// with a backslash, a NUL, or an empty, "." or ".." segment.
func checkPath(p string) error {
	switch {
	case p == "" || p == ".":
		return errors.New("empty path")
	case strings.ContainsAny(p, "\\\x00"):
		return errors.New("backslash or NUL in the path")
	case strings.HasPrefix(p, "/") || filepath.IsAbs(p) || filepath.VolumeName(p) != "":
		return errors.New("absolute path")
	case !fs.ValidPath(p) || path.Clean(p) != p:
		return errors.New(`an empty, "." or ".." segment in the path`)
	}
	return nil
}

// cursor and page implement the opaque cursors of skills/list and
// resources/directory/read: the offset of the page's first item.
func cursor(off int) string { return "o" + strconv.Itoa(off) }

func pageStart(c string, n int) (int, error) {
	if c == "" {
		return 0, nil
	}
	off, err := strconv.Atoi(strings.TrimPrefix(c, "o"))
	if !strings.HasPrefix(c, "o") || err != nil || off < 0 || off > n {
		return 0, fmt.Errorf("invalid cursor %q", c)
	}
	return off, nil
}

// mimeTypes are the MIME types of the files skills usually hold, by
// extension (a fixed table, so that a skill is served the same way on
// every machine).
var mimeTypes = map[string]string{
	".md": "text/markdown", ".markdown": "text/markdown", ".txt": "text/plain", ".text": "text/plain",
	".html": "text/html", ".htm": "text/html", ".css": "text/css", ".csv": "text/csv", ".tsv": "text/tab-separated-values",
	".xml": "application/xml", ".json": "application/json", ".jsonl": "application/jsonl",
	".yaml": "application/yaml", ".yml": "application/yaml", ".toml": "application/toml",
	".py": "text/x-python", ".sh": "text/x-shellscript", ".bash": "text/x-shellscript", ".zsh": "text/x-shellscript",
	".js": "text/javascript", ".mjs": "text/javascript", ".cjs": "text/javascript", ".ts": "text/x-typescript",
	".go": "text/x-go", ".rb": "text/x-ruby", ".rs": "text/x-rust", ".java": "text/x-java", ".c": "text/x-c", ".h": "text/x-c",
	".sql": "application/sql", ".ps1": "text/plain",
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".svg": "image/svg+xml", ".ico": "image/vnd.microsoft.icon",
	".pdf": "application/pdf", ".zip": "application/zip", ".gz": "application/gzip", ".tar": "application/x-tar",
	".wasm": "application/wasm", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
	".mp3": "audio/mpeg", ".wav": "audio/wav", ".mp4": "video/mp4",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// mimeType is a file's MIME type by its extension; a file without a known
// extension is text/plain if it is UTF-8 text and
// application/octet-stream otherwise.
func mimeType(p string, data []byte) string {
	if t, ok := mimeTypes[strings.ToLower(path.Ext(p))]; ok {
		return t
	}
	if utf8.Valid(data) && !bytes.ContainsRune(data, 0) {
		return "text/plain"
	}
	return "application/octet-stream"
}

// textual reports whether a file is sent as text rather than as a blob:
// its type is textual and its bytes are UTF-8, so that the text is the
// file's exact bytes.
func textual(mime string, data []byte) bool {
	switch {
	case strings.HasPrefix(mime, "text/"), mime == "image/svg+xml",
		strings.HasPrefix(mime, "application/") && (strings.HasSuffix(mime, "json") || strings.HasSuffix(mime, "xml") ||
			mime == "application/yaml" || mime == "application/toml" || mime == "application/sql" || mime == "application/jsonl"):
		return utf8.Valid(data)
	}
	return false
}
