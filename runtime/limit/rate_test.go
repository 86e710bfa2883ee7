package limit_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/limit"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// retryAfter checks that err is the rate limit's JSON-RPC error and
// returns the wait it names.
func retryAfter(t *testing.T, err error) float64 {
	t.Helper()
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != limit.CodeRateLimited {
		t.Fatalf("got %v, want the rate limit's JSON-RPC error", err)
	}
	var data struct {
		RetryAfter float64 `json:"retryAfter"`
	}
	if err := json.Unmarshal(je.Data, &data); err != nil || data.RetryAfter <= 0 {
		t.Fatalf("data %s: want a positive retryAfter", je.Data)
	}
	if want := "Rate limit exceeded: retry after " + strconv.FormatFloat(data.RetryAfter, 'f', -1, 64) + "s"; je.Message != want {
		t.Errorf("message %q, want %q", je.Message, want)
	}
	return data.RetryAfter
}

// Per session over every method: each session has its own bucket, and
// lists take tokens too.
func TestRatePerSession(t *testing.T) {
	mw, err := limit.Rate(limit.RateOptions{PerSecond: 0.01, Burst: 2})
	if err != nil {
		t.Fatal(err)
	}
	s := runtime.NewServer(&runtime.Implementation{Name: "rated", Version: "1"}, nil)
	s.Use(mw)
	if err := s.Add(&runtime.Components{Tools: []*runtime.Tool{textTool("search", 1)}}); err != nil {
		t.Fatal(err)
	}
	a, b := connect(t, s), connect(t, s)
	if _, err := a.ListTools(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callTool(t, a, "search"); err != nil {
		t.Fatal(err)
	}
	_, err = callTool(t, a, "search")
	if wait := retryAfter(t, err); wait < 50 || wait > 100 {
		t.Errorf("retry after %vs, want about 100s (one token at 0.01/s)", wait)
	}
	if _, err := a.ListTools(context.Background(), nil); err == nil {
		t.Error("a list beyond the limit was answered")
	}
	if _, err := callTool(t, b, "search"); err != nil {
		t.Errorf("another session is limited too: %v", err)
	}
}

// Per tool and per principal (an API key header) over stateless HTTP, on
// the fast path and through go-sdk: only the listed tool is limited, each
// key has its own bucket, and the error is the same on both paths.
func TestRatePerToolAndPrincipal(t *testing.T) {
	for _, noFast := range []bool{false, true} {
		mw, err := limit.Rate(limit.RateOptions{PerSecond: 0.01, Burst: 1, Tools: []string{"search"}, Key: limit.ByHeader("X-Api-Key")})
		if err != nil {
			t.Fatal(err)
		}
		s := runtime.NewServer(&runtime.Implementation{Name: "rated", Version: "1"}, &runtime.Options{Stateless: true, JSONResponse: true, NoFastPath: noFast})
		s.Use(mw)
		if err := s.Add(&runtime.Components{Tools: []*runtime.Tool{textTool("search", 1), textTool("fetch", 1)}}); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s.Handler())
		send := func(key, tool string) map[string]any {
			t.Helper()
			body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
			req.Header.Set("X-Api-Key", key)
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var msg map[string]any
			if err := json.Unmarshal(raw, &msg); err != nil {
				t.Fatalf("%d %s", resp.StatusCode, raw)
			}
			return msg
		}
		ok := func(msg map[string]any) bool { return msg["result"] != nil }
		if !ok(send("alice", "search")) {
			t.Fatalf("noFast=%v: alice's first search refused", noFast)
		}
		refused := send("alice", "search")
		e, _ := refused["error"].(map[string]any)
		data, _ := e["data"].(map[string]any)
		if e["code"] != float64(limit.CodeRateLimited) || data["retryAfter"] == nil || !strings.HasPrefix(e["message"].(string), "Rate limit exceeded: retry after ") {
			t.Errorf("noFast=%v: alice's second search: %v", noFast, refused)
		}
		if !ok(send("alice", "fetch")) || !ok(send("alice", "fetch")) {
			t.Errorf("noFast=%v: a tool not listed is limited", noFast)
		}
		if !ok(send("bob", "search")) {
			t.Errorf("noFast=%v: bob shares alice's bucket", noFast)
		}
		srv.Close()
	}
}

// Per principal: each verified caller has one bucket across its requests.
func TestRateByPrincipal(t *testing.T) {
	mw, err := limit.Rate(limit.RateOptions{PerSecond: 0.01, Burst: 1, Key: limit.ByPrincipal})
	if err != nil {
		t.Fatal(err)
	}
	s := runtime.NewServer(&runtime.Implementation{Name: "rated", Version: "1"}, &runtime.Options{Stateless: true, JSONResponse: true,
		AuthenticateHTTP: true, Authenticate: func(r *runtime.Request) *runtime.Principal {
			return &runtime.Principal{Subject: r.Header.Get("X-User")} // a verified principal, in a real server
		}})
	s.Use(mw)
	if err := s.Add(&runtime.Components{Tools: []*runtime.Tool{textTool("search", 1)}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	send := func(user string) string {
		body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{}}}`
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		req.Header.Set("X-User", user)
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return string(raw)
	}
	if got := send("alice"); !strings.Contains(got, `"result"`) {
		t.Fatalf("alice's first call: %s", got)
	}
	if got := send("alice"); !strings.Contains(got, "Rate limit exceeded") {
		t.Errorf("alice's second call: %s", got)
	}
	if got := send("bob"); !strings.Contains(got, `"result"`) {
		t.Errorf("bob shares alice's bucket: %s", got)
	}
}

// With open dynamic registration a user can register any number of
// clients, and ByPrincipal (issuer, subject and client) gives each its
// own bucket; ByPrincipalSubject keys by issuer and subject alone, so one
// user has one bucket whatever the client, and a principal without a
// subject (client credentials) one per client.
func TestRateByPrincipalSubject(t *testing.T) {
	for _, c := range []struct {
		name string
		key  func(*runtime.Request) string
		// whether alice through another client is refused
		shared bool
	}{{"ByPrincipal", limit.ByPrincipal, false}, {"ByPrincipalSubject", limit.ByPrincipalSubject, true}} {
		mw, err := limit.Rate(limit.RateOptions{PerSecond: 0.01, Burst: 1, Key: c.key})
		if err != nil {
			t.Fatal(err)
		}
		s := runtime.NewServer(&runtime.Implementation{Name: "rated", Version: "1"}, &runtime.Options{Stateless: true, JSONResponse: true,
			AuthenticateHTTP: true, Authenticate: func(r *runtime.Request) *runtime.Principal {
				// a verified principal, in a real server
				return &runtime.Principal{Issuer: "https://as.example", Subject: r.Header.Get("X-User"), ClientID: r.Header.Get("X-Client")}
			}})
		s.Use(mw)
		if err := s.Add(&runtime.Components{Tools: []*runtime.Tool{textTool("search", 1)}}); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s.Handler())
		send := func(user, client string) bool {
			body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{}}}`
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
			req.Header.Set("X-User", user)
			req.Header.Set("X-Client", client)
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(raw), `"result"`) && !strings.Contains(string(raw), "Rate limit exceeded") {
				t.Fatalf("%s: %s", c.name, raw)
			}
			return strings.Contains(string(raw), `"result"`)
		}
		if !send("alice", "client-1") {
			t.Fatalf("%s: alice's first call refused", c.name)
		}
		if send("alice", "client-1") {
			t.Errorf("%s: alice's second call through the same client passed", c.name)
		}
		if passed := send("alice", "client-2"); passed == c.shared {
			t.Errorf("%s: alice through a newly registered client passed = %v, want %v", c.name, passed, !c.shared)
		}
		if !send("bob", "client-1") {
			t.Errorf("%s: bob shares alice's bucket", c.name)
		}
		// No subject (client credentials): one bucket per client.
		if !send("", "machine-1") || send("", "machine-1") || !send("", "machine-2") {
			t.Errorf("%s: principals without a subject are not keyed by their client", c.name)
		}
		srv.Close()
	}
}
