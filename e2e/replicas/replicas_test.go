package replicas_test

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// onReplica is the replica a result names ("... on r2").
var onReplica = regexp.MustCompile(`on (r\d)`)

// Three replicas behind a round-robin proxy, nothing sticky: a task
// created through one replica is polled, answered and cancelled through
// the others; session state set through one is read through another; a
// multi round-trip call continues on another replica; a 2025-11-25
// session opened on one replica is served wherever its requests land.
func TestThreeReplicas(t *testing.T) {
	rd := startRedis(t)
	var rs []*replica
	for _, name := range []string{"r1", "r2", "r3"} {
		rs = append(rs, startReplica(t, name, rd.url(), false))
	}
	lb := newRoundRobin(t, rs...)
	ann := newModern(t, lb.mcp(), "ann", true)

	// A task: created on one replica, polled on all three, run by any.
	created := ann.call("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"label": "q3", "seconds": 0.5}})
	id, _ := created["taskId"].(string)
	if created["resultType"] != "task" || id == "" {
		t.Fatalf("render = %v", created)
	}
	done := ann.until(id, 30*time.Second, "completed", "failed")
	if !strings.HasPrefix(text(done["result"]), "rendered q3 on r") {
		t.Fatalf("render's task = %v", done)
	}

	// input_required: the answer goes through another replica than the
	// one that parked the task, and yet another worker resumes it.
	id = ann.call("tools/call", map[string]any{"name": "confirm", "arguments": map[string]any{"item": "draft"}})["taskId"].(string)
	got := ann.until(id, 30*time.Second, "input_required")
	if got["inputRequests"].(map[string]any)["confirm"] == nil {
		t.Fatalf("confirm's task = %v", got)
	}
	if ack := ann.call("tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{"confirm": map[string]any{"action": "accept", "content": map[string]any{"ok": true}}}}); ack["resultType"] != "complete" {
		t.Fatalf("tasks/update = %v", ack)
	}
	if got := ann.until(id, 30*time.Second, "completed", "failed"); !strings.HasPrefix(text(got["result"]), "deleted draft on r") {
		t.Fatalf("confirm after the answer = %v", got)
	}

	// Cancel through another replica than the worker's.
	id = ann.call("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"label": "long", "seconds": 600}})["taskId"].(string)
	ann.until(id, 30*time.Second, "working")
	ann.call("tasks/cancel", map[string]any{"taskId": id})
	if got := ann.until(id, 30*time.Second, "cancelled", "completed", "failed"); got["status"] != "cancelled" {
		t.Fatalf("after cancel: %v", got)
	}

	// Another user does not see ann's tasks, through any replica.
	bob := newModern(t, lb.mcp(), "bob", true)
	for range 3 {
		if r, err := bob.do("tasks/get", map[string]any{"taskId": id}); err != nil || r.Error == nil || r.Error.Code != -32602 {
			t.Fatalf("bob's tasks/get of ann's task: %v %+v", err, r)
		}
	}

	// Session state (stateless, the X-User key) across replicas.
	seen := map[string]bool{}
	for i := 1; i <= 6; i++ {
		res := ann.call("tools/call", map[string]any{"name": "count"})
		m := onReplica.FindStringSubmatch(text(res))
		if !strings.HasPrefix(text(res), "call "+itoa(i)+" on ") || m == nil {
			t.Fatalf("count %d = %q", i, text(res))
		}
		seen[m[1]] = true
	}
	if len(seen) != 3 {
		t.Fatalf("the counts ran on %v, want all three replicas", seen)
	}

	// Multi round-trip without a task: the second round lands on another
	// replica, which reads the first's signed request state.
	plain := newModern(t, lb.mcp(), "carol", false)
	round1 := plain.call("tools/call", map[string]any{"name": "confirm", "arguments": map[string]any{"item": "memo"}})
	if round1["resultType"] != "input_required" {
		t.Fatalf("round 1 = %v", round1)
	}
	round2 := plain.call("tools/call", map[string]any{"name": "confirm", "arguments": map[string]any{"item": "memo"}, "requestState": round1["requestState"],
		"inputResponses": map[string]any{"confirm": map[string]any{"action": "accept", "content": map[string]any{"ok": true}}}})
	if !strings.HasPrefix(text(round2), "deleted memo on r") {
		t.Fatalf("round 2 = %v", round2)
	}

	// A 2025-11-25 session: opened on one replica, forwarded there from
	// the others; its state and its SEP-1686 task work as on one server.
	s := newSession(t, lb.mcp())
	owner := ""
	for i := 1; i <= 4; i++ {
		res := s.call("tools/call", map[string]any{"name": "count"})
		m := onReplica.FindStringSubmatch(text(res))
		if m == nil || !strings.HasPrefix(text(res), "call "+itoa(i)+" on ") || owner != "" && m[1] != owner {
			t.Fatalf("session count %d = %q (owner %s)", i, text(res), owner)
		}
		owner = m[1]
	}
	task := s.call("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"label": "legacy", "seconds": 0.3}, "task": map[string]any{"ttl": 60000}})
	tid, _ := task["task"].(map[string]any)["taskId"].(string)
	if tid == "" {
		t.Fatalf("SEP-1686 task = %v", task)
	}
	if res := s.call("tasks/result", map[string]any{"taskId": tid}); !strings.HasPrefix(text(res), "rendered legacy on r") {
		t.Fatalf("tasks/result = %v", res)
	}
	if list := s.call("tasks/list", map[string]any{}); len(list["tasks"].([]any)) != 1 {
		t.Fatalf("tasks/list = %v", list)
	}
	for i := range lb.hits {
		if lb.hits[i].Load() == 0 {
			t.Errorf("replica %d got no request", i+1)
		}
	}
}

func itoa(i int) string { return string(rune('0' + i)) }
