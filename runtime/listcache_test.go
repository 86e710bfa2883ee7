package runtime

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// marshalCounter counts how often it is encoded: as a tool's _meta value
// it shows how often the tool list is encoded.
type marshalCounter struct{ n atomic.Int64 }

func (c *marshalCounter) MarshalJSON() ([]byte, error) {
	c.n.Add(1)
	return []byte(`"counted"`), nil
}

// listServer serves three tools, the first carrying counter in its meta,
// over stateless HTTP with JSON responses, with pages of pageSize.
func listServer(t *testing.T, counter *marshalCounter, pageSize int, mw ...Middleware) *httptest.Server {
	t.Helper()
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{Stateless: true, JSONResponse: true, PageSize: pageSize})
	a := tool("a", "", text("a"))
	a.Meta = map[string]any{"counter": counter}
	a.Tags = []string{"x"}
	b := tool("b", "1.0", text("b"))
	b.Description = "<b> & \u2028" // escaped alike on both paths
	c := tool("c", "", text("c"))
	if err := s.Add(&Components{Tools: []*Tool{a, b, c}}); err != nil {
		t.Fatal(err)
	}
	s.Use(mw...)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func listCase(era, cursor string) fastCase {
	params := `{}`
	if cursor != "" {
		params = `{"cursor":"` + cursor + `"}`
	}
	if era == "2026-07-28" {
		params = `{` + modernMeta
		if cursor != "" {
			params += `,"cursor":"` + cursor + `"`
		}
		params += `}`
		return fastCase{body: `{"jsonrpc":"2.0","id":7,"method":"tools/list","params":` + params + `}`,
			header: map[string]string{"Mcp-Protocol-Version": era, "Mcp-Method": "tools/list"}}
	}
	return fastCase{body: `{"jsonrpc":"2.0","id":7,"method":"tools/list","params":` + params + `}`,
		header: map[string]string{"Mcp-Protocol-Version": era}}
}

// TestListPagesEncodedOnce shows that a list page is encoded once per
// snapshot, not per request: the tool's meta is encoded on the first list
// and never again, on every page size.
func TestListPagesEncodedOnce(t *testing.T) {
	for _, size := range []int{0, 2} {
		t.Run(fmt.Sprintf("page size %d", size), func(t *testing.T) {
			var counter marshalCounter
			srv := listServer(t, &counter, size)
			first := post(t, srv.URL, listCase("2025-11-25", ""))
			if first.status != 200 || !strings.Contains(first.raw, `"counted"`) {
				t.Fatalf("first list: %d %s", first.status, first.raw)
			}
			n := counter.n.Load()
			for range 3 {
				for _, era := range []string{"2025-11-25", "2026-07-28"} {
					if a := post(t, srv.URL, listCase(era, "")); a.raw != first.raw && era == "2025-11-25" {
						t.Fatalf("list changed: %s, then %s", first.raw, a.raw)
					}
				}
			}
			if got := counter.n.Load(); got != n {
				t.Errorf("the tool was encoded %d times more by 6 more lists, want 0", got-n)
			}
		})
	}
}

// TestListPagesSameBytes shows that a cached page is sent byte for byte as
// encoding the result would send it, in both eras and on every page, by
// comparing with a server whose middleware gives back equal tools that are
// not the cached ones (so that the result is encoded in full).
func TestListPagesSameBytes(t *testing.T) {
	copyTools := func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (mcp.Result, error) {
			res, err := next(ctx, r)
			if l, ok := res.(*mcp.ListToolsResult); ok {
				for i, tl := range l.Tools {
					cp := *tl
					l.Tools[i] = &cp
				}
			}
			return res, err
		}
	}
	for _, era := range []string{"2025-11-25", "2026-07-28"} {
		for _, size := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s page size %d", era, size), func(t *testing.T) {
				var c1, c2 marshalCounter
				cached := listServer(t, &c1, size)
				full := listServer(t, &c2, size, copyTools)
				cursor := ""
				for page := 0; ; page++ {
					for range 2 { // the second time from the cache
						a, b := post(t, cached.URL, listCase(era, cursor)), post(t, full.URL, listCase(era, cursor))
						if a.status != 200 || a.raw != b.raw || a.contentType != b.contentType {
							t.Fatalf("page %d:\ncached %d %s\nfull   %d %s", page, a.status, a.raw, b.status, b.raw)
						}
					}
					a := post(t, cached.URL, listCase(era, cursor))
					m, _ := a.body.(map[string]any)
					res, _ := m["result"].(map[string]any)
					if res == nil {
						t.Fatalf("no result: %s", a.raw)
					}
					if era == "2026-07-28" && !strings.Contains(a.raw, mcp.MetaKeyServerInfo) {
						t.Errorf("2026-07-28 list without the server's info: %s", a.raw)
					}
					next, _ := res["nextCursor"].(string)
					if next == "" {
						break
					}
					cursor = next
				}
				if c2.n.Load() <= c1.n.Load() {
					t.Errorf("the full server encoded the tool %d times, the cached one %d: the middleware did not defeat the cache", c2.n.Load(), c1.n.Load())
				}
			})
		}
	}
}

// TestListCacheFollowsMiddleware shows that a middleware that filters a
// list is obeyed (the cached page is not sent in its place).
func TestListCacheFollowsMiddleware(t *testing.T) {
	var counter marshalCounter
	dropA := func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (mcp.Result, error) {
			res, err := next(ctx, r)
			if l, ok := res.(*mcp.ListToolsResult); ok && len(l.Tools) > 0 && l.Tools[0].Name == "a" {
				l.Tools = l.Tools[1:]
			}
			return res, err
		}
	}
	srv := listServer(t, &counter, 0, dropA)
	for range 2 {
		a := post(t, srv.URL, listCase("2025-11-25", ""))
		if strings.Contains(a.raw, `"name":"a"`) || !strings.Contains(a.raw, `"name":"b"`) {
			t.Fatalf("filtered list: %s", a.raw)
		}
	}
}

// TestListCacheBounds shows the cache's bounds: views beyond
// maxCachedViews and pages at offsets no server cursor names are served
// right but not kept, and session views' pages stop being kept past their
// byte budget.
func TestListCacheBounds(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	var tools []*Tool
	for i := range 5 {
		tools = append(tools, tool(fmt.Sprintf("t%d", i), "", text("ok")))
	}
	if err := s.Add(&Components{Tools: tools}); err != nil {
		t.Fatal(err)
	}
	snap := s.snapshot(context.Background())
	for i := range maxCachedViews + 10 {
		hidden := fmt.Sprintf("t%d", i%5)
		v := view{snap: snap, rules: []Rule{{Enable: false, Match: Match{Names: []string{hidden, fmt.Sprint(i)}}}}}
		list := v.lists()[kTools].([]*mcp.Tool)
		if len(list) != 4 {
			t.Fatalf("view %d lists %d tools, want 4", i, len(list))
		}
		for _, tl := range list {
			if tl.Name == hidden {
				t.Fatalf("view %d lists %s, which its rules hide", i, hidden)
			}
		}
	}
	if n := snap.views.n.Load(); n != maxCachedViews {
		t.Errorf("%d views cached, want %d", n, maxCachedViews)
	}

	c := snap.globalLists
	items := c.lists[kTools].([]*mcp.Tool)
	c.encoded(kTools, 1, 2, items[1:3]) // not a page boundary
	c.encoded(kTools, 2, 2, items[2:4])
	if _, ok := c.pages[pageKey{kTools, 1, 2}]; ok {
		t.Error("a page at offset 1 of size 2 was cached")
	}
	if _, ok := c.pages[pageKey{kTools, 2, 2}]; !ok {
		t.Error("the page at offset 2 of size 2 was not cached")
	}

	var budget atomic.Int64
	budget.Store(maxCachedViewBytes - 10) // nearly spent
	sv := &viewLists{lists: c.lists, budget: &budget}
	if js := sv.encoded(kTools, 0, 0, items); !strings.Contains(string(js), `"t4"`) {
		t.Fatalf("encoded %s", js)
	}
	if len(sv.pages) != 0 || budget.Load() != maxCachedViewBytes-10 {
		t.Errorf("a page past the budget was cached (%d pages, budget %d)", len(sv.pages), budget.Load())
	}
}
