package runtime

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/yosida95/uritemplate/v3"
)

// The catalogue.
//
// The server lists its providers, applies their transforms and then its
// own, and builds an immutable snapshot: every component of every version,
// deduplicated by precedence (for each name and version the first provider
// added wins; a name resolves to its highest version), with the lists of
// the server-wide view prebuilt. The snapshot sits behind an atomic
// pointer, so nothing on the request path takes a lock; it is rebuilt when
// a provider is added or says it changed, and clients are told which lists
// changed.
//
// A request sees the snapshot through its view: the server-wide marks,
// then the session's own rules, then the principal's authorization
// (authz.go). One resolution function serves lists and calls alike, so
// that what a request cannot list it cannot call, read or get.

// source is one provider added to the server.
type source struct {
	p    Provider
	name string // for logs

	mu      sync.Mutex
	c       *Components // the last listing; nil until listed or after a failure
	listed  bool
	dirty   bool
	stop    func()
	watched bool
}

// snapshot is one immutable state of the catalogue.
type snapshot struct {
	tools       map[string][]*Tool // by name, highest version first
	toolNames   []string           // sorted
	resources   map[string][]*Resource
	resURIs     []string
	templates   map[string][]*boundTemplate
	tmplURIs    []string
	prompts     map[string][]*Prompt
	promptNames []string
	completions map[string]*Completion
	// paramHeaders holds the x-mcp-header bindings of the tools that
	// have any (SEP-2243).
	paramHeaders map[*Tool][]paramBinding
	// checked counts the components with authorization checks.
	checked int
	// taskSupport gives a tool's task support, nil without a task engine
	// (task.go).
	taskSupport func(*Tool) TaskSupport

	// The server-wide view's lists, and per kind a signature that changes
	// when what any session could list changes.
	global      view
	lists       [4]any
	sigs        [4][]byte
	globalLists *viewLists // the server-wide view's lists and encoded pages
	views       viewCache  // the other views' (listcache.go)
}

const (
	kTools = iota
	kResources
	kTemplates
	kPrompts
)

var kindOfList = [4]Kind{KindTool, KindResource, KindTemplate, KindPrompt}

type boundTemplate struct {
	t     *ResourceTemplate
	tmpl  *uritemplate.Template
	names []string
}

// snapshot returns the current snapshot, building the first one if needed.
func (s *Server) snapshot(ctx context.Context) *snapshot {
	if snap := s.snap.Load(); snap != nil {
		return snap
	}
	s.rebuild(ctx, false)
	return s.snap.Load()
}

// rebuild lists the sources that need it, builds a new snapshot and, if
// notify, tells sessions and parent servers what changed.
func (s *Server) rebuild(ctx context.Context, notify bool) {
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	s.mu.Lock()
	sources := slices.Clone(s.sources)
	transforms := slices.Clone(s.transforms)
	s.mu.Unlock()

	merged := &Components{}
	for _, src := range sources {
		c := s.list(ctx, src)
		if c == nil {
			continue
		}
		merged.Tools = append(merged.Tools, c.Tools...)
		merged.Resources = append(merged.Resources, c.Resources...)
		merged.ResourceTemplates = append(merged.ResourceTemplates, c.ResourceTemplates...)
		merged.Prompts = append(merged.Prompts, c.Prompts...)
		merged.Completions = append(merged.Completions, c.Completions...)
	}
	if len(transforms) > 0 {
		out, err := applyTransforms(ctx, merged, transforms)
		if err != nil {
			// Fail closed: untransformed components could show what a
			// transform hides. Keep serving the last good catalogue.
			s.log.Error("server transform failed; keeping the previous catalogue", "err", err)
			if s.snap.Load() == nil {
				s.snap.Store(s.buildSnapshot(&Components{}))
			}
			return
		}
		merged = out
	}
	next := s.buildSnapshot(merged)
	old := s.snap.Swap(next)
	if old == nil || !notify {
		if old != nil {
			s.watchers.Notify()
		}
		return
	}
	var changed []Kind
	for i := range next.sigs {
		if !bytes.Equal(old.sigs[i], next.sigs[i]) {
			changed = append(changed, kindOfList[i])
		}
	}
	if len(changed) > 0 {
		s.notifyAll(changed)
	}
	s.watchers.Notify()
}

// list returns a source's components, listing it again if it changed. A
// provider whose listing fails is logged and skipped.
func (s *Server) list(ctx context.Context, src *source) *Components {
	src.mu.Lock()
	defer src.mu.Unlock()
	if !src.watched {
		src.watched = true
		if w, ok := src.p.(Watcher); ok {
			src.stop = w.Watch(func() { s.sourceChanged(src) })
		}
	}
	if src.listed && !src.dirty {
		return src.c
	}
	src.listed, src.dirty = true, false
	c, err := s.listProvider(ctx, src.p)
	if err != nil {
		s.log.Error("provider listing failed; skipping it", "provider", src.name, "err", err)
		src.c = nil
		return nil
	}
	src.c = c
	return c
}

// listProvider calls p.Components, containing a panic.
func (s *Server) listProvider(ctx context.Context, p Provider) (c *Components, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	c, err = p.Components(ctx)
	if err == nil && c == nil {
		c = &Components{}
	}
	return c, err
}

// sourceChanged is a provider's Watcher callback: it rebuilds the
// catalogue in the background, coalescing bursts of changes.
func (s *Server) sourceChanged(src *source) {
	src.mu.Lock()
	src.dirty = true
	src.mu.Unlock()
	if s.snap.Load() == nil {
		return // not built yet: the first build lists it
	}
	if !s.rebuildQueued.CompareAndSwap(false, true) {
		return
	}
	go func() {
		s.rebuildQueued.Store(false)
		s.rebuild(context.Background(), true)
	}()
}

// buildSnapshot deduplicates c by precedence and prebuilds the lists.
func (s *Server) buildSnapshot(c *Components) *snapshot {
	snap := &snapshot{
		tools:       map[string][]*Tool{},
		resources:   map[string][]*Resource{},
		templates:   map[string][]*boundTemplate{},
		prompts:     map[string][]*Prompt{},
		completions: map[string]*Completion{},
	}
	if s.engine.Load() != nil {
		snap.taskSupport = s.taskSupport
	}
	for _, t := range c.Tools {
		if t == nil || t.Handler == nil || t.Name == "" {
			s.log.Warn("skipping a tool without a name or handler", "tool", toolName(t))
			continue
		}
		snap.tools[t.Name] = addVersion(snap.tools[t.Name], t, func(t *Tool) string { return t.Version })
		if b := paramBindings(t.InputSchema); b != nil {
			if snap.paramHeaders == nil {
				snap.paramHeaders = map[*Tool][]paramBinding{}
			}
			snap.paramHeaders[t] = b
		}
	}
	for _, r := range c.Resources {
		if r == nil || r.Handler == nil || r.URI == "" {
			continue
		}
		snap.resources[r.URI] = addVersion(snap.resources[r.URI], r, func(r *Resource) string { return r.Version })
	}
	for _, t := range c.ResourceTemplates {
		if t == nil || t.Handler == nil {
			continue
		}
		tmpl, err := uritemplate.New(t.URITemplate)
		if err != nil {
			s.log.Warn("skipping a resource template that does not parse", "template", t.URITemplate, "err", err)
			continue
		}
		b := &boundTemplate{t: t, tmpl: tmpl, names: tmpl.Varnames()}
		snap.templates[t.URITemplate] = addVersion(snap.templates[t.URITemplate], b, func(b *boundTemplate) string { return b.t.Version })
	}
	for _, p := range c.Prompts {
		if p == nil || p.Handler == nil || p.Name == "" {
			continue
		}
		snap.prompts[p.Name] = addVersion(snap.prompts[p.Name], p, func(p *Prompt) string { return p.Version })
	}
	for _, cp := range c.Completions {
		if cp == nil || cp.Handler == nil {
			continue
		}
		if _, dup := snap.completions[cp.key()]; !dup {
			snap.completions[cp.key()] = cp
		}
	}
	for _, list := range snap.tools {
		for _, t := range list {
			snap.checked += min(len(t.Auth), 1)
		}
	}
	for _, list := range snap.resources {
		for _, r := range list {
			snap.checked += min(len(r.Auth), 1)
		}
	}
	for _, list := range snap.templates {
		for _, b := range list {
			snap.checked += min(len(b.t.Auth), 1)
		}
	}
	for _, list := range snap.prompts {
		for _, p := range list {
			snap.checked += min(len(p.Auth), 1)
		}
	}
	snap.toolNames = sortedKeys(snap.tools)
	snap.resURIs = sortedKeys(snap.resources)
	snap.tmplURIs = sortedKeys(snap.templates)
	snap.promptNames = sortedKeys(snap.prompts)

	snap.global = view{snap: snap}
	snap.lists = snap.global.buildLists()
	snap.globalLists = &viewLists{lists: snap.lists, tasks: snap.global.taskSupports(snap.lists)}
	disabled := snap.disabledKeys()
	for i, l := range snap.lists {
		js, _ := json.Marshal(l)
		snap.sigs[i] = append(append(js, '\n'), disabled[i]...)
	}
	return snap
}

func toolName(t *Tool) string {
	if t == nil {
		return "<nil>"
	}
	return t.Name
}

// disabledKeys lists, per kind, the keys of disabled components (a session
// may enable them, so they count towards what changed).
func (snap *snapshot) disabledKeys() [4]string {
	var out [4]strings.Builder
	for _, n := range snap.toolNames {
		for _, t := range snap.tools[n] {
			if t.Disabled {
				out[kTools].WriteString(t.Key() + "\n")
			}
		}
	}
	for _, u := range snap.resURIs {
		for _, r := range snap.resources[u] {
			if r.Disabled {
				out[kResources].WriteString(r.Key() + "\n")
			}
		}
	}
	for _, u := range snap.tmplURIs {
		for _, b := range snap.templates[u] {
			if b.t.Disabled {
				out[kTemplates].WriteString(b.t.Key() + "\n")
			}
		}
	}
	for _, n := range snap.promptNames {
		for _, p := range snap.prompts[n] {
			if p.Disabled {
				out[kPrompts].WriteString(p.Key() + "\n")
			}
		}
	}
	return [4]string{out[0].String(), out[1].String(), out[2].String(), out[3].String()}
}

// addVersion adds c to list (highest version first) unless list already
// holds its version: the first provider added wins.
func addVersion[T any](list []T, c T, version func(T) string) []T {
	for _, o := range list {
		if version(o) == version(c) {
			return list
		}
	}
	list = append(list, c)
	sort.SliceStable(list, func(i, j int) bool { return CompareVersions(version(list[i]), version(list[j])) > 0 })
	return list
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// view is the catalogue as one request sees it.
type view struct {
	snap  *snapshot
	rules []Rule // the session's own rules, after the server-wide marks
	authz *authz // the principal's authorization, last; nil when no check applies
}

func (v *view) toolOK(t *Tool) bool {
	if v.rules != nil && !decide(!t.Disabled, toolInfo(t), v.rules) || v.rules == nil && t.Disabled {
		return false
	}
	return v.authz.allowed(t, t.Auth, func() ComponentInfo { return toolInfo(t).component(t.Meta) })
}

func (v *view) resourceOK(r *Resource) bool {
	if v.rules != nil && !decide(!r.Disabled, resourceInfo(r), v.rules) || v.rules == nil && r.Disabled {
		return false
	}
	return v.authz.allowed(r, r.Auth, func() ComponentInfo { return resourceInfo(r).component(r.Meta) })
}

func (v *view) templateOK(t *ResourceTemplate) bool {
	if v.rules != nil && !decide(!t.Disabled, templateInfo(t), v.rules) || v.rules == nil && t.Disabled {
		return false
	}
	return v.authz.allowed(t, t.Auth, func() ComponentInfo { return templateInfo(t).component(t.Meta) })
}

func (v *view) promptOK(p *Prompt) bool {
	if v.rules != nil && !decide(!p.Disabled, promptInfo(p), v.rules) || v.rules == nil && p.Disabled {
		return false
	}
	return v.authz.allowed(p, p.Auth, func() ComponentInfo { return promptInfo(p).component(p.Meta) })
}

// pick returns the visible component of the requested version, or the
// highest visible one when version is "". There is no fallback: an
// unknown or hidden version finds nothing.
func pick[T any](list []T, version string, versionOf func(T) string, ok func(T) bool) T {
	var zero T
	for _, c := range list {
		if (version == "" || versionOf(c) == version) && ok(c) {
			return c
		}
	}
	return zero
}

// visibleVersions returns the versions of list a view may see, highest
// first, or nil for an unversioned component.
func visibleVersions[T any](list []T, versionOf func(T) string, ok func(T) bool) []string {
	var out []string
	for _, c := range list {
		if v := versionOf(c); v != "" && ok(c) {
			out = append(out, v)
		}
	}
	return out
}

// The one resolution function per kind, shared by lists and calls.

func (v *view) tool(name, version string) *Tool {
	return pick(v.snap.tools[name], version, func(t *Tool) string { return t.Version }, v.toolOK)
}

func (v *view) prompt(name, version string) *Prompt {
	return pick(v.snap.prompts[name], version, func(p *Prompt) string { return p.Version }, v.promptOK)
}

func (v *view) resource(uri, version string) *Resource {
	return pick(v.snap.resources[uri], version, func(r *Resource) string { return r.Version }, v.resourceOK)
}

func (v *view) template(uriTemplate, version string) *boundTemplate {
	return pick(v.snap.templates[uriTemplate], version, func(b *boundTemplate) string { return b.t.Version },
		func(b *boundTemplate) bool { return v.templateOK(b.t) })
}

// matchTemplate finds the visible template matching uri, preferring the
// one with the longest literal prefix, and returns its variables in
// template order.
func (v *view) matchTemplate(uri, version string) (*ResourceTemplate, []string) {
	var best *boundTemplate
	var bestVals uritemplate.Values
	for _, key := range v.snap.tmplURIs {
		b := v.template(key, version)
		if b == nil {
			continue
		}
		vals := b.tmpl.Match(uri)
		if vals == nil {
			continue
		}
		if best == nil || literalPrefix(b.t.URITemplate) > literalPrefix(best.t.URITemplate) {
			best, bestVals = b, vals
		}
	}
	if best == nil {
		return nil, nil
	}
	vars := make([]string, len(best.names))
	for i, n := range best.names {
		vars[i] = bestVals.Get(n).String()
	}
	return best.t, vars
}

func literalPrefix(tmpl string) int {
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] == '{' {
			return i
		}
	}
	return len(tmpl)
}

// Lists, in name (or URI) order, each entry the highest visible version.

func (v *view) toolList() []*mcp.Tool {
	out := []*mcp.Tool{}
	for _, name := range v.snap.toolNames {
		list := v.snap.tools[name]
		t := pick(list, "", func(t *Tool) string { return t.Version }, v.toolOK)
		if t == nil {
			continue
		}
		var outSchema any
		if len(t.OutputSchema) > 0 {
			outSchema = t.OutputSchema
		}
		out = append(out, &mcp.Tool{
			Name: t.Name, Title: t.Title, Description: t.Description, Annotations: t.Annotations,
			InputSchema: t.InputSchema, OutputSchema: outSchema,
			Meta: componentMeta(t.Meta, t.Tags, t.Version, visibleVersions(list, func(t *Tool) string { return t.Version }, v.toolOK)),
		})
	}
	return out
}

func (v *view) resourceList() []*mcp.Resource {
	out := []*mcp.Resource{}
	for _, uri := range v.snap.resURIs {
		list := v.snap.resources[uri]
		r := pick(list, "", func(r *Resource) string { return r.Version }, v.resourceOK)
		if r == nil {
			continue
		}
		out = append(out, &mcp.Resource{
			URI: r.URI, Name: r.Name, Title: r.Title, Description: r.Description, MIMEType: r.MIMEType,
			Meta: componentMeta(r.Meta, r.Tags, r.Version, visibleVersions(list, func(r *Resource) string { return r.Version }, v.resourceOK)),
		})
	}
	return out
}

func (v *view) templateList() []*mcp.ResourceTemplate {
	out := []*mcp.ResourceTemplate{}
	ok := func(b *boundTemplate) bool { return v.templateOK(b.t) }
	for _, key := range v.snap.tmplURIs {
		list := v.snap.templates[key]
		b := pick(list, "", func(b *boundTemplate) string { return b.t.Version }, ok)
		if b == nil {
			continue
		}
		t := b.t
		out = append(out, &mcp.ResourceTemplate{
			URITemplate: t.URITemplate, Name: t.Name, Title: t.Title, Description: t.Description, MIMEType: t.MIMEType,
			Meta: componentMeta(t.Meta, t.Tags, t.Version, visibleVersions(list, func(b *boundTemplate) string { return b.t.Version }, ok)),
		})
	}
	return out
}

func (v *view) promptList() []*mcp.Prompt {
	out := []*mcp.Prompt{}
	for _, name := range v.snap.promptNames {
		list := v.snap.prompts[name]
		p := pick(list, "", func(p *Prompt) string { return p.Version }, v.promptOK)
		if p == nil {
			continue
		}
		args := make([]*mcp.PromptArgument, len(p.Arguments))
		for i, a := range p.Arguments {
			args[i] = &mcp.PromptArgument{Name: a.Name, Title: a.Title, Description: a.Description, Required: a.Required}
		}
		out = append(out, &mcp.Prompt{
			Name: p.Name, Title: p.Title, Description: p.Description, Arguments: args,
			Meta: componentMeta(p.Meta, p.Tags, p.Version, visibleVersions(list, func(p *Prompt) string { return p.Version }, v.promptOK)),
		})
	}
	return out
}

// lists returns the view's four lists, built once per snapshot and view
// (see cache).
func (v *view) lists() [4]any {
	return v.cache().lists
}

// visibleKeys returns, per kind, what the view can list (for telling a
// session which of its lists changed).
func (v *view) visibleKeys() [4][]byte {
	var out [4][]byte
	for i, l := range v.lists() {
		out[i], _ = json.Marshal(l)
	}
	return out
}

// componentMeta returns meta with the component's tags, version and
// visible versions under "mcpgen", as FastMCP lists them under "fastmcp".
// Components with neither tags nor a version keep their meta unchanged.
func componentMeta(meta map[string]any, tags []string, version string, versions []string) map[string]any {
	if len(tags) == 0 && version == "" {
		return meta
	}
	out := make(map[string]any, len(meta)+1)
	for k, v := range meta {
		out[k] = v
	}
	m := map[string]any{}
	if len(tags) > 0 {
		m["tags"] = tags
	}
	if version != "" {
		m["version"] = version
		m["versions"] = versions
	}
	out["mcpgen"] = m
	return out
}

// Pagination: an opaque cursor holding the offset of the next page.

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"o":` + strconv.Itoa(offset) + `}`))
}

func decodeCursor(cursor string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	js, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, InvalidParams("invalid cursor %q", cursor)
	}
	var c struct {
		O *int `json:"o"`
	}
	if json.Unmarshal(js, &c) != nil || c.O == nil || *c.O < 0 {
		return 0, InvalidParams("invalid cursor %q", cursor)
	}
	return *c.O, nil
}

// page returns the page of list that cursor starts, its offset, and the
// next cursor.
func page[T any](list []T, cursor string, size int) ([]T, int, string, error) {
	off, err := decodeCursor(cursor)
	if err != nil {
		return nil, 0, "", err
	}
	if size <= 0 {
		if off > 0 {
			return []T{}, off, "", nil
		}
		return slices.Clone(list), off, "", nil // middleware may filter the page in place
	}
	if off >= len(list) {
		return []T{}, off, "", nil
	}
	end := min(off+size, len(list))
	next := ""
	if end < len(list) {
		next = encodeCursor(end)
	}
	return slices.Clone(list[off:end]), off, next, nil
}
