package tasks_test

import (
	"strings"
	"testing"
)

// Malformed task requests get JSON-RPC errors, and the server goes on.
func TestHostileTaskRequests(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.modern(t, true)
	for _, p := range []map[string]any{
		{},
		{"taskId": 12},
		{"taskId": ""},
		{"taskId": []any{"x"}},
		{"taskId": strings.Repeat("x", 1<<20)},
	} {
		r := c.do("tasks/get", p, nil)
		if r.Error == nil || r.Error.Code != -32602 {
			t.Errorf("tasks/get %.40v: %+v, want -32602", p, r.Error)
		}
	}
	id := c.call("tools/call", map[string]any{"name": "confirm"})["taskId"].(string)
	c.until(id, "input_required")
	many := map[string]any{}
	for i := range 10000 {
		many[strings.Repeat("k", 10)+string(rune('a'+i%26))+strings.Repeat("z", i%50)] = map[string]any{"action": "accept"}
	}
	if ack := c.call("tasks/update", map[string]any{"taskId": id, "inputResponses": many}); ack["resultType"] != "complete" {
		t.Fatalf("update with unknown keys = %v", ack)
	}
	c.fails("tasks/update", map[string]any{"taskId": id, "inputResponses": "not a map"}, -32602)
	c.fails("tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{"confirm": map[string]any{"neither": 1}}}, -32602)
	if got := c.call("tasks/get", map[string]any{"taskId": id}); got["status"] != "input_required" {
		t.Fatalf("after hostile updates: %v", got)
	}
	// Listens with task ids that are not: refused, or agreed to nothing.
	for _, ids := range []any{"x", map[string]any{"a": 1}, []any{1, 2}} {
		r := c.do("subscriptions/listen", map[string]any{"notifications": map[string]any{"taskIds": ids}}, nil)
		if r.Error == nil || r.Error.Code != -32602 {
			t.Errorf("listen to taskIds %v: %+v, want -32602", ids, r.Error)
		}
	}
	huge := []any{strings.Repeat("x", 1<<20), "", id + "x"}
	if r := c.do("subscriptions/listen", map[string]any{"notifications": map[string]any{"taskIds": huge}}, nil); r.Error != nil || !strings.Contains(string(r.Result), "subscriptionId") {
		t.Errorf("listen to ids that name no task: %s %+v", r.Result, r.Error)
	}
	if res := c.call("tools/call", map[string]any{"name": "greet", "arguments": map[string]any{"name": "still here"}}); text(res) != "Hello, still here!" {
		t.Fatal(res)
	}
}
