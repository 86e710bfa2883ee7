package kitchen

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/tasks"
)

// The generated task tools: tools/list shows their task support, a call
// from a client that speaks tasks runs the function in a task once its
// arguments are checked, and invalid arguments are answered at once.
func TestGeneratedTaskTools(t *testing.T) {
	srv := runtime.NewServer(&runtime.Implementation{Name: "kitchen", Version: "1"}, nil)
	if err := srv.Add(Components()); err != nil {
		t.Fatal(err)
	}
	if _, err := tasks.Register(srv, nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer srv.Close(ctx)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	id := 0
	call := func(method string, params map[string]any, ext bool) map[string]any {
		t.Helper()
		caps := map[string]any{}
		if ext {
			caps["extensions"] = map[string]any{tasks.ExtensionID: map[string]any{}}
		}
		params["_meta"] = map[string]any{"io.modelcontextprotocol/protocolVersion": "2026-07-28",
			"io.modelcontextprotocol/clientInfo": map[string]any{"name": "t", "version": "1"}, "io.modelcontextprotocol/clientCapabilities": caps}
		id++
		body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
		req, _ := http.NewRequest("POST", hs.URL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", method)
		if n, ok := params["name"].(string); ok {
			req.Header.Set("Mcp-Name", n)
		}
		if n, ok := params["taskId"].(string); ok {
			req.Header.Set("Mcp-Name", n)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if i := bytes.LastIndex(raw, []byte("data: ")); i >= 0 {
			raw = raw[i+len("data: "):]
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %s", method, raw)
		}
		return m
	}
	list := call("tools/list", map[string]any{}, true)["result"].(map[string]any)["tools"].([]any)
	exec := map[string]any{}
	for _, x := range list {
		tool := x.(map[string]any)
		exec[tool["name"].(string)] = tool["execution"]
	}
	if exec["render"].(map[string]any)["taskSupport"] != "optional" || exec["export"].(map[string]any)["taskSupport"] != "required" || exec["now"] != nil || exec["hello"] != nil {
		t.Fatalf("execution in tools/list: %v", exec)
	}
	res := call("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"pages": 3}}, true)["result"].(map[string]any)
	taskID, _ := res["taskId"].(string)
	if res["resultType"] != "task" || taskID == "" {
		t.Fatalf("render as a task: %v", res)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := call("tasks/get", map[string]any{"taskId": taskID}, true)["result"].(map[string]any)
		if got["status"] == "completed" {
			content := got["result"].(map[string]any)["content"].([]any)
			if text := content[0].(map[string]any)["text"]; text != "3 pages" {
				t.Fatalf("render's task result = %v", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("render's task: %v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	bad := call("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"pages": 0}}, true)["result"].(map[string]any)
	if bad["isError"] != true || bad["taskId"] != nil {
		t.Fatalf("render with invalid arguments = %v, want an error result at once", bad)
	}
	if e := call("tools/call", map[string]any{"name": "export", "arguments": map[string]any{}}, false)["error"].(map[string]any); e["code"] != float64(-32021) {
		t.Fatalf("export without the extension = %v", e)
	}
	if now := call("tools/call", map[string]any{"name": "now", "arguments": map[string]any{}}, true)["result"].(map[string]any); now["taskId"] != nil || !strings.Contains(now["content"].([]any)[0].(map[string]any)["text"].(string), "now") {
		t.Fatalf("now = %v", now)
	}
}
