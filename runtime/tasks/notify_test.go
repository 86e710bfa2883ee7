package tasks_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/tasks"
)

// stream is an SSE response read message by message.
type stream struct {
	t    *testing.T
	msgs chan map[string]any
	stop func()
}

func readStream(t *testing.T, resp *http.Response, stop func()) *stream {
	s := &stream{t: t, msgs: make(chan map[string]any, 64), stop: stop}
	go func() {
		defer close(s.msgs)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
				var m map[string]any
				if json.Unmarshal([]byte(strings.TrimSpace(data)), &m) == nil {
					s.msgs <- m
				}
			}
		}
	}()
	t.Cleanup(stop)
	return s
}

// next returns the next message; with methods, the next of those methods
// (others are skipped).
func (s *stream) next(methods ...string) map[string]any {
	s.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				s.t.Fatalf("the stream ended; wanted %v", methods)
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
			s.t.Fatalf("no %v within 20 s", methods)
		}
	}
}

// ended reports whether the stream ends within d, after its last messages.
func (s *stream) ended(d time.Duration) (last []map[string]any, ok bool) {
	timeout := time.After(d)
	for {
		select {
		case m, open := <-s.msgs:
			if !open {
				return last, true
			}
			last = append(last, m)
		case <-timeout:
			return last, false
		}
	}
}

// listen opens a subscriptions/listen stream as c, for the task ids.
func (c *modernClient) listen(ids ...string) (*stream, rpcResponse) {
	c.t.Helper()
	c.id++
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": c.id, "method": "subscriptions/listen", "params": map[string]any{
		"_meta": map[string]any{
			"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
			"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "test", "version": "1"},
			"io.modelcontextprotocol/clientCapabilities": c.caps,
		},
		"notifications": map[string]any{"taskIds": ids},
	}})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "subscriptions/listen")
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		defer cancel()
		return nil, readResponse(c.t, resp)
	}
	return readStream(c.t, resp, cancel), rpcResponse{}
}

func params(m map[string]any) map[string]any {
	p, _ := m["params"].(map[string]any)
	return p
}

func subscriptionID(m map[string]any) any {
	meta, _ := params(m)["_meta"].(map[string]any)
	return meta["io.modelcontextprotocol/subscriptionId"]
}

// A 2026-07-28 client listens to its tasks: the acknowledgement names the
// tasks it may see, their states follow at once, then each change as
// tasks/get would return it (input requests, the result), and the stream
// ends when every task named has ended.
func TestListenToTasks(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.modern(t, true)
	blocked := c.call("tools/call", map[string]any{"name": "block", "arguments": map[string]any{}})["taskId"].(string)
	done := c.call("tools/call", map[string]any{"name": "slow", "arguments": map[string]any{"seconds": 0, "label": "quick"}})["taskId"].(string)
	c.until(done, "completed")
	confirm := c.call("tools/call", map[string]any{"name": "confirm", "arguments": map[string]any{"filename": "x"}})["taskId"].(string)

	s, _ := c.listen(blocked, "no-such-task", done, blocked, confirm)
	ack := s.next()
	if ack["method"] != "notifications/subscriptions/acknowledged" {
		t.Fatalf("first message %v", ack)
	}
	if got := fmt.Sprint(params(ack)["notifications"]); got != fmt.Sprintf("map[taskIds:[%s %s %s]]", blocked, done, confirm) {
		t.Errorf("acknowledged %s", got)
	}
	id := subscriptionID(ack)
	states := map[string]map[string]any{}
	for range 3 {
		m := s.next()
		if m["method"] != "notifications/tasks" || subscriptionID(m) != id {
			t.Fatalf("want a task's state with the subscription id %v, got %v", id, m)
		}
		states[params(m)["taskId"].(string)] = params(m)
	}
	if st := states[done]; st["status"] != "completed" || !strings.HasPrefix(text(st["result"]), "done quick") || st["ttlMs"] == nil || st["resultType"] != nil {
		t.Errorf("the ended task's state: %v", st)
	}
	if st := states[blocked]; st["status"] != "working" {
		t.Errorf("the blocked task's state: %v", st)
	}
	// confirm asks for input: its notification carries the input requests
	// (maybe after a working state, if the worker had not parked yet).
	in := states[confirm]
	for in["status"] != "input_required" {
		m := s.next("notifications/tasks")
		if params(m)["taskId"] == confirm {
			in = params(m)
		}
	}
	reqs, _ := in["inputRequests"].(map[string]any)
	if reqs["confirm"] == nil {
		t.Fatalf("input_required notification without the input request: %v", in)
	}
	c.call("tasks/update", map[string]any{"taskId": confirm, "inputResponses": map[string]any{
		"confirm": map[string]any{"action": "accept", "content": map[string]any{"confirm": true}}}})
	for {
		p := params(s.next("notifications/tasks"))
		if p["taskId"] == confirm && p["status"] == "completed" {
			if text(p["result"]) != "accept: true" {
				t.Errorf("confirm completed with %v", p)
			}
			break
		}
	}
	close(f.release)
	for {
		p := params(s.next("notifications/tasks"))
		if p["taskId"] == blocked && p["status"] == "completed" {
			if text(p["result"]) != "released" {
				t.Errorf("blocked completed with %v", p)
			}
			break
		}
	}
	// Every task named ended: the subscription ends with its result.
	last, ended := s.ended(10 * time.Second)
	if !ended || len(last) == 0 || last[len(last)-1]["result"] == nil {
		t.Errorf("after every task ended: ended=%v, last messages %v", ended, last)
	}
	waitWatched(t, f)
}

// Only the tasks a client may see are listened to, only by a client that
// declared the extension, and only so many at once.
func TestListenRefusals(t *testing.T) {
	f := newFixture(t, &runtime.Options{AuthenticateHTTP: true, Authenticate: func(r *runtime.Request) *runtime.Principal {
		if u := r.Header.Get("X-User"); u != "" {
			return &runtime.Principal{Subject: u}
		}
		return nil
	}}, nil)
	ann, bob := f.modern(t, true), f.modern(t, true)
	ann.header.Set("X-User", "ann")
	bob.header.Set("X-User", "bob")
	id := ann.call("tools/call", map[string]any{"name": "block", "arguments": map[string]any{}})["taskId"].(string)

	// bob names ann's task: it is not his to hear of; the listen ends at
	// once, having agreed to nothing.
	s, _ := bob.listen(id)
	ack := s.next()
	if n := params(ack)["notifications"].(map[string]any); n["taskIds"] != nil {
		t.Errorf("bob's acknowledgement %v", ack)
	}
	if last, ended := s.ended(10 * time.Second); !ended || len(last) != 1 || last[0]["result"] == nil {
		t.Errorf("bob's listen: ended=%v %v", ended, last)
	}

	plain := f.modern(t, false)
	plain.header.Set("X-User", "ann")
	if _, r := plain.listen(id); r.Error == nil || r.Error.Code != -32021 {
		t.Errorf("without the extension: %+v", r)
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprint("t", i)
	}
	if _, r := ann.listen(many...); r.Error == nil || r.Error.Code != -32602 {
		t.Errorf("101 task ids: %+v", r)
	}
	if _, r := ann.listen(); r.Error != nil {
		t.Errorf("no task ids: %+v", r)
	}

	// ann stops listening: the engine forgets her subscription; her task
	// goes on.
	s, _ = ann.listen(id)
	s.next()
	s.next("notifications/tasks")
	s.stop()
	close(f.release)
	if got := ann.until(id, "completed"); text(got["result"]) != "released" {
		t.Errorf("ann's task: %v", got)
	}
	waitWatched(t, f)
}

// A 2025-11-25 session hears of the tasks it created on its standalone
// stream: notifications/tasks/status as the status or message changes,
// and the task's log and progress tied to it (SEP-1686).
func TestSEP1686StatusNotifications(t *testing.T) {
	f := newFixture(t, nil, nil)
	if err := f.srv.Add(&runtime.Components{Tools: []*runtime.Tool{{Name: "chatty", TaskSupport: runtime.TaskOptional, InputSchema: schema(),
		Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			runtime.Log(ctx, slog.LevelInfo, "working on it", map[string]any{"step": 1})
			runtime.Log(ctx, slog.LevelDebug, "below the client's level", nil)
			runtime.Progress(ctx, 1, 2, "halfway")
			<-f.release
			return runtime.TextResult("chatted"), nil
		}}}}); err != nil {
		t.Fatal(err)
	}
	c := f.session(t)
	c.call("logging/setLevel", map[string]any{"level": "info"})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", c.url, nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Mcp-Session-Id", c.session)
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET: %v %v", resp, err)
	}
	s := readStream(t, resp, cancel)
	time.Sleep(100 * time.Millisecond) // go-sdk attaches the stream to the session

	created := c.call("tools/call", map[string]any{"name": "chatty", "arguments": map[string]any{}, "task": map[string]any{},
		"_meta": map[string]any{"progressToken": "p1"}})
	id := created["task"].(map[string]any)["taskId"].(string)
	related := func(m map[string]any) bool {
		meta, _ := params(m)["_meta"].(map[string]any)
		rt, _ := meta["io.modelcontextprotocol/related-task"].(map[string]any)
		return rt["taskId"] == id
	}
	var sawLog, sawProgress, sawWorking bool
	for !sawLog || !sawProgress || !sawWorking {
		m := s.next()
		p := params(m)
		switch m["method"] {
		case "notifications/message":
			if !related(m) || p["level"] != "info" || fmt.Sprint(p["data"]) != "map[data:map[step:1] message:working on it]" {
				t.Errorf("log %v", m)
			}
			sawLog = true
		case "notifications/progress":
			if !related(m) || p["progressToken"] != "p1" || p["message"] != "halfway" {
				t.Errorf("progress %v", m)
			}
			sawProgress = true
		case "notifications/tasks/status":
			if p["taskId"] != id || p["status"] != "working" || p["ttl"] == nil || p["ttlMs"] != nil {
				t.Errorf("status %v", m)
			}
			sawWorking = p["statusMessage"] == "halfway"
		default:
			t.Errorf("unexpected %v", m)
		}
	}
	close(f.release)
	for {
		p := params(s.next("notifications/tasks/status", "notifications/message"))
		if p["level"] != nil {
			t.Errorf("a log below the client's level reached it: %v", p)
		}
		if p["taskId"] == id && p["status"] == "completed" {
			break
		}
	}
	// Another session hears nothing of it.
	other := f.session(t)
	ctx2, cancel2 := context.WithCancel(context.Background())
	req2, _ := http.NewRequestWithContext(ctx2, "GET", other.url, nil)
	req2.Header.Set("Accept", "text/event-stream")
	req2.Header.Set("Mcp-Session-Id", other.session)
	req2.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	resp2, err := http.DefaultClient.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	s2 := readStream(t, resp2, cancel2)
	mine := c.call("tools/call", map[string]any{"name": "slow", "arguments": map[string]any{"seconds": 0.05, "label": "mine"}, "task": map[string]any{}})
	mid := mine["task"].(map[string]any)["taskId"].(string)
	for {
		if p := params(s.next("notifications/tasks/status")); p["taskId"] == mid && p["status"] == "completed" {
			break
		}
	}
	if last, _ := s2.ended(300 * time.Millisecond); len(last) > 0 {
		t.Errorf("another session was told %v", last)
	}
}

// waitWatched waits for the engine's watches to reach zero.
func waitWatched(t *testing.T, f *fixture) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for tasks.Watched(f.engine) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the engine still watches %d", tasks.Watched(f.engine))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A listen naming a hundred tasks that end at once hears of every end:
// the burst fits the subscription's queue, and a full queue would drop a
// notification, never end the subscription. The watches go away after.
func TestListenBurst(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := f.modern(t, true)
	var ids []string
	for range 100 {
		ids = append(ids, c.call("tools/call", map[string]any{"name": "block", "arguments": map[string]any{}})["taskId"].(string))
	}
	for _, id := range ids {
		c.until(id, "working")
	}
	s, _ := c.listen(ids...)
	if n := params(s.next())["notifications"].(map[string]any)["taskIds"].([]any); len(n) != 100 {
		t.Fatalf("agreed to %d tasks", len(n))
	}
	close(f.release)
	completed := map[string]bool{}
	for len(completed) < 100 {
		p := params(s.next("notifications/tasks"))
		if p["status"] == "completed" {
			completed[p["taskId"].(string)] = true
		}
	}
	if _, ended := s.ended(10 * time.Second); !ended {
		t.Error("the stream did not end after every task ended")
	}
	waitWatched(t, f)
}

// A listened task the store forgets without an event (its TTL ran out
// while it waited for input) ends the subscription too, and a 2025-11-25
// call without a live session (stateless) is not watched at all.
func TestWatchesOfExpiredTasksAndStatelessCalls(t *testing.T) {
	tasks.SetSweepEvery(50 * time.Millisecond)
	defer tasks.SetSweepEvery(5 * time.Second)
	f := newFixture(t, nil, &tasks.Options{TTL: time.Second})
	c := f.modern(t, true)
	id := c.call("tools/call", map[string]any{"name": "confirm", "arguments": map[string]any{"filename": "x"}})["taskId"].(string)
	c.until(id, "input_required")
	s, _ := c.listen(id)
	s.next() // the acknowledgement
	if _, ended := s.ended(10 * time.Second); !ended {
		t.Fatal("the subscription of an expired task did not end")
	}
	waitWatched(t, f)

	sl := newFixture(t, &runtime.Options{Stateless: true}, nil)
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow","arguments":{"seconds":0.2,"label":"x"},"task":{}}}`
	req, _ := http.NewRequest("POST", sl.url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r := readResponse(t, resp)
	resp.Body.Close()
	if r.Error != nil || !strings.Contains(string(r.Result), `"taskId"`) {
		t.Fatalf("stateless SEP-1686 call: %s %+v", r.Result, r.Error)
	}
	if n := tasks.Watched(sl.engine); n != 0 {
		t.Errorf("a stateless call is watched (%d)", n)
	}
}
