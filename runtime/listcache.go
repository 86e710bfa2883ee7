package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// List pages are encoded once per catalogue snapshot and visibility view,
// not per request. A view's four lists are built when the view is first
// used (the server-wide one with the snapshot) and each page of them is
// encoded as a JSON array the first time it is asked for; the snapshot
// holds both until it is replaced. A list result still reaches middleware
// as the go-sdk type with its items (which middleware may filter or
// replace); when it leaves unchanged, the same items in the same order,
// the cached array is written in place of encoding them again.

// Bounds on what one snapshot caches, against clients that vary their
// visibility rules or cursors without end. Only pages that start where the
// server's own cursors point (offsets that are multiples of the page size)
// are cached, so a view's pages hold its lists once; the views of sessions
// with their own rules are cached up to a number and a total size. Past
// the bounds, lists and pages are built and encoded per request, as
// without the cache.
const (
	maxCachedViews     = 64
	maxCachedViewBytes = 16 << 20 // encoded pages of all views but the server-wide one
)

// viewLists is one view's lists and their encoded pages.
type viewLists struct {
	lists  [4]any
	tasks  map[string]TaskSupport // the tools' task support, by name, when not forbidden
	budget *atomic.Int64          // bytes left for this view's pages; nil: no limit (the server-wide view)

	mu    sync.Mutex
	pages map[pageKey][]byte
}

type pageKey struct{ kind, off, size int }

// encodedPage is the page a list handler answered: the items of the cache
// and their JSON array.
type encodedPage struct {
	items any // []*mcp.Tool, []*mcp.Resource, []*mcp.ResourceTemplate or []*mcp.Prompt
	js    []byte
	tasks map[string]TaskSupport // the tools' execution.taskSupport (viewLists.tasks)
}

// viewCache holds a snapshot's views other than the server-wide one, by
// their rules and the outcome of their authorization checks.
type viewCache struct {
	views  sync.Map // rules' JSON -> *viewLists
	n      atomic.Int32
	budget atomic.Int64 // bytes of pages cached so far, against maxCachedViewBytes
}

// cache returns the view's lists, built once per snapshot and set of
// rules.
func (v *view) cache() *viewLists {
	// The key holds the outcome of every authorization check in the view:
	// a page built for one principal is served only to principals whose
	// checks come out the same.
	outcomes := v.outcomes()
	if v.rules == nil && !strings.Contains(outcomes, "0") {
		return v.snap.globalLists
	}
	key, err := json.Marshal(v.rules)
	if err != nil {
		lists := v.buildLists()
		return &viewLists{lists: lists, tasks: v.taskSupports(lists)}
	}
	key = append(key, outcomes...)
	if c, ok := v.snap.views.views.Load(string(key)); ok {
		return c.(*viewLists)
	}
	lists := v.buildLists()
	c := &viewLists{lists: lists, tasks: v.taskSupports(lists), budget: &v.snap.views.budget}
	if v.snap.views.n.Load() >= maxCachedViews {
		return c
	}
	if prev, loaded := v.snap.views.views.LoadOrStore(string(key), c); loaded {
		return prev.(*viewLists)
	}
	v.snap.views.n.Add(1)
	return c
}

func (v *view) buildLists() [4]any {
	return [4]any{v.toolList(), v.resourceList(), v.templateList(), v.promptList()}
}

// encoded returns the JSON array of items, the page of list kind starting
// at off with size (as page cut it), encoding it on first use.
func (c *viewLists) encoded(kind, off, size int, items any) []byte {
	key := pageKey{kind, off, size}
	cacheable := (size <= 0 && off == 0) || (size > 0 && off%size == 0)
	if cacheable {
		c.mu.Lock()
		js, ok := c.pages[key]
		c.mu.Unlock()
		if ok {
			return js
		}
	}
	var js []byte
	var err error
	if tools, ok := items.([]*mcp.Tool); ok && c.tasks != nil {
		js, err = encodeTools(tools, c.tasks)
	} else {
		js, err = encodeJSON(items)
	}
	if err != nil || !cacheable {
		return js // an error shows when the result is encoded
	}
	if c.budget != nil && c.budget.Add(int64(len(js))) > maxCachedViewBytes {
		c.budget.Add(-int64(len(js)))
		return js
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.pages[key]; ok {
		if c.budget != nil {
			c.budget.Add(-int64(len(js)))
		}
		return prev
	}
	if c.pages == nil {
		c.pages = map[pageKey][]byte{}
	}
	c.pages[key] = js
	return js
}

// window returns the n items of list from off: the page that page cut,
// in the cached list itself.
func window[T any](list []T, off, n int) []T {
	if off >= len(list) {
		return list[:0:0]
	}
	return list[off : off+n : off+n]
}

// samePointers reports whether a and b hold the same pointers in the same
// order.
func samePointers[T any](a, b []*T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// preEncoded returns the result to give go-sdk for a list result that
// left the middleware with the items of the page unchanged: it writes the
// cached array. Any other result is nil.
func (p *encodedPage) preEncoded(res mcp.Result) preEncodedList {
	if p == nil || p.js == nil {
		return nil
	}
	switch r := res.(type) {
	case *mcp.ListToolsResult:
		if items, _ := p.items.([]*mcp.Tool); r != nil && samePointers(r.Tools, items) {
			return &preTools{r, p.js}
		}
	case *mcp.ListResourcesResult:
		if items, _ := p.items.([]*mcp.Resource); r != nil && samePointers(r.Resources, items) {
			return &preResources{r, p.js}
		}
	case *mcp.ListResourceTemplatesResult:
		if items, _ := p.items.([]*mcp.ResourceTemplate); r != nil && samePointers(r.ResourceTemplates, items) {
			return &preTemplates{r, p.js}
		}
	case *mcp.ListPromptsResult:
		if items, _ := p.items.([]*mcp.Prompt); r != nil && samePointers(r.Prompts, items) {
			return &prePrompts{r, p.js}
		}
	}
	return nil
}

// A preEncodedList is a list result whose items are already encoded. It
// embeds go-sdk's own result type, so that go-sdk still sets what it sets
// on a result before sending it (the resultType and the server's info in
// _meta, for 2026-07-28 requests), and encodes the rest of the result when
// it is sent: the items field is last in each go-sdk list type, so the
// result encoded with no items ends in `"tools":[]}` (or the field of its
// kind), and the cached array goes in place of the empty one.
type preEncodedList interface {
	mcp.Result
	// envelope returns a copy of the result without its items, the name
	// of the items' field and the cached items.
	envelope() (env any, field string, items []byte)
}

type preTools struct {
	*mcp.ListToolsResult
	items []byte
}

func (p *preTools) envelope() (any, string, []byte) {
	cp := *p.ListToolsResult
	cp.Tools = []*mcp.Tool{}
	return &cp, "tools", p.items
}

func (p *preTools) MarshalJSON() ([]byte, error) { return splice(p, p.ListToolsResult) }

type preResources struct {
	*mcp.ListResourcesResult
	items []byte
}

func (p *preResources) envelope() (any, string, []byte) {
	cp := *p.ListResourcesResult
	cp.Resources = []*mcp.Resource{}
	return &cp, "resources", p.items
}

func (p *preResources) MarshalJSON() ([]byte, error) { return splice(p, p.ListResourcesResult) }

type preTemplates struct {
	*mcp.ListResourceTemplatesResult
	items []byte
}

func (p *preTemplates) envelope() (any, string, []byte) {
	cp := *p.ListResourceTemplatesResult
	cp.ResourceTemplates = []*mcp.ResourceTemplate{}
	return &cp, "resourceTemplates", p.items
}

func (p *preTemplates) MarshalJSON() ([]byte, error) {
	return splice(p, p.ListResourceTemplatesResult)
}

type prePrompts struct {
	*mcp.ListPromptsResult
	items []byte
}

func (p *prePrompts) envelope() (any, string, []byte) {
	cp := *p.ListPromptsResult
	cp.Prompts = []*mcp.Prompt{}
	return &cp, "prompts", p.items
}

func (p *prePrompts) MarshalJSON() ([]byte, error) { return splice(p, p.ListPromptsResult) }

// splice encodes p's envelope and puts the cached items in it; full is the
// result to encode instead should the envelope not end as expected.
func splice(p preEncodedList, full any) ([]byte, error) {
	env, field, items := p.envelope()
	js, err := encodeJSON(env)
	if err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(js, []byte(`"`+field+`":[]}`)) {
		return encodeJSON(full) // not the layout this relies on
	}
	out := make([]byte, 0, len(js)+len(items))
	out = append(out, js[:len(js)-3]...) // up to `"tools":`
	out = append(out, items...)
	return append(out, '}'), nil
}

// encodeJSON is json.Marshal without HTML escaping, as go-sdk writes its
// messages, with a panic turned into an error.
func encodeJSON(v any) (js []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
