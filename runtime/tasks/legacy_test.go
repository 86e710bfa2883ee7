package tasks_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// A client of protocol 2025-11-25 over a stateful HTTP session.
type sessionClient struct {
	t       *testing.T
	url     string
	session string
	id      int
	init    map[string]any // the initialize result
}

func (f *fixture) session(t *testing.T) *sessionClient {
	c := &sessionClient{t: t, url: f.url}
	r, h := c.post("initialize", map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "legacy", "version": "1"}}, true)
	if r.Error != nil {
		t.Fatalf("initialize: %v", r.Error)
	}
	json.Unmarshal(r.Result, &c.init)
	c.session = h.Get("Mcp-Session-Id")
	if c.session == "" {
		t.Fatal("no session id")
	}
	c.notify("notifications/initialized")
	return c
}

func (c *sessionClient) post(method string, params map[string]any, call bool) (rpcResponse, http.Header) {
	c.t.Helper()
	msg := map[string]any{"jsonrpc": "2.0", "method": method, "params": params}
	if call {
		c.id++
		msg["id"] = c.id
	}
	body, _ := json.Marshal(msg)
	req, _ := http.NewRequest("POST", c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	if !call {
		io.Copy(io.Discard, resp.Body)
		return rpcResponse{}, resp.Header
	}
	return readResponse(c.t, resp), resp.Header
}

func (c *sessionClient) notify(method string) { c.post(method, map[string]any{}, false) }

func (c *sessionClient) call(method string, params map[string]any) map[string]any {
	c.t.Helper()
	r, _ := c.post(method, params, true)
	if r.Error != nil {
		c.t.Fatalf("%s: error %d %s", method, r.Error.Code, r.Error.Message)
	}
	var m map[string]any
	json.Unmarshal(r.Result, &m)
	return m
}

func (c *sessionClient) fails(method string, params map[string]any, code int64) *jsonrpc.Error {
	c.t.Helper()
	r, _ := c.post(method, params, true)
	if r.Error == nil || r.Error.Code != code {
		c.t.Fatalf("%s = %s, %+v; want error %d", method, r.Result, r.Error, code)
	}
	return r.Error
}

// SEP-1686 on a 2025-11-25 session: capabilities.tasks, params.task,
// CreateTaskResult, tasks/get, tasks/list, tasks/result, tasks/cancel.
func TestSEP1686Session(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.session(t)
	caps, _ := c.init["capabilities"].(map[string]any)
	tc, _ := caps["tasks"].(map[string]any)
	if tc == nil || tc["requests"].(map[string]any)["tools"].(map[string]any)["call"] == nil || tc["list"] == nil || tc["cancel"] == nil {
		t.Fatalf("initialize capabilities = %v, want tasks", caps)
	}

	created := c.call("tools/call", map[string]any{"name": "slow", "arguments": map[string]any{"seconds": 0.2, "label": "legacy"}, "task": map[string]any{"ttl": 1000}})
	task, _ := created["task"].(map[string]any)
	id, _ := task["taskId"].(string)
	if id == "" || task["status"] != "working" || task["ttl"] != float64(3600000) || task["pollInterval"] == nil || task["ttlMs"] != nil {
		t.Fatalf("CreateTaskResult = %v", created)
	}
	got := c.call("tasks/get", map[string]any{"taskId": id})
	if got["taskId"] != id || got["ttl"] == nil || got["resultType"] != nil || got["result"] != nil {
		t.Fatalf("tasks/get = %v", got)
	}
	res := c.call("tasks/result", map[string]any{"taskId": id}) // blocks until the task ends
	meta, _ := res["_meta"].(map[string]any)
	if !strings.HasPrefix(text(res), "done legacy") || meta["io.modelcontextprotocol/related-task"].(map[string]any)["taskId"] != id {
		t.Fatalf("tasks/result = %v", res)
	}
	list := c.call("tasks/list", map[string]any{})
	if tl, _ := list["tasks"].([]any); len(tl) != 1 || tl[0].(map[string]any)["taskId"] != id {
		t.Fatalf("tasks/list = %v", list)
	}

	// A tool error fails the task (SEP-1686), and tasks/result returns it.
	fid := c.call("tools/call", map[string]any{"name": "failing", "task": map[string]any{}})["task"].(map[string]any)["taskId"].(string)
	if res := c.call("tasks/result", map[string]any{"taskId": fid}); res["isError"] != true {
		t.Fatalf("tasks/result of a tool error = %v", res)
	}
	if got := c.call("tasks/get", map[string]any{"taskId": fid}); got["status"] != "failed" {
		t.Fatalf("a tool error under SEP-1686: %v", got)
	}
	// A protocol error is tasks/result's error.
	bid := c.call("tools/call", map[string]any{"name": "broken", "task": map[string]any{}})["task"].(map[string]any)["taskId"].(string)
	if e := c.fails("tasks/result", map[string]any{"taskId": bid}, -32603); e.Message != "the backend is down" {
		t.Fatalf("tasks/result of a protocol error: %v", e)
	}

	// Cancel returns the cancelled task; a terminal one cannot be.
	kid := c.call("tools/call", map[string]any{"name": "block", "task": map[string]any{}})["task"].(map[string]any)["taskId"].(string)
	if got := c.call("tasks/cancel", map[string]any{"taskId": kid}); got["status"] != "cancelled" || got["taskId"] != kid {
		t.Fatalf("tasks/cancel = %v", got)
	}
	c.fails("tasks/cancel", map[string]any{"taskId": kid}, -32602)
	c.fails("tasks/get", map[string]any{"taskId": "unknown"}, -32602)
	c.fails("tasks/update", map[string]any{"taskId": kid}, -32601)

	// Required without params.task, forbidden with it: -32601.
	c.fails("tools/call", map[string]any{"name": "failing"}, -32601)
	c.fails("tools/call", map[string]any{"name": "greet", "arguments": map[string]any{"name": "x"}, "task": map[string]any{}}, -32601)
	// Optional without params.task: a plain call.
	if res := c.call("tools/call", map[string]any{"name": "slow", "arguments": map[string]any{"label": "plain"}}); !strings.HasPrefix(text(res), "done plain") || res["task"] != nil {
		t.Fatalf("optional tool, no task = %v", res)
	}

	// Another session does not see these tasks.
	other := f.session(t)
	other.fails("tasks/get", map[string]any{"taskId": id}, -32602)
	if list := other.call("tasks/list", map[string]any{}); len(list["tasks"].([]any)) != 0 {
		t.Fatalf("another session's tasks/list = %v", list)
	}

	// The 2026-07-28 discovery does not show the 2025-11-25 capability.
	m := f.modern(t, true)
	disc := m.call("server/discover", nil)
	dcaps, _ := disc["capabilities"].(map[string]any)
	if dcaps["tasks"] != nil || dcaps["extensions"].(map[string]any)["io.modelcontextprotocol/tasks"] == nil {
		t.Fatalf("server/discover capabilities = %v", dcaps)
	}
}

// SEP-1686 over stdio: a task's elicitation reaches the client through
// tasks/result, with the task in _meta, and the answer resumes it.
func TestSEP1686StdioInput(t *testing.T) {
	f := newFixture(t, nil, nil)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.ServeIO(ctx, inR, outW) }()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		<-served
	})
	lines := make(chan map[string]any, 16)
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	send := func(v any) {
		js, _ := json.Marshal(v)
		inW.Write(append(js, '\n'))
	}
	// The task's status notifications come between the other messages;
	// next skips them, noting the statuses.
	statuses := map[string]bool{}
	step := "the start"
	next := func() map[string]any {
		for {
			select {
			case m := <-lines:
				if m["method"] == "notifications/tasks/status" {
					p := m["params"].(map[string]any)
					statuses[p["taskId"].(string)+" "+p["status"].(string)] = true
					continue
				}
				return m
			case <-time.After(20 * time.Second):
				t.Fatalf("no message from the server after %s (statuses seen: %v)", step, statuses)
			}
		}
	}
	send(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{"protocolVersion": "2025-11-25",
		"capabilities": map[string]any{"elicitation": map[string]any{}}, "clientInfo": map[string]any{"name": "c", "version": "1"}}})
	step = "initialize"
	if m := next(); m["result"] == nil {
		t.Fatalf("initialize: %v", m)
	}
	send(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	send(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": map[string]any{"name": "confirm",
		"arguments": map[string]any{"filename": "f.txt"}, "task": map[string]any{"ttl": 60000}}})
	step = "tools/call"
	m := next()
	task, _ := m["result"].(map[string]any)["task"].(map[string]any)
	id, _ := task["taskId"].(string)
	if id == "" {
		t.Fatalf("tools/call with params.task over stdio: %v", m)
	}
	send(map[string]any{"jsonrpc": "2.0", "id": 3, "method": "tasks/result", "params": map[string]any{"taskId": id}})
	step = "tasks/result"
	m = next()
	if m["method"] != "elicitation/create" {
		t.Fatalf("want the task's elicitation, got %v", m)
	}
	params := m["params"].(map[string]any)
	if rt := params["_meta"].(map[string]any)["io.modelcontextprotocol/related-task"].(map[string]any); rt["taskId"] != id {
		t.Fatalf("elicitation _meta = %v", params["_meta"])
	}
	send(map[string]any{"jsonrpc": "2.0", "id": m["id"], "result": map[string]any{"action": "accept", "content": map[string]any{"confirm": true}}})
	step = "the elicitation's answer"
	m = next()
	if m["id"] != float64(3) || text(m["result"]) != "accept: true" {
		t.Fatalf("tasks/result = %v", m)
	}
	// The session heard of the task's changes on its output.
	send(map[string]any{"jsonrpc": "2.0", "id": 4, "method": "ping"})
	step = "ping"
	for !statuses[id+" completed"] {
		if m := next(); m["id"] == float64(4) && !statuses[id+" completed"] {
			send(map[string]any{"jsonrpc": "2.0", "id": 4, "method": "ping"})
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Each notification tells the task's state when it is sent, so a
	// passing input_required may already read as working again: only the
	// end is certain.
	for st := range statuses {
		if tid, status, _ := strings.Cut(st, " "); tid != id || status != "working" && status != "input_required" && status != "completed" {
			t.Errorf("status notification %q over stdio", st)
		}
	}
}
