package skills

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"weak"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/internal/skillspec"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The skills extension, io.modelcontextprotocol/skills (SEP-2640, Final):
// https://github.com/modelcontextprotocol/ext-skills,
// specification/stable/skills.mdx.

// ExtensionID identifies the skills extension in capabilities.
const ExtensionID = skillspec.ExtensionID

// registered remembers the servers Register served, which may each serve
// one provider's extension; an entry goes when its server is collected.
var registered sync.Map // weak.Pointer[runtime.Server] -> struct{}

// Register serves p on srv with the skills extension: it adds p as a
// provider (its resources and templates), declares the extension in the
// server's capabilities, extensions["io.modelcontextprotocol/skills"] =
// {"directoryRead": true}, and answers its methods:
//
//   - skills/list: the entries of the served skills, sorted by name and
//     paginated (Options.PageSize). Each gives the SKILL.md URI, the front
//     matter as written and every file with its digest and size.
//   - skills/get: the entry of one skill by the URI of its SKILL.md, scanned
//     again so that it is current; an unknown URI gets -32602.
//   - resources/directory/read: the direct children of a skill's
//     directory (skill://NAME) or of one of its subdirectories, files with
//     their MIME types and subdirectories as inode/directory; a URI that is
//     not a directory gets -32602.
//
// Results carry resultType "complete", ttlMs (Options.TTL) and cacheScope
// "public". The methods are served through the runtime (HandleMethod), on
// every transport (stdio, stateful and stateless streamable HTTP, protocol
// 2026-07-28 and earlier), and see the request's view: a skill whose
// SKILL.md the request cannot read (a visibility rule, its authorization)
// is neither listed nor got, nor its directories read. Call Register while
// setting the server up, before it serves, and once per server: to serve
// several skill roots, give them all to one provider.
func Register(srv *runtime.Server, p *Provider) error {
	if srv == nil || p == nil {
		return errors.New("skills: Register needs a server and a provider")
	}
	key := weak.Make(srv)
	if _, dup := registered.LoadOrStore(key, struct{}{}); dup {
		return errors.New("skills: Register was already called for this server; give one provider all the roots")
	}
	goruntime.AddCleanup(srv, func(k weak.Pointer[runtime.Server]) { registered.Delete(k) }, key)
	if err := srv.Add(p); err != nil {
		return fmt.Errorf("skills: %w", err)
	}
	srv.DeclareExtension(ExtensionID, map[string]any{"directoryRead": true})
	// Through the runtime (HandleMethod), so that each method sees the
	// request's view: a skill whose SKILL.md the request cannot read
	// (hidden by visibility rules or its authorization) is neither listed
	// nor got, nor its directories read.
	readable := func(ctx context.Context, r *runtime.Request) func(*Skill) bool {
		return func(sk *Skill) bool { return srv.CanRead(ctx, r, sk.URI()) }
	}
	return errors.Join(
		srv.HandleMethod(skillspec.MethodList, func(ctx context.Context, r *runtime.Request, raw json.RawMessage) (mcp.Result, error) {
			var params skillspec.ListParams
			if err := decodeParams(skillspec.MethodList, raw, &params); err != nil {
				return nil, err
			}
			return p.list(&params, readable(ctx, r))
		}),
		srv.HandleMethod(skillspec.MethodGet, func(ctx context.Context, r *runtime.Request, raw json.RawMessage) (mcp.Result, error) {
			var params skillspec.GetParams
			if err := decodeParams(skillspec.MethodGet, raw, &params); err != nil {
				return nil, err
			}
			return p.get(&params, readable(ctx, r))
		}),
		srv.HandleMethod(skillspec.MethodReadDirectory, func(ctx context.Context, r *runtime.Request, raw json.RawMessage) (mcp.Result, error) {
			var params skillspec.DirectoryParams
			if err := decodeParams(skillspec.MethodReadDirectory, raw, &params); err != nil {
				return nil, err
			}
			return p.readDirectory(&params, readable(ctx, r))
		}),
	)
}

// decodeParams decodes a method's params; absent params are the zero
// value.
func decodeParams(method string, raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return invalidParams("%s: bad params: %v", method, err)
	}
	return nil
}

func invalidParams(format string, args ...any) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

func (p *Provider) cacheable() skillspec.Cacheable {
	return skillspec.Cacheable{ResultType: "complete", TTLMs: p.opts.TTL.Milliseconds(), CacheScope: "public"}
}

// entry is a skill's entry in skills/list and skills/get.
func entry(s *Skill) skillspec.Entry {
	e := skillspec.Entry{URI: s.URI(), Frontmatter: s.Frontmatter}
	e.Resources.Files = make([]skillspec.Resource, 0, len(s.Files))
	for _, f := range s.Files {
		e.Resources.Files = append(e.Resources.Files, skillspec.Resource{URI: fileURI(s.Name, f.Path), Digest: f.Digest, Size: f.Size})
	}
	return e
}

func (p *Provider) list(params *skillspec.ListParams, visible func(*Skill) bool) (*skillspec.ListResult, error) {
	var all []*Skill
	for _, sk := range p.catalog().skills {
		if visible(sk) {
			all = append(all, sk)
		}
	}
	var c string
	if params != nil {
		c = params.Cursor
	}
	off, err := pageStart(c, len(all))
	if err != nil {
		return nil, invalidParams("skills/list: %v", err)
	}
	end := min(off+p.opts.PageSize, len(all))
	res := &skillspec.ListResult{Cacheable: p.cacheable(), Skills: make([]skillspec.Entry, 0, end-off)}
	for _, s := range all[off:end] {
		res.Skills = append(res.Skills, entry(s))
	}
	if end < len(all) {
		res.NextCursor = cursor(end)
	}
	return res, nil
}

// skillOf returns the name of the skill whose SKILL.md uri names.
func skillOf(uri string) (string, bool) {
	rest, ok := strings.CutPrefix(uri, skillspec.Scheme)
	if !ok {
		return "", false
	}
	name, file, ok := strings.Cut(rest, "/")
	return name, ok && file == skillspec.SkillFile && skillspec.ValidName(name) == nil
}

func (p *Provider) get(params *skillspec.GetParams, visible func(*Skill) bool) (*skillspec.GetResult, error) {
	if params == nil || params.URI == "" {
		return nil, invalidParams("skills/get needs params.uri, the URI of a skill's SKILL.md")
	}
	name, ok := skillOf(params.URI)
	var s *Skill
	if ok && p.catalog().byName[name] != nil {
		s = p.refresh(name)
	}
	if s == nil || !visible(s) {
		return nil, invalidParams("No skill is served at %s", params.URI)
	}
	e := entry(s)
	return &skillspec.GetResult{Cacheable: p.cacheable(), Skill: &e}, nil
}

// readDirectory lists the direct children of a skill's directory or of
// one of its subdirectories.
func (p *Provider) readDirectory(params *skillspec.DirectoryParams, visible func(*Skill) bool) (*skillspec.DirectoryResult, error) {
	if params == nil || params.URI == "" {
		return nil, invalidParams("resources/directory/read needs params.uri")
	}
	uri := strings.TrimSuffix(params.URI, "/")
	rest, ok := strings.CutPrefix(uri, skillspec.Scheme)
	if !ok {
		return nil, invalidParams("No directory resource is served at %s", params.URI)
	}
	name, escaped, _ := strings.Cut(rest, "/")
	s := p.catalog().byName[name]
	if s == nil || !visible(s) {
		return nil, invalidParams("No directory resource is served at %s", params.URI)
	}
	dir := ""
	if escaped != "" {
		segs := strings.Split(escaped, "/")
		for i, seg := range segs {
			d, err := url.PathUnescape(seg)
			if err != nil {
				return nil, invalidParams("%s: %v", params.URI, err)
			}
			segs[i] = d
		}
		dir = strings.Join(segs, "/")
		if err := checkPath(dir); err != nil {
			return nil, invalidParams("%s refused: %v", params.URI, err)
		}
		if s.byPath[dir] != nil || dir == "_manifest" {
			return nil, invalidParams("%s is not a directory resource", params.URI)
		}
	}
	children := []*mcp.Resource{}
	seen := map[string]bool{}
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	for _, f := range s.Files {
		rel, ok := strings.CutPrefix(f.Path, prefix)
		if !ok {
			continue
		}
		if sub, _, isDir := strings.Cut(rel, "/"); isDir {
			if !seen[sub] {
				seen[sub] = true
				children = append(children, &mcp.Resource{URI: fileURI(name, prefix+sub), Name: sub, MIMEType: skillspec.DirectoryMIME})
			}
			continue
		}
		children = append(children, &mcp.Resource{URI: fileURI(name, f.Path), Name: rel, MIMEType: f.MIMEType, Size: f.Size})
	}
	if dir != "" && len(children) == 0 {
		return nil, invalidParams("No directory resource is served at %s", params.URI)
	}
	slices.SortFunc(children, func(a, b *mcp.Resource) int { return strings.Compare(a.Name, b.Name) })
	off, err := pageStart(params.Cursor, len(children))
	if err != nil {
		return nil, invalidParams("resources/directory/read: %v", err)
	}
	end := min(off+p.opts.PageSize, len(children))
	res := &skillspec.DirectoryResult{ResultType: "complete", Resources: children[off:end]}
	if end < len(children) {
		res.NextCursor = cursor(end)
	}
	return res, nil
}
