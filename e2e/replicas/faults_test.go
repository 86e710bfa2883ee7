package replicas_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const taskKeyPrefix = "{mcpgen-tasks}:t:" // redistasks.DefaultPrefix + "t:"

// workerOf waits until a worker holds task id and returns its name.
func workerOf(t *testing.T, rd *redisServer, id string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if w := rd.hget(taskKeyPrefix+id, "worker"); w != "" {
			name, _, _ := strings.Cut(w, "/") // the process's name, then its worker
			return name
		}
		if time.Now().After(deadline) {
			t.Fatalf("no worker took task %s", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill the worker running a task (SIGKILL, mid-task): its lease runs out
// and another worker takes the task over. An idempotent task is run again
// and completes; one that is not fails, saying why, rather than run
// twice.
func TestWorkerKilledMidTask(t *testing.T) {
	rd := startRedis(t)
	// Two API replicas that run no tasks, and two worker processes.
	api := []*replica{
		startReplica(t, "r1", rd.url(), false, "MCPGEN_TASKS_WORKERS=0"),
		startReplica(t, "r2", rd.url(), false, "MCPGEN_TASKS_WORKERS=0"),
	}
	workers := map[string]*replica{
		"w1": startReplica(t, "w1", rd.url(), true),
		"w2": startReplica(t, "w2", rd.url(), true),
	}
	lb := newRoundRobin(t, api...)
	c := newModern(t, lb.mcp(), "ann", true)

	kill := func(tool string, args map[string]any) (id, victim string) {
		id = c.call("tools/call", map[string]any{"name": tool, "arguments": args})["taskId"].(string)
		victim = workerOf(t, rd, id)
		c.until(id, 30*time.Second, "working")
		workers[victim].kill()
		return id, victim
	}

	id, victim := kill("render", map[string]any{"label": "report", "seconds": 2})
	got := c.until(id, 60*time.Second, "completed", "failed")
	if got["status"] != "completed" || !strings.HasPrefix(text(got["result"]), "rendered report on w") || strings.HasSuffix(text(got["result"]), victim) {
		t.Fatalf("idempotent task after its worker %s died: %v", victim, got)
	}

	// Start the dead worker again, then kill whichever runs the charge.
	workers[victim] = startReplica(t, victim, rd.url(), true)
	id, victim = kill("charge", map[string]any{"cents": 500, "seconds": 2})
	got = c.until(id, 60*time.Second, "completed", "failed")
	e, _ := got["error"].(map[string]any)
	msg, _ := e["message"].(string)
	if got["status"] != "failed" || !strings.Contains(msg, "not idempotent") || got["result"] != nil {
		t.Fatalf("non-idempotent task after its worker %s died: %v", victim, got)
	}
	t.Logf("charge after its worker died: %s", msg)
}

// Restart Redis (SIGKILL, append-only file with every write synced)
// while tasks run and wait: no accepted task is lost, the running ones
// finish, the waiting one resumes when answered, and the replicas
// reconnect by themselves.
func TestRedisRestart(t *testing.T) {
	rd := startRedis(t)
	var rs []*replica
	for _, name := range []string{"r1", "r2", "r3"} {
		rs = append(rs, startReplica(t, name, rd.url(), false))
	}
	lb := newRoundRobin(t, rs...)
	c := newModern(t, lb.mcp(), "ann", true)

	var running []string
	for i := range 6 {
		running = append(running, c.call("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"label": fmt.Sprint("r", i), "seconds": 1.5}})["taskId"].(string))
	}
	waiting := c.call("tools/call", map[string]any{"name": "confirm", "arguments": map[string]any{"item": "x"}})["taskId"].(string)
	c.until(waiting, 30*time.Second, "input_required")
	counted := c.call("tools/call", map[string]any{"name": "count"})
	if !strings.HasPrefix(text(counted), "call 1 on ") {
		t.Fatalf("count = %v", counted)
	}

	rd.kill()
	// While Redis is down, a new task is refused, not half-accepted.
	r, err := c.do("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"label": "during", "seconds": 0}})
	if err == nil && r.Error == nil {
		t.Fatalf("a task was accepted while Redis was down: %s", r.Result)
	}
	time.Sleep(time.Second)
	rd.start()

	for _, id := range running {
		got := c.until(id, 60*time.Second, "completed", "failed", "cancelled")
		if got["status"] != "completed" {
			t.Fatalf("running task %s after the restart: %v", id, got)
		}
	}
	if got := c.until(waiting, 30*time.Second, "input_required"); got["inputRequests"].(map[string]any)["confirm"] == nil {
		t.Fatalf("waiting task after the restart: %v", got)
	}
	c.call("tasks/update", map[string]any{"taskId": waiting, "inputResponses": map[string]any{"confirm": map[string]any{"action": "accept", "content": map[string]any{"ok": true}}}})
	if got := c.until(waiting, 30*time.Second, "completed", "failed"); !strings.HasPrefix(text(got["result"]), "deleted x on r") {
		t.Fatalf("waiting task after its answer: %v", got)
	}
	after := c.call("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"label": "after", "seconds": 0}})
	if got := c.until(after["taskId"].(string), 30*time.Second, "completed"); got["status"] != "completed" {
		t.Fatal(got)
	}
	if res := c.call("tools/call", map[string]any{"name": "count"}); !strings.HasPrefix(text(res), "call 2 on ") {
		t.Fatalf("session state after the restart: %v", res)
	}
}

// Redis down at start: the replica says so and exits non-zero, or, with
// MCPGEN_TASKS_OPTIONAL=1, serves with tasks off.
func TestRedisDownAtStart(t *testing.T) {
	dead := fmt.Sprintf("redis://127.0.0.1:%d/0", freePort(t))
	cmd := exec.Command(binary(t), "-http", fmt.Sprintf("127.0.0.1:%d", freePort(t)))
	cmd.Env = append(cmd.Environ(), "MCPGEN_REDIS="+dead)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("a replica without Redis did not exit")
	}
	if err == nil || !strings.Contains(string(out), "does not answer") || !strings.Contains(string(out), "MCPGEN_TASKS_OPTIONAL=1") {
		t.Fatalf("replica without Redis: %v\n%s", err, out)
	}

	rp := startReplica(t, "lone", dead, false, "MCPGEN_TASKS_OPTIONAL=1")
	c := newModern(t, rp.base()+"/mcp", "ann", true)
	for _, tool := range c.call("tools/list", nil)["tools"].([]any) {
		if tool.(map[string]any)["execution"] != nil {
			t.Fatalf("tools/list shows tasks without a task store: %v", tool)
		}
	}
	res := c.call("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"label": "sync", "seconds": 0}})
	if res["taskId"] != nil || text(res) != "rendered sync on lone" {
		t.Fatalf("render without tasks = %v", res)
	}
	if !strings.Contains(rp.log(), "serving without tasks") {
		t.Fatalf("the replica did not say it serves without tasks: %s", rp.log())
	}
}
