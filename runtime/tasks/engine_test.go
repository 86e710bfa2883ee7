package tasks_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/tasks"
)

var isoTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)

// tools/list shows each tool's execution.taskSupport, except where tasks
// are forbidden.
func TestListShowsTaskSupport(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.modern(t, true)
	res := c.call("tools/list", nil)
	got := map[string]any{}
	for _, x := range res["tools"].([]any) {
		tool := x.(map[string]any)
		got[tool["name"].(string)] = tool["execution"]
	}
	want := map[string]string{"slow": "optional", "block": "optional", "confirm": "optional", "two_inputs": "optional",
		"broken": "optional", "failing": "required", "ask_first": "required"}
	for name, exec := range got {
		w, ok := want[name]
		if !ok {
			if exec != nil {
				t.Errorf("%s: execution %v, want none", name, exec)
			}
			continue
		}
		if m, _ := exec.(map[string]any); m["taskSupport"] != w {
			t.Errorf("%s: execution %v, want taskSupport %q", name, exec, w)
		}
	}
	if got["greet"] != nil {
		t.Errorf("greet has an execution: %v", got["greet"])
	}
}

// The 2026-07-28 extension: a task tool answers with a flat
// CreateTaskResult, tasks/get follows it to its inlined result, tool
// errors complete with isError and protocol errors fail.
func TestExtensionLifecycle(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.modern(t, true)

	sync := c.call("tools/call", map[string]any{"name": "greet", "arguments": map[string]any{"name": "World"}})
	if sync["resultType"] != "complete" || sync["taskId"] != nil || text(sync) != "Hello, World!" {
		t.Fatalf("sync call = %v", sync)
	}

	created := c.call("tools/call", map[string]any{"name": "slow", "arguments": map[string]any{"seconds": 0.2, "label": "a"}})
	id, _ := created["taskId"].(string)
	if created["resultType"] != "task" || id == "" || created["status"] != "working" || created["task"] != nil {
		t.Fatalf("CreateTaskResult = %v", created)
	}
	for _, k := range []string{"createdAt", "lastUpdatedAt"} {
		if s, _ := created[k].(string); !isoTime.MatchString(s) {
			t.Errorf("%s = %v, want an ISO 8601 time", k, created[k])
		}
	}
	if ttl, _ := created["ttlMs"].(float64); ttl != float64(tasks.DefaultTTL.Milliseconds()) {
		t.Errorf("ttlMs = %v", created["ttlMs"])
	}
	if p, _ := created["pollIntervalMs"].(float64); p <= 0 {
		t.Errorf("pollIntervalMs = %v", created["pollIntervalMs"])
	}
	for _, k := range []string{"result", "error", "inputRequests", "requestState", "ttl", "pollInterval"} {
		if _, ok := created[k]; ok {
			t.Errorf("CreateTaskResult carries %q", k)
		}
	}
	if got := c.call("tasks/get", map[string]any{"taskId": id}); got["taskId"] != id || got["resultType"] != "complete" {
		t.Fatalf("tasks/get right after creation = %v", got)
	}
	done := c.until(id, "completed", "failed", "cancelled")
	if done["status"] != "completed" || !strings.HasPrefix(text(done["result"]), "done a in task "+id) {
		t.Fatalf("completed task = %v", done)
	}
	if meta, _ := done["result"].(map[string]any)["_meta"].(map[string]any); meta["io.modelcontextprotocol/related-task"] != nil {
		t.Errorf("inlined result carries related-task: %v", meta)
	}

	failing := c.call("tools/call", map[string]any{"name": "failing"})
	got := c.until(failing["taskId"].(string), "completed", "failed")
	if got["status"] != "completed" || got["result"].(map[string]any)["isError"] != true {
		t.Fatalf("a tool error = %v, want completed with isError", got)
	}

	broken := c.call("tools/call", map[string]any{"name": "broken"})
	got = c.until(broken["taskId"].(string), "completed", "failed")
	e, _ := got["error"].(map[string]any)
	if got["status"] != "failed" || got["result"] != nil || e["code"] != float64(-32603) || e["message"] != "the backend is down" {
		t.Fatalf("a protocol error = %v, want failed with the error", got)
	}

	blocked := c.call("tools/call", map[string]any{"name": "block"})
	bid := blocked["taskId"].(string)
	if got := c.until(bid, "working"); got["status"] != "working" {
		t.Fatal(got)
	}
	ack := c.call("tasks/cancel", map[string]any{"taskId": bid})
	if ack["resultType"] != "complete" || ack["taskId"] != nil || ack["status"] != nil {
		t.Fatalf("cancel ack = %v", ack)
	}
	if got := c.until(bid, "cancelled", "completed", "failed"); got["status"] != "cancelled" {
		t.Fatalf("after cancel: %v", got)
	}
	if again := c.call("tasks/cancel", map[string]any{"taskId": bid}); again["resultType"] != "complete" {
		t.Fatalf("cancel of a cancelled task = %v", again)
	}

	c.fails("tasks/get", map[string]any{"taskId": "no-such-task"}, -32602)
	c.fails("tasks/cancel", map[string]any{"taskId": "no-such-task"}, -32602)
	c.fails("tasks/result", map[string]any{"taskId": id}, -32601)
	c.fails("tasks/list", map[string]any{}, -32601)

	// A sync tool called with SEP-1686's params.task stays sync.
	legacy := c.call("tools/call", map[string]any{"name": "greet", "arguments": map[string]any{"name": "x"}, "task": map[string]any{"ttl": 60000}})
	if legacy["taskId"] != nil || legacy["resultType"] != "complete" {
		t.Fatalf("greet with params.task = %v", legacy)
	}
}

// Cancelling a running task cancels its handler's context; progress is
// the task's status message.
func TestCancelStopsHandler(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.modern(t, true)
	id := c.call("tools/call", map[string]any{"name": "slow", "arguments": map[string]any{"seconds": 60, "label": "long"}})["taskId"].(string)
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := c.call("tasks/get", map[string]any{"taskId": id})
		if got["statusMessage"] == "halfway through long" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("progress never showed: %v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.call("tasks/cancel", map[string]any{"taskId": id})
	// The handler returns at once: its worker is free for the next task.
	quick := c.call("tools/call", map[string]any{"name": "slow", "arguments": map[string]any{"seconds": 0, "label": "next"}})
	if got := c.until(quick["taskId"].(string), "completed"); got["status"] != "completed" {
		t.Fatal(got)
	}
	if got := c.call("tasks/get", map[string]any{"taskId": id}); got["status"] != "cancelled" {
		t.Fatalf("cancelled task = %v", got)
	}
}

// Without the extension in its capabilities, a 2026-07-28 client gets
// sync results from optional tools, -32021 from required ones and from
// the task methods.
func TestExtensionNotDeclared(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.modern(t, false)
	res := c.call("tools/call", map[string]any{"name": "slow", "arguments": map[string]any{"seconds": 0, "label": "sync"}})
	if res["resultType"] != "complete" || res["taskId"] != nil || !strings.HasPrefix(text(res), "done sync") {
		t.Fatalf("optional tool without the extension = %v", res)
	}
	e := c.fails("tools/call", map[string]any{"name": "failing"}, -32021)
	var data struct {
		Required struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"requiredCapabilities"`
	}
	if json.Unmarshal(e.Data, &data); data.Required.Extensions[tasks.ExtensionID] == nil {
		t.Fatalf("-32021 data = %s", e.Data)
	}
	for _, m := range []string{"tasks/get", "tasks/update", "tasks/cancel"} {
		c.fails(m, map[string]any{"taskId": "x", "inputResponses": map[string]any{}}, -32021)
	}
}

// input_required: the task shows its input requests on tasks/get, and
// resumes when tasks/update answers them; partial answers keep it
// waiting for the rest.
func TestExtensionInput(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.modern(t, true)
	id := c.call("tools/call", map[string]any{"name": "confirm", "arguments": map[string]any{"filename": "x.txt"}})["taskId"].(string)
	got := c.until(id, "input_required")
	reqs, _ := got["inputRequests"].(map[string]any)
	req, _ := reqs["confirm"].(map[string]any)
	if req["method"] != "elicitation/create" || !strings.Contains(req["params"].(map[string]any)["message"].(string), "x.txt") {
		t.Fatalf("input_required task = %v", got)
	}
	if ack := c.call("tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{"unknown": map[string]any{"ignored": true}}}); ack["resultType"] != "complete" {
		t.Fatalf("update ack = %v", ack)
	}
	if got := c.call("tasks/get", map[string]any{"taskId": id}); got["status"] != "input_required" {
		t.Fatalf("after an unknown key: %v", got)
	}
	c.fails("tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{"confirm": 12}}, -32602)
	c.call("tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{"confirm": map[string]any{"action": "accept", "content": map[string]any{"confirm": true}}}})
	if got := c.until(id, "completed", "failed"); text(got["result"]) != "accept: true" {
		t.Fatalf("after the answer: %v", got)
	}

	id = c.call("tools/call", map[string]any{"name": "two_inputs"})["taskId"].(string)
	got = c.until(id, "input_required")
	if reqs := got["inputRequests"].(map[string]any); len(reqs) != 2 {
		t.Fatalf("two inputs: %v", got)
	}
	c.call("tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{"a": map[string]any{"action": "accept", "content": map[string]any{}}}})
	got = c.call("tasks/get", map[string]any{"taskId": id})
	if reqs, _ := got["inputRequests"].(map[string]any); got["status"] != "input_required" || len(reqs) != 1 || reqs["b"] == nil {
		t.Fatalf("after a partial answer: %v", got)
	}
	c.call("tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{"b": map[string]any{"action": "decline"}}})
	if got := c.until(id, "completed", "failed"); text(got["result"]) != "accept+decline" {
		t.Fatalf("after both answers: %v", got)
	}
}

// A tool that asks for input before its task (multi round-trip) answers
// the first round with input_required and the last with a task that
// carries the answer.
func TestPreludeThenTask(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.modern(t, true)
	round1 := c.call("tools/call", map[string]any{"name": "ask_first"})
	if round1["resultType"] != "input_required" || round1["taskId"] != nil || round1["inputRequests"].(map[string]any)["user_name"] == nil {
		t.Fatalf("round 1 = %v", round1)
	}
	round2 := c.call("tools/call", map[string]any{"name": "ask_first", "requestState": round1["requestState"],
		"inputResponses": map[string]any{"user_name": map[string]any{"action": "accept", "content": map[string]any{"name": "Alice"}}}})
	id, _ := round2["taskId"].(string)
	if round2["resultType"] != "task" || id == "" || round2["requestState"] != nil || round2["inputRequests"] != nil {
		t.Fatalf("round 2 = %v", round2)
	}
	if got := c.until(id, "completed", "failed"); text(got["result"]) != "Hello, Alice, from task "+id {
		t.Fatalf("task result = %v", got)
	}
}

// The task methods check that Mcp-Name names the task.
func TestTaskHeaders(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.modern(t, true)
	id := c.call("tools/call", map[string]any{"name": "block"})["taskId"].(string)
	r := c.do("tasks/get", map[string]any{"taskId": id}, http.Header{"Mcp-Name": {"another-task"}})
	if r.Error == nil || r.Error.Code != -32020 {
		t.Fatalf("mismatched Mcp-Name: %+v %s", r.Error, r.Result)
	}
	r = c.do("tasks/get", map[string]any{"taskId": id}, http.Header{"Mcp-Name": {"  " + id + " "}})
	if r.Error != nil {
		t.Fatalf("Mcp-Name with spaces: %v", r.Error)
	}
}

// Tasks belong to the principal that made them: another cannot see,
// answer or cancel them, and tasks without a principal or session are
// anyone's who knows their 128-bit id.
func TestTasksBoundToPrincipal(t *testing.T) {
	f := newFixture(t, &runtime.Options{AuthenticateHTTP: true, Authenticate: func(r *runtime.Request) *runtime.Principal {
		if u := r.Header.Get("X-User"); u != "" {
			return &runtime.Principal{Subject: u}
		}
		return nil
	}}, nil)
	ann, bob := f.modern(t, true), f.modern(t, true)
	ann.header.Set("X-User", "ann")
	bob.header.Set("X-User", "bob")
	id := ann.call("tools/call", map[string]any{"name": "confirm", "arguments": map[string]any{"filename": "a"}})["taskId"].(string)
	ann.until(id, "input_required")
	bob.fails("tasks/get", map[string]any{"taskId": id}, -32602)
	bob.fails("tasks/cancel", map[string]any{"taskId": id}, -32602)
	bob.fails("tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{"confirm": map[string]any{"action": "accept"}}}, -32602)
	anon := f.modern(t, true)
	anon.fails("tasks/get", map[string]any{"taskId": id}, -32602)
	if got := ann.call("tasks/get", map[string]any{"taskId": id}); got["status"] != "input_required" {
		t.Fatalf("ann's task after bob's attempts: %v", got)
	}
	free := anon.call("tools/call", map[string]any{"name": "slow", "arguments": map[string]any{"seconds": 0, "label": "anon"}})["taskId"].(string)
	if got := anon.until(free, "completed"); got["status"] != "completed" {
		t.Fatal(got)
	}
	ann.fails("tasks/get", map[string]any{"taskId": free}, -32602) // bound to no one, but not to ann either
}

// A task whose client never answers its input requests fails when the
// input timeout passes, and tasks are gone after their TTL.
func TestInputTimeoutAndTTL(t *testing.T) {
	f := newFixture(t, nil, &tasks.Options{InputTimeout: 300 * time.Millisecond, TTL: 2 * time.Second})
	c := f.modern(t, true)
	created := c.call("tools/call", map[string]any{"name": "confirm", "arguments": map[string]any{"filename": "never"}})
	id := created["taskId"].(string)
	if created["ttlMs"] != float64(2000) {
		t.Fatalf("ttlMs = %v", created["ttlMs"])
	}
	got := c.until(id, "failed", "completed")
	if e, _ := got["error"].(map[string]any); got["status"] != "failed" || !strings.Contains(e["message"].(string), "did not answer") {
		t.Fatalf("unanswered task = %v", got)
	}
	time.Sleep(2500 * time.Millisecond)
	c.fails("tasks/get", map[string]any{"taskId": id}, -32602)
}
