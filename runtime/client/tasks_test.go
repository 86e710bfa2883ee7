package client

import (
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
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/mcpgen/mcpgen/runtime/tasks"
)

// jobResult is the structured result of the job tool.
type jobResult struct {
	N    int  `json:"n"`
	Task bool `json:"task"`
}

// jobReader decodes a jobResult with encoding/json, for CallStructured.
var jobReader = codec.Unchecked(func(d *codec.Decoder, v *jobResult) error {
	raw, err := d.ReadRaw()
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
})

// The task tools of the tests' server.
func taskTools(release <-chan struct{}) []*runtime.Tool {
	schema := json.RawMessage(`{"type":"object"}`)
	arg := func(args json.RawMessage, k string) any {
		var m map[string]any
		json.Unmarshal(args, &m)
		return m[k]
	}
	return []*runtime.Tool{
		{Name: "greet", InputSchema: schema, Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult(fmt.Sprintf("Hello, %v!", arg(args, "name"))), nil
		}},
		// job runs only as a task; it reports progress, and waits for
		// release when asked to.
		{Name: "job", TaskSupport: runtime.TaskRequired, InputSchema: schema, Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			runtime.Progress(ctx, 1, 2, "halfway")
			if arg(args, "wait") == true {
				select {
				case <-release:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			js, _ := json.Marshal(map[string]any{"n": arg(args, "n"), "task": runtime.TaskID(ctx) != ""})
			return runtime.StructuredResult(js), nil
		}},
		{Name: "maybe", TaskSupport: runtime.TaskOptional, InputSchema: schema, Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			return runtime.TextResult("maybe in task " + runtime.TaskID(ctx)), nil
		}},
		{Name: "confirm", TaskSupport: runtime.TaskRequired, InputSchema: schema, Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			res, err := runtime.Elicit(ctx, "confirm", &runtime.ElicitParams{Message: "Delete it?",
				RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"confirm": map[string]any{"type": "boolean", "default": true}}}})
			if err != nil {
				return nil, err
			}
			return runtime.TextResult(fmt.Sprintf("%s: %v", res.Action, res.Content["confirm"])), nil
		}},
		{Name: "sample", TaskSupport: runtime.TaskRequired, InputSchema: schema, Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			if _, err := runtime.Sample(ctx, "s", &runtime.CreateMessageParams{MaxTokens: 5}); err != nil {
				return nil, err
			}
			return runtime.TextResult("sampled"), nil
		}},
		{Name: "broken", TaskSupport: runtime.TaskRequired, InputSchema: schema, Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			return nil, &jsonrpc.Error{Code: -32050, Message: "the backend is down"}
		}},
		{Name: "oops", TaskSupport: runtime.TaskRequired, InputSchema: schema, Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			return runtime.ErrorResult(errors.New("bad input")), nil
		}},
	}
}

type taskServer struct {
	engine  *tasks.Engine
	url     string
	release chan struct{}

	mu      sync.Mutex
	methods map[string]int // requests by method (from the body)
	names   map[string]string
}

func (s *taskServer) count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.methods[method]
}

// newTaskServer serves the task tools over HTTP on 127.0.0.1. With
// noListen, subscriptions/listen is refused as by a server without it.
func newTaskServer(t *testing.T, noListen bool) *taskServer {
	t.Helper()
	ts := &taskServer{release: make(chan struct{}), methods: map[string]int{}, names: map[string]string{}}
	srv := runtime.NewServer(&runtime.Implementation{Name: "tasks", Version: "1"}, nil)
	if err := srv.Add(&runtime.Components{Tools: taskTools(ts.release)}); err != nil {
		t.Fatal(err)
	}
	var err error
	if ts.engine, err = tasks.Register(srv, &tasks.Options{PollInterval: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var msg struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			json.Unmarshal(body, &msg)
			ts.mu.Lock()
			ts.methods[msg.Method]++
			if strings.HasPrefix(msg.Method, "tasks/") {
				ts.names[msg.Method] = r.Header.Get("Mcp-Name")
			}
			ts.mu.Unlock()
			if noListen && msg.Method == "subscriptions/listen" {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"no listen here"}}`, msg.ID)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	ts.url = hs.URL
	t.Cleanup(func() {
		select {
		case <-ts.release:
		default:
			close(ts.release)
		}
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
	})
	return ts
}

// states records what Options.TaskStatus receives.
type states struct {
	mu  sync.Mutex
	all []*TaskState
}

func (s *states) add(st *TaskState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, st)
}

func (s *states) statuses() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, st := range s.all {
		if len(out) == 0 || out[len(out)-1] != st.Status {
			out = append(out, st.Status)
		}
	}
	return strings.Join(out, ",")
}

func (s *states) messages() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, st := range s.all {
		out = append(out, st.StatusMessage)
	}
	return strings.Join(out, "|")
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func connectTasks(t *testing.T, url string, o *Options) *mcp.ClientSession {
	t.Helper()
	cs, err := Connect(testCtx(t), url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// Over 2026-07-28 HTTP: a required task tool is waited for through the
// listen stream, its structured result returned by CallStructured; its
// states reach TaskStatus; tasks/* requests carry Mcp-Name.
func TestCallTaskToolListens(t *testing.T) {
	srv := newTaskServer(t, false)
	var got states
	cs := connectTasks(t, srv.url, &Options{TaskStatus: got.add})
	ctx := testCtx(t)
	if v := cs.InitializeResult().ProtocolVersion; v < "2026-07-28" {
		t.Fatalf("negotiated %s", v)
	}

	res, task, err := StartCall(ctx, cs, &mcp.CallToolParams{Name: "job", Arguments: map[string]any{"n": 3, "wait": true}})
	if err != nil || res != nil || task == nil || task.ID == "" {
		t.Fatalf("StartCall = %v, %v, %v; want a task", res, task, err)
	}
	// The task waits for release: it is released once the client heard
	// it working through its listen stream.
	go func() {
		for {
			if n := srv.count("subscriptions/listen"); n > 0 && strings.Contains(got.messages(), "halfway") {
				close(srv.release)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	out, err := task.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(out.StructuredContent)
	if string(js) != `{"n":3,"task":true}` {
		t.Errorf("result %s", js)
	}
	if s := got.statuses(); !strings.HasPrefix(s, "working") || !strings.HasSuffix(s, "completed") {
		t.Errorf("statuses %q", s)
	}
	if task.notes == 0 {
		t.Errorf("no state came on the listen stream (%d polls)", task.polls)
	}
	if n := srv.count("subscriptions/listen"); n != 1 {
		t.Errorf("%d subscriptions/listen", n)
	}

	// CallStructured, as generated clients use it: same path.
	var v jobResult
	if err := CallStructured(ctx, cs, "job", "", []byte(`{"n":7}`), &v, jobReader); err != nil || v.N != 7 || !v.Task {
		t.Errorf("CallStructured = %+v, %v", v, err)
	}
	// A plain tool, and an optional task tool, through the same calls.
	if r, _, err := CallTool(ctx, cs, "greet", "", []byte(`{"name":"Ada"}`)); err != nil || Text(r.Content) != "Hello, Ada!" {
		t.Errorf("greet: %v, %v", r, err)
	}
	if r, err := Call(ctx, cs, &mcp.CallToolParams{Name: "maybe"}); err != nil || !strings.HasPrefix(Text(r.Content), "maybe in task ") || Text(r.Content) == "maybe in task " {
		t.Errorf("maybe: %v, %v", r, err)
	}
	// tasks/cancel and tasks/get went out with the task in Mcp-Name.
	if err := task.Cancel(ctx); err != nil {
		t.Errorf("cancelling an ended task: %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.names["tasks/cancel"] != task.ID {
		t.Errorf("Mcp-Name of tasks/cancel %q, want %q", srv.names["tasks/cancel"], task.ID)
	}
}

// A server without subscriptions/listen: the client polls tasks/get.
func TestCallTaskToolPolls(t *testing.T) {
	srv := newTaskServer(t, true)
	close(srv.release)
	var got states
	cs := connectTasks(t, srv.url, &Options{TaskStatus: got.add})
	ctx := testCtx(t)
	_, task, err := StartCall(ctx, cs, &mcp.CallToolParams{Name: "job", Arguments: map[string]any{"n": 1, "wait": true}})
	if err != nil || task == nil {
		t.Fatalf("StartCall: %v, %v", task, err)
	}
	out, err := task.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if js, _ := json.Marshal(out.StructuredContent); string(js) != `{"n":1,"task":true}` {
		t.Errorf("result %s", js)
	}
	if task.notes != 0 || task.polls == 0 || srv.count("tasks/get") == 0 {
		t.Errorf("notes %d, polls %d, tasks/get %d: want polling only", task.notes, task.polls, srv.count("tasks/get"))
	}
	if srv.names["tasks/get"] != task.ID {
		t.Errorf("Mcp-Name of tasks/get %q", srv.names["tasks/get"])
	}
	if s := got.statuses(); !strings.HasSuffix(s, "completed") {
		t.Errorf("statuses %q", s)
	}
}

// A task that asks for input gets the client's elicitation answer; one
// that asks for sampling fails the call with a clear error and is
// cancelled; a failed task is a *TaskError carrying the JSON-RPC error; a
// tool error completes with isError (a *ToolError from CallTool).
func TestTaskInputAndFailures(t *testing.T) {
	for _, noListen := range []bool{false, true} {
		t.Run(fmt.Sprintf("noListen=%v", noListen), func(t *testing.T) {
			srv := newTaskServer(t, noListen)
			var asked []string
			var mu sync.Mutex
			elicit := func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
				mu.Lock()
				asked = append(asked, req.Params.Message)
				mu.Unlock()
				return AcceptDefaults(ctx, req)
			}
			var got states
			cs := connectTasks(t, srv.url, &Options{Elicit: elicit, TaskStatus: got.add})
			ctx := testCtx(t)

			res, _, err := CallTool(ctx, cs, "confirm", "", nil)
			if err != nil || Text(res.Content) != "accept: true" {
				t.Fatalf("confirm: %v, %v", res, err)
			}
			if len(asked) != 1 || asked[0] != "Delete it?" {
				t.Errorf("elicitations %q", asked)
			}
			if !strings.Contains(got.statuses(), "input_required") {
				t.Errorf("statuses %q", got.statuses())
			}

			_, _, err = CallTool(ctx, cs, "broken", "", nil)
			var te *TaskError
			var je *jsonrpc.Error
			if !errors.As(err, &te) || te.Status != TaskFailed || !errors.As(err, &je) || je.Code != -32050 || !strings.Contains(err.Error(), "the backend is down") {
				t.Errorf("broken: %v", err)
			}

			_, _, err = CallTool(ctx, cs, "oops", "", nil)
			var tool *ToolError
			if !errors.As(err, &tool) || tool.Text != "bad input" {
				t.Errorf("oops: %v", err)
			}

			// The client declares no sampling: the server fails the task.
			_, _, err = CallTool(ctx, cs, "sample", "", nil)
			if !errors.As(err, &te) || te.Status != TaskFailed || !strings.Contains(err.Error(), "sampling") {
				t.Errorf("sample: %v", err)
			}
		})
	}
}

// Input requests the client cannot answer get a clear error; roots are
// answered with none.
func TestTaskRespond(t *testing.T) {
	task := &Task{ID: "t1", ts: &Tasks{}}
	ctx := context.Background()
	for _, tc := range []struct{ req, want string }{
		{`{"method":"sampling/createMessage","params":{"messages":[],"maxTokens":5}}`, "sampling (sampling/createMessage), which this client does not support"},
		{`{"method":"elicitation/create","params":{"message":"?"}}`, "no elicitation handler"},
		{`{"method":"other/thing"}`, `"other/thing"`},
	} {
		if _, err := task.respond(ctx, json.RawMessage(tc.req)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.req, err, tc.want)
		}
	}
	if js, err := task.respond(ctx, json.RawMessage(`{"method":"roots/list"}`)); err != nil || string(js) != `{"roots":[]}` {
		t.Errorf("roots: %s, %v", js, err)
	}
}

// When ctx ends, the task is cancelled on the server.
func TestTaskCancelledWithContext(t *testing.T) {
	srv := newTaskServer(t, false)
	var got states
	cs := connectTasks(t, srv.url, &Options{TaskStatus: got.add})
	ctx, cancel := context.WithCancel(testCtx(t))
	_, task, err := StartCall(ctx, cs, &mcp.CallToolParams{Name: "job", Arguments: map[string]any{"wait": true}})
	if err != nil || task == nil {
		t.Fatal(err)
	}
	go func() {
		for !strings.Contains(got.messages(), "halfway") {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	if _, err := task.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
	st, err := srv.engine.Store().Get(testCtx(t), "", task.ID)
	if err != nil || st.Status != tasks.Cancelled {
		t.Fatalf("the task on the server: %+v, %v", st, err)
	}
	// A second client sees it cancelled too.
	other := connectTasks(t, srv.url, nil)
	seen := &Task{ID: task.ID, s: other}
	if st, err := seen.Get(testCtx(t)); err != nil || st.Status != TaskCancelled {
		t.Errorf("tasks/get from another client: %+v, %v", st, err)
	}
}

// Protocol 2025-11-25 over a stateful HTTP session: a required task tool
// is called with params.task and waited for with tasks/result, which
// relays the task's elicitation to the session.
func TestLegacyTasks(t *testing.T) {
	srv := newTaskServer(t, false)
	close(srv.release)
	var got states
	cs := connectTasks(t, srv.url, &Options{ProtocolVersion: "2025-11-25", Elicit: AcceptDefaults, TaskStatus: got.add})
	ctx := testCtx(t)
	if v := cs.InitializeResult().ProtocolVersion; v != "2025-11-25" {
		t.Fatalf("negotiated %s", v)
	}
	var v jobResult
	if err := CallStructured(ctx, cs, "job", "", []byte(`{"n":5,"wait":true}`), &v, jobReader); err != nil || v.N != 5 || !v.Task {
		t.Fatalf("job: %+v, %v", v, err)
	}
	if srv.count("tasks/result") != 1 {
		t.Errorf("%d tasks/result", srv.count("tasks/result"))
	}
	if r, _, err := CallTool(ctx, cs, "confirm", "", nil); err != nil || Text(r.Content) != "accept: true" {
		t.Errorf("confirm: %v, %v", r, err)
	}
	_, _, err := CallTool(ctx, cs, "broken", "", nil)
	var te *TaskError
	if !errors.As(err, &te) || te.Status != TaskFailed || te.Err == nil || te.Err.Code != -32050 {
		t.Errorf("broken: %v", err)
	}
	if s := got.statuses(); !strings.Contains(s, "completed") {
		t.Errorf("statuses %q", s)
	}
	// A plain tool still answers at once.
	if r, _, err := CallTool(ctx, cs, "greet", "", []byte(`{"name":"Bo"}`)); err != nil || Text(r.Content) != "Hello, Bo!" {
		t.Errorf("greet: %v, %v", r, err)
	}
}

// serveTaskTools serves the task tools over stdio, for TestTasksOverStdio
// (see TestMain).
func serveTaskTools() error {
	srv := runtime.NewServer(&runtime.Implementation{Name: "tasks-stdio", Version: "1"}, nil)
	if err := srv.Add(&runtime.Components{Tools: taskTools(make(chan struct{}))}); err != nil {
		return err
	}
	if _, err := tasks.Register(srv, &tasks.Options{PollInterval: 50 * time.Millisecond}); err != nil {
		return err
	}
	return srv.ServeStdio(context.Background())
}

// Only Call and its kin declare the tasks extension: over 2026-07-28 the
// session's own ClientSession.CallTool gets a task-optional tool's result
// at once, and a task-required tool's refusal, not an empty result.
func TestSessionCallToolDeclaresNoTasks(t *testing.T) {
	srv := newTaskServer(t, false)
	cs := connectTasks(t, srv.url, nil)
	ctx := testCtx(t)
	if v := cs.InitializeResult().ProtocolVersion; v < "2026-07-28" {
		t.Fatalf("negotiated %s", v)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "maybe"})
	if err != nil || Text(res.Content) != "maybe in task " {
		t.Errorf("maybe through ClientSession.CallTool: %v, %v; want its result, run at once", res, err)
	}
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "job"})
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != mcp.CodeMissingRequiredClientCapabilities {
		t.Errorf("job through ClientSession.CallTool: %v; want the missing capability", err)
	}
	// Through Call, the same session follows the task.
	if r, err := Call(ctx, cs, &mcp.CallToolParams{Name: "maybe"}); err != nil || Text(r.Content) == "maybe in task " {
		t.Errorf("maybe through Call: %v, %v", r, err)
	}
}
