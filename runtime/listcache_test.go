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
