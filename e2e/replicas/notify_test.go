package replicas_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// events reads the messages of an SSE response until it ends.
func events(t *testing.T, resp *http.Response) <-chan map[string]any {
	ch := make(chan map[string]any, 64)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
				var m map[string]any
				if json.Unmarshal([]byte(strings.TrimSpace(data)), &m) == nil {
					ch <- m
				}
			}
		}
	}()
	return ch
}

// nextOf returns the next message of one of the methods (any message
// with none), failing after 30 s or at the end of the stream.
func nextOf(t *testing.T, ch <-chan map[string]any, methods ...string) map[string]any {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatalf("the stream ended before %v", methods)
			}
			if len(methods) == 0 {
				return m
			}
			for _, want := range methods {
				if m["method"] == want {
					return m
				}
			}
		case <-timeout:
			t.Fatalf("no %v within 30 s", methods)
		}
	}
}

func paramsOf(m map[string]any) map[string]any {
	p, _ := m["params"].(map[string]any)
	return p
}

// listen opens a subscriptions/listen stream for the task ids.
func (c *modernClient) listen(ids ...string) <-chan map[string]any {
	c.t.Helper()
	c.id++
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": c.id, "method": "subscriptions/listen", "params": map[string]any{
		"_meta": map[string]any{
			"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
			"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "replicas-test", "version": "1"},
			"io.modelcontextprotocol/clientCapabilities": c.caps,
		},
		"notifications": map[string]any{"taskIds": ids},
	}})
	ctx, cancel := context.WithCancel(context.Background())
	c.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "POST", c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "subscriptions/listen")
	req.Header.Set("X-User", c.user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		c.t.Fatalf("subscriptions/listen answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return events(c.t, resp)
}

// Status notifications across replicas, nothing sticky: the replicas
// behind the round robin only serve, a separate worker process runs the
// tasks, and the changes it makes reach the client's stream on whichever
// replica holds it, through Redis: a 2026-07-28 client listening with
// subscriptions/listen, and a 2025-11-25 session on its standalone stream
// (forwarded to the replica holding the session).
func TestNotificationsAcrossReplicas(t *testing.T) {
	rd := startRedis(t)
	var rs []*replica
	for _, name := range []string{"r1", "r2", "r3"} {
		rs = append(rs, startReplica(t, name, rd.url(), false, "MCPGEN_TASKS_WORKERS=0"))
	}
	startReplica(t, "w1", rd.url(), true)
	lb := newRoundRobin(t, rs...)
	ann := newModern(t, lb.mcp(), "ann", true)

	id := ann.call("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"label": "notes", "seconds": 1}})["taskId"].(string)
	stream := ann.listen(id)
	ack := nextOf(t, stream)
	if ack["method"] != "notifications/subscriptions/acknowledged" || !strings.Contains(jsonText(paramsOf(ack)["notifications"]), id) {
		t.Fatalf("acknowledgement %v", ack)
	}
	for {
		p := paramsOf(nextOf(t, stream, "notifications/tasks"))
		if p["taskId"] != id {
			t.Fatalf("a notification of another task: %v", p)
		}
		if p["status"] == "completed" {
			if got := text(p["result"]); got != "rendered notes on w1" {
				t.Errorf("completed with %q", got)
			}
			break
		}
	}
	// Every task named ended: the stream ends.
	for m := range stream {
		if m["result"] == nil && m["method"] != "notifications/tasks" {
			t.Errorf("after the last task ended: %v", m)
		}
	}

	// input_required heard on the stream, answered through another
	// replica, resumed by the worker, completion heard.
	id = ann.call("tools/call", map[string]any{"name": "confirm", "arguments": map[string]any{"item": "memo"}})["taskId"].(string)
	stream = ann.listen(id)
	nextOf(t, stream) // the acknowledgement
	for {
		p := paramsOf(nextOf(t, stream, "notifications/tasks"))
		if p["status"] == "input_required" {
			if reqs, _ := p["inputRequests"].(map[string]any); reqs["confirm"] == nil {
				t.Fatalf("input_required without its request: %v", p)
			}
			break
		}
	}
	ann.call("tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{"confirm": map[string]any{"action": "accept", "content": map[string]any{"ok": true}}}})
	for {
		if p := paramsOf(nextOf(t, stream, "notifications/tasks")); p["status"] == "completed" {
			if got := text(p["result"]); got != "deleted memo on w1" {
				t.Errorf("completed with %q", got)
			}
			break
		}
	}

	// A 2025-11-25 session: its GET stream lands on any replica and is
	// forwarded to the one holding the session, which hears of the task
	// from the worker through Redis.
	s := newSession(t, lb.mcp())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", lb.mcp(), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Mcp-Session-Id", s.session)
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET: %v %v", resp, err)
	}
	get := events(t, resp)
	time.Sleep(200 * time.Millisecond) // the stream attaches to the session
	task := s.call("tools/call", map[string]any{"name": "render", "arguments": map[string]any{"label": "legacy", "seconds": 0.5}, "task": map[string]any{}})
	tid := task["task"].(map[string]any)["taskId"].(string)
	for {
		p := paramsOf(nextOf(t, get, "notifications/tasks/status"))
		if p["taskId"] == tid && p["status"] == "completed" {
			break
		}
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
