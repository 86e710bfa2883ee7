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
	if res := c.call("tools/call", map[string]any{"name": "greet", "arguments": map[string]any{"name": "still here"}}); text(res) != "Hello, still here!" {
		t.Fatal(res)
	}
}
