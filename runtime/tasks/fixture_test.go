package tasks_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/tasks"
)

// The fixture: a server with one tool of each kind the tests need.

type fixture struct {
	srv    *runtime.Server
	engine *tasks.Engine
	url    string

	mu      sync.Mutex
	started map[string]int // runs of slow, by label
	release chan struct{}  // closed to let "block" calls return
}

func textArg(args json.RawMessage, key string) string {
	var m map[string]any
	json.Unmarshal(args, &m)
	s, _ := m[key].(string)
	return s
}

func numArg(args json.RawMessage, key string) float64 {
	var m map[string]any
	json.Unmarshal(args, &m)
	f, _ := m[key].(float64)
	return f
}

func schema() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }

func (f *fixture) tools() []*runtime.Tool {
	return []*runtime.Tool{
		{Name: "greet", InputSchema: schema(), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult("Hello, " + textArg(args, "name") + "!"), nil
		}},
		{Name: "slow", TaskSupport: runtime.TaskOptional, InputSchema: schema(), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			label := textArg(args, "label")
			f.mu.Lock()
			f.started[label]++
			f.mu.Unlock()
			runtime.Progress(ctx, 1, 2, "halfway through "+label)
			select {
			case <-time.After(time.Duration(numArg(args, "seconds") * float64(time.Second))):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return runtime.TextResult("done " + label + " in task " + runtime.TaskID(ctx)), nil
		}},
		{Name: "block", TaskSupport: runtime.TaskOptional, InputSchema: schema(), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			runtime.Progress(ctx, 0, 0, "blocked")
			select {
			case <-f.release:
				return runtime.TextResult("released"), nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}},
		{Name: "confirm", TaskSupport: runtime.TaskOptional, InputSchema: schema(), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			res, err := runtime.Elicit(ctx, "confirm", &runtime.ElicitParams{Message: "Delete " + textArg(args, "filename") + "?",
				RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"confirm": map[string]any{"type": "boolean"}}}})
			if err != nil {
				return nil, err
			}
			return runtime.TextResult(fmt.Sprintf("%s: %v", res.Action, res.Content["confirm"])), nil
		}},
		{Name: "two_inputs", TaskSupport: runtime.TaskOptional, InputSchema: schema(), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			a, errA := runtime.Elicit(ctx, "a", &runtime.ElicitParams{Message: "a?", RequestedSchema: map[string]any{"type": "object"}})
			b, errB := runtime.Elicit(ctx, "b", &runtime.ElicitParams{Message: "b?", RequestedSchema: map[string]any{"type": "object"}})
			if err := errors.Join(errA, errB); err != nil {
				return nil, err
			}
			return runtime.TextResult(a.Action + "+" + b.Action), nil
		}},
		{Name: "failing", TaskSupport: runtime.TaskRequired, InputSchema: schema(), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			return runtime.ErrorResult(errors.New("the job failed")), nil
		}},
		{Name: "broken", TaskSupport: runtime.TaskOptional, InputSchema: schema(), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the backend is down"}
		}},
		{Name: "ask_first", TaskSupport: runtime.TaskRequired, InputSchema: schema(), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			res, err := runtime.Elicit(ctx, "user_name", &runtime.ElicitParams{Message: "Your name?",
				RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}}})
			if err != nil {
				return nil, err
			}
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			return runtime.TextResult(fmt.Sprintf("Hello, %v, from task %s", res.Content["name"], runtime.TaskID(ctx))), nil
		}},
	}
}

func newFixture(t *testing.T, opts *runtime.Options, topts *tasks.Options) *fixture {
	t.Helper()
	f := &fixture{started: map[string]int{}, release: make(chan struct{})}
	if opts == nil {
		opts = &runtime.Options{}
	}
	f.srv = runtime.NewServer(&runtime.Implementation{Name: "tasks-test", Version: "1"}, opts)
	if err := f.srv.Add(&runtime.Components{Tools: f.tools()}); err != nil {
		t.Fatal(err)
	}
	if redisAddr != "" {
		o := tasks.Options{}
		if topts != nil {
			o = *topts
		}
		if o.Store == nil {
			o.Store = redisStore(t, redisAddr)
		}
		topts = &o
	}
	var err error
	if f.engine, err = tasks.Register(f.srv, topts); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(f.srv.Handler())
	f.url = hs.URL
	t.Cleanup(func() {
		f.mu.Lock()
		select {
		case <-f.release:
		default:
			close(f.release)
		}
		f.mu.Unlock()
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.srv.Close(ctx)
	})
	return f
}

func (f *fixture) runs(label string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started[label]
}

// A client of protocol 2026-07-28 over stateless HTTP, JSON responses or
// SSE alike.

type modernClient struct {
	t      *testing.T
	url    string
	caps   map[string]any
	header http.Header
	id     int
}

func (f *fixture) modern(t *testing.T, tasksExt bool) *modernClient {
	caps := map[string]any{"elicitation": map[string]any{}}
	if tasksExt {
		caps["extensions"] = map[string]any{tasks.ExtensionID: map[string]any{}}
	}
	return &modernClient{t: t, url: f.url, caps: caps, header: http.Header{}}
}

type rpcResponse struct {
	Result json.RawMessage `json:"result"`
	Error  *jsonrpc.Error  `json:"error"`
	status int
}

func nameOf(method string, params map[string]any) string {
	switch method {
	case "tools/call", "prompts/get":
		s, _ := params["name"].(string)
		return s
	case "tasks/get", "tasks/update", "tasks/cancel":
		s, _ := params["taskId"].(string)
		return s
	}
	return ""
}

func (c *modernClient) do(method string, params map[string]any, header http.Header) rpcResponse {
	c.t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	params["_meta"] = map[string]any{
		"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
		"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "test", "version": "1"},
		"io.modelcontextprotocol/clientCapabilities": c.caps,
	}
	c.id++
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": c.id, "method": method, "params": params})
	req, _ := http.NewRequest("POST", c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", method)
	if name := nameOf(method, params); name != "" {
		req.Header.Set("Mcp-Name", name)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for k, v := range header {
		req.Header[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	out := readResponse(c.t, resp)
	out.status = resp.StatusCode
	return out
}

// readResponse reads a JSON-RPC response from a JSON body or the last
// message of an SSE stream.
func readResponse(t *testing.T, resp *http.Response) rpcResponse {
	t.Helper()
	raw, _ := io.ReadAll(resp.Body)
	var out rpcResponse
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
				var m rpcResponse
				if json.Unmarshal([]byte(strings.TrimSpace(data)), &m) == nil && (m.Result != nil || m.Error != nil) {
					out = m
				}
			}
		}
		return out
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response %d %q: %v", resp.StatusCode, raw, err)
	}
	return out
}

// call sends a request and returns its result as a map, failing the
// test on a JSON-RPC error.
func (c *modernClient) call(method string, params map[string]any) map[string]any {
	c.t.Helper()
	r := c.do(method, params, nil)
	if r.Error != nil {
		c.t.Fatalf("%s: error %d %s", method, r.Error.Code, r.Error.Message)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Result, &m); err != nil {
		c.t.Fatalf("%s: result %s: %v", method, r.Result, err)
	}
	return m
}

// fails sends a request that must fail with code.
func (c *modernClient) fails(method string, params map[string]any, code int64) *jsonrpc.Error {
	c.t.Helper()
	r := c.do(method, params, nil)
	if r.Error == nil {
		c.t.Fatalf("%s succeeded (%s), want error %d", method, r.Result, code)
	}
	if r.Error.Code != code {
		c.t.Fatalf("%s: error %d %q, want %d", method, r.Error.Code, r.Error.Message, code)
	}
	return r.Error
}

// until polls tasks/get until the task's status is one of want.
func (c *modernClient) until(id string, want ...string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := c.call("tasks/get", map[string]any{"taskId": id})
		st, _ := got["status"].(string)
		for _, w := range want {
			if st == w {
				return got
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("task %s is %q, want one of %v: %v", id, st, want, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func text(res any) string {
	m, _ := res.(map[string]any)
	content, _ := m["content"].([]any)
	if len(content) == 0 {
		return ""
	}
	first, _ := content[0].(map[string]any)
	s, _ := first["text"].(string)
	return s
}
