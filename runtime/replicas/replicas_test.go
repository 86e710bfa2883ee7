package replicas_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/replicas"
	"github.com/mcpgen/mcpgen/runtime/state"
)

// Two replicas sharing a store: a session opened on one is served through
// the other, which forwards its requests; after DELETE it is gone from
// both.
func TestSessionForwarded(t *testing.T) {
	shared := state.NewMemory(0)
	var urls []string
	for _, name := range []string{"a", "b"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		self := "http://" + ln.Addr().String()
		router := replicas.NewRouter(replicas.Options{Self: self, Store: shared})
		srv := runtime.NewServer(&runtime.Implementation{Name: name, Version: "1"}, &runtime.Options{
			HTTPMiddleware: []func(http.Handler) http.Handler{router.Middleware}})
		err = srv.Add(&runtime.Components{Tools: []*runtime.Tool{{Name: "who", InputSchema: json.RawMessage(`{"type":"object"}`),
			Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.TextResult(name), nil
			}}}})
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan struct{})
		done := make(chan error, 1)
		go func() { done <- srv.ListenAndServe(ctx, ln.Addr().String(), func(string) { close(ready) }) }()
		t.Cleanup(func() { cancel(); <-done })
		select {
		case <-ready:
		case err := <-done:
			t.Fatal(err)
		case <-time.After(10 * time.Second):
			t.Fatal("server did not start")
		}
		urls = append(urls, self+"/mcp")
	}
	post := func(url, session, method string, params any, id int) (*http.Response, string) {
		t.Helper()
		msg := map[string]any{"jsonrpc": "2.0", "method": method, "params": params}
		if id > 0 {
			msg["id"] = id
		}
		body, _ := json.Marshal(msg)
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, _ := post(urls[0], "", "initialize", map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "c", "version": "1"}}, 1)
	sid := resp.Header.Get("Mcp-Session-Id")
	if sid == "" {
		t.Fatal("no session")
	}
	post(urls[1], sid, "notifications/initialized", map[string]any{}, 0)
	for _, u := range urls {
		resp, body := post(u, sid, "tools/call", map[string]any{"name": "who"}, 2)
		if resp.StatusCode != 200 || !strings.Contains(body, `"text":"a"`) {
			t.Fatalf("call through %s: %d %s", u, resp.StatusCode, body)
		}
	}
	req, _ := http.NewRequest("DELETE", urls[1], nil)
	req.Header.Set("Mcp-Session-Id", sid)
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode >= 300 {
		t.Fatalf("DELETE through b: %v %v", err, r)
	}
	for _, u := range urls {
		if resp, body := post(u, sid, "tools/call", map[string]any{"name": "who"}, 3); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("call of the ended session through %s: %d %s", u, resp.StatusCode, body)
		}
	}
}
