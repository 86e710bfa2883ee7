package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Background tasks: the seams a task engine (package runtime/tasks) plugs
// into. The core knows a tool's task support and shows it in tools/list
// (execution.taskSupport); it hands each tools/call of a task tool to the
// engine (SetTaskEngine), which answers it with a task or lets it run; it
// runs a task's call again on a worker, as the principal or session that
// made it (RunTask); and it serves the engine's methods (HandleMethod)
// with the same transport-neutral Request as the catalogue's.

// TaskSupport says whether a tool's calls may run as background tasks.
type TaskSupport string

// The task support of a tool (execution.taskSupport in tools/list).
const (
	// TaskForbidden: calls run in the request; tools/list says nothing.
	TaskForbidden TaskSupport = "forbidden"
	// TaskOptional: a client that speaks tasks gets a task, others a
	// result.
	TaskOptional TaskSupport = "optional"
	// TaskRequired: calls run only as tasks; a client that does not
	// speak tasks gets an error.
	TaskRequired TaskSupport = "required"
)

// ParseTaskSupport returns the support named s ("" is TaskForbidden).
func ParseTaskSupport(s string) (TaskSupport, error) {
	switch TaskSupport(s) {
	case "", TaskForbidden:
		return TaskForbidden, nil
	case TaskOptional, TaskRequired:
		return TaskSupport(s), nil
	}
	return "", fmt.Errorf("task support %q: want forbidden, optional or required", s)
}

// A TaskEngine runs tool calls as background tasks. Package runtime/tasks
// has one; install it with Server.SetTaskEngine.
type TaskEngine interface {
	// CallTool answers a tools/call of a tool whose task support is
	// optional or required, or of any tool when the client asked for a
	// task (Request.TaskParams). It runs as the innermost handler, after
	// middleware. It returns the call's result: its own task result
	// (encoded as it marshals, sent as is), or the tool's result from
	// call.Run.
	CallTool(ctx context.Context, call *TaskCall) (mcp.Result, error)
}

// TaskCall is a tools/call a TaskEngine decides about.
type TaskCall struct {
	// Request is the call.
	Request *Request
	// Support is the tool's task support (TaskForbidden when the client
	// asked for a task of a tool that has none).
	Support TaskSupport
	s       *Server
}

// Run runs the tool's handler in the request, as the call would without
// an engine (timeout, panics, truncation). With detachable, a handler
// that calls Detach stops there: Run reports Detached, and the engine
// runs the call as a task (RunTask) from the start, with the input the
// handler read carried over.
func (c *TaskCall) Run(ctx context.Context, detachable bool) TaskPrelude {
	r := c.Request
	if !detachable {
		res, err := c.s.callToolOf(ctx, r)
		return TaskPrelude{Result: res, Err: err}
	}
	var p TaskPrelude
	r.detach = func() error {
		p.Detached = true
		return ErrDetached
	}
	p.Result, p.Err = c.s.callToolOf(ctx, r)
	r.detach = nil
	if p.Detached {
		p.Responses = r.usedResponses()
	}
	return p
}

// TaskPrelude is the outcome of the part of a call that ran in the
// request (TaskCall.Run).
type TaskPrelude struct {
	Result *CallToolResult
	Err    error
	// Detached reports that the handler called Detach: Result and Err
	// are then to be ignored.
	Detached bool
	// Responses are the input responses the handler read (multi
	// round-trip), which the task's runs read too.
	Responses mcp.InputResponseMap
}

// ErrDetached is what Detach returns in the part of a task-augmented call
// that runs in the request: the handler should return it (any error
// wrapping it will do) and is run again as the task.
var ErrDetached = errors.New("runtime: the call goes on as a background task")

// Detach marks where a tool handler's background part begins. In a call
// that is to become a task, the handler runs in the request until it
// calls Detach, so that it may first ask the client for input (Elicit,
// which multi round-trip clients answer before the task exists); Detach
// then returns ErrDetached, the handler returns, and the task runs the
// handler again from the start (with the same input), where Detach
// returns nil. Everywhere else (a call that is not a task, the task's own
// runs) it returns nil at once. Generated handlers call it after decoding
// and checking their arguments, before the user's function; a hand-written
// handler of a task tool that never calls it runs whole in the request,
// and its result becomes the task's.
func Detach(ctx context.Context) error {
	if r := RequestFrom(ctx); r != nil && r.detach != nil {
		return r.detach()
	}
	return nil
}

// TaskRun is one run of a task's call on a worker (Server.RunTask): the
// call, and who made it.
type TaskRun struct {
	// TaskID is the task's id (TaskID(ctx) inside the handler).
	TaskID string
	// The call.
	Name      string
	Version   string
	Arguments json.RawMessage
	Meta      map[string]any
	// Who made it: the session and principal the call resolves as (the
	// view, session state and authorization checks are theirs).
	SessionID          string
	Principal          *Principal
	ProtocolVersion    string
	ClientInfo         *Implementation
	ClientCapabilities *mcp.ClientCapabilities
	// Transport is the transport the call came over (TransportStdio,
	// TransportHTTP): on stdio, authorization checks are skipped unless
	// Options.AuthorizeStdio, in the task as in the call.
	Transport string
	// Responses are the client's input responses so far.
	Responses mcp.InputResponseMap
	// Progress and Log, if set, receive the handler's Progress and Log
	// calls, which have no client request to go to.
	Progress func(progress, total float64, message string)
	Log      func(level slog.Level, msg string, data any)
	// ClientMeta, if not nil, sends the handler's Log and Progress to the
	// client too, with these _meta, when the session that made the call is
	// held by this process (on stdio, or on the session's standalone HTTP
	// stream): the log at the level the client set, progress under the
	// call's progress token. The tasks of protocol 2025-11-25 do
	// (SEP-1686: the related-task key); those of the 2026-07-28 extension
	// send neither.
	ClientMeta map[string]any
}

// TaskID returns the id of the task the current call runs as (RunTask),
// or "" outside one.
func TaskID(ctx context.Context) string {
	if r := RequestFrom(ctx); r != nil && r.task != nil {
		return r.task.TaskID
	}
	return ""
}

// SetTaskEngine installs the engine that runs tool calls as tasks; nil
// removes it. Without one, every tool is TaskForbidden whatever it
// declares. Call it while setting the server up.
func (s *Server) SetTaskEngine(e TaskEngine) {
	if e == nil {
		s.engine.Store(nil)
	} else {
		s.engine.Store(&e)
	}
	s.changed()
}

func (s *Server) taskEngine() TaskEngine {
	if e := s.engine.Load(); e != nil {
		return *e
	}
	return nil
}

// taskSupport is the task support the server gives t: its own, the
// server's default, or none without an engine.
func (s *Server) taskSupport(t *Tool) TaskSupport {
	if s.engine.Load() == nil {
		return TaskForbidden
	}
	sup := t.TaskSupport
	if sup == "" {
		sup = s.opts.TaskSupport
	}
	if sup == "" {
		return TaskForbidden
	}
	return sup
}

// callAsTask hands a call of r.Tool to the task engine, or reports false
// when the call does not concern it: no engine, a forbidden tool the
// client did not ask a task of, a task's own run, or a mounted server's
// chain (the parent's engine decided).
func (s *Server) callAsTask(ctx context.Context, r *Request) (mcp.Result, error, bool) {
	if r.task != nil || r.root != nil && r.root != s {
		return nil, nil, false
	}
	e := s.taskEngine()
	if e == nil {
		return nil, nil, false
	}
	sup := s.taskSupport(r.Tool)
	if sup == TaskForbidden && r.TaskParams == nil {
		return nil, nil, false
	}
	call := &TaskCall{Request: r, Support: sup, s: s}
	res, err := e.CallTool(ctx, call)
	return res, err, true
}

// callToolOf runs r's tool as a call does: its timeout (not in a task's
// runs: tasks have none), panics contained, the result truncated to
// MaxResultBytes.
func (s *Server) callToolOf(ctx context.Context, r *Request) (*CallToolResult, error) {
	var res *CallToolResult
	var err error
	if r.task != nil {
		res, err = s.runTool(ctx, r.Tool, r.Arguments)
	} else {
		res, err = s.callTool(ctx, r.Tool, r.Arguments)
	}
	if max := r.Tool.MaxResultBytes; max > 0 && err == nil {
		if cut, ok := TruncateResult(res, max, ""); ok {
			s.log.Warn("tool result truncated", "tool", r.Name, "max_result_bytes", max)
			res = cut
		}
	}
	return res, err
}

// RunTask runs a task's call (a tools/call) as run says who made it:
// resolution in their view, middleware, handler. It returns the result,
// or the input requests the handler made that run.Responses does not
// answer (the task then waits for the client), or the JSON-RPC error the
// call ends with. Progress and logging go to run.Progress and run.Log.
// Task engines call it on their workers; Detach returns nil in it.
func (s *Server) RunTask(ctx context.Context, run *TaskRun) (res *CallToolResult, pending mcp.InputRequestMap, err *jsonrpc.Error) {
	r := newRequest(MethodCallTool)
	r.Name, r.Version, r.Arguments, r.Meta = run.Name, run.Version, run.Arguments, run.Meta
	r.SessionID, r.Principal, r.ProtocolVersion = run.SessionID, run.Principal, run.ProtocolVersion
	r.ClientInfo, r.ClientCapabilities = run.ClientInfo, run.ClientCapabilities
	r.Transport = run.Transport
	r.task = run
	if run.ClientMeta != nil && run.SessionID != "" {
		r.taskClient = s.liveSession(run.SessionID)
	}
	r.root = s
	r.in.responses = mcp.InputResponseMap{}
	for k, v := range run.Responses {
		if v != nil {
			r.in.responses[k] = v
		}
	}
	out, e := s.runTaskContained(ctx, r)
	if p := r.pendingInput(); p != nil {
		return nil, p, nil
	}
	if e == nil {
		if refused := r.refusal(); refused != nil && failed(out, nil) {
			e = refused
		}
	}
	if e != nil {
		return nil, nil, s.wireError(ctx, r, e)
	}
	ctr, ok := out.(*CallToolResult)
	if !ok || ctr == nil {
		s.log.Error("middleware returned the wrong result", "tool", r.Name, "type", fmt.Sprintf("%T", out))
		return nil, nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: fmt.Sprintf("internal error: tool %q produced no tool result", r.Name)}
	}
	ctr = s.maskResult(ctx, r, ctr)
	if ctr.Content == nil {
		cp := *ctr
		cp.Content = []Content{}
		ctr = &cp
	}
	return ctr, nil, nil
}

// liveSession returns the record of the session id if this process holds
// it, nil otherwise. It looks through every session: it
// serves task runs, which are rare beside requests, and a map by id would
// cost every idle session its entry.
func (s *Server) liveSession(id string) *session {
	var found *session
	s.sessions.Range(func(_, v any) bool {
		if rec := v.(*session); rec.id == id {
			found = rec
			return false
		}
		return true
	})
	return found
}

// panicError is the JSON-RPC error a contained panic answers with: its
// value, unless Options.MaskErrors.
func (s *Server) panicError(v any) *jsonrpc.Error {
	msg := fmt.Sprintf("internal error: %v", v)
	if s.opts.MaskErrors {
		msg = "internal error"
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}
}

func (s *Server) runTaskContained(ctx context.Context, r *Request) (res mcp.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(ctx, "task panicked", "tool", r.Name, "task", r.task.TaskID, "panic", v)
			res, err = nil, s.panicError(v)
		}
	}()
	return s.serve(ctx, r)
}

// A MethodHandler answers a JSON-RPC method the catalogue does not have
// (HandleMethod), with the request's details (session, principal, client
// capabilities, headers) in r and its params as sent.
type MethodHandler func(ctx context.Context, r *Request, params json.RawMessage) (mcp.Result, error)

// HandleMethod serves method with h on every transport, for plug-ins that
// implement an extension's methods (runtime/tasks: tasks/get and the
// like). r.Method is method, r.Name empty; middleware does not run. A
// panic in h becomes an internal error. Call it while setting the server
// up.
func (s *Server) HandleMethod(method string, h MethodHandler) error {
	if method == "" || h == nil {
		return errors.New("runtime: HandleMethod needs a method and a handler")
	}
	if catalogueMethods[method] {
		return fmt.Errorf("runtime: HandleMethod of %q, which the catalogue answers", method)
	}
	err := mcp.AddReceivingCustomMethod(s.mcp, method, func(context.Context, *mcp.ServerSession, *rawParams) (*rawResult, error) {
		// dispatch answers it before go-sdk's handler would run.
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "internal error: " + method + " reached go-sdk"}
	})
	if err != nil {
		return fmt.Errorf("runtime: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.methods == nil {
		s.methods = map[string]MethodHandler{}
	}
	s.methods[method] = h
	return nil
}

func (s *Server) methodHandler(method string) MethodHandler {
	if !strings.Contains(method, "/") {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.methods[method]
}

// rawParams are the params of a method served by HandleMethod, kept as
// sent.
type rawParams struct {
	mcp.ParamsBase
	raw json.RawMessage
}

func (p *rawParams) UnmarshalJSON(b []byte) error {
	var m struct {
		Meta mcp.Meta `json:"_meta"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	p.Meta, p.raw = m.Meta, append(json.RawMessage(nil), b...)
	return nil
}

// GetProgressToken makes progress tokens of custom methods readable.
func (p *rawParams) GetProgressToken() any { return p.Meta["progressToken"] }

type rawResult struct{ mcp.ResultBase }

// answerMethod answers a method HandleMethod registered.
func (s *Server) answerMethod(ctx context.Context, h MethodHandler, method string, req mcp.Request) (res mcp.Result, err error) {
	r := s.fromSDK(method, req)
	r.srv, r.root = s, s
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(ctx, "method panicked", "method", method, "panic", v)
			res, err = nil, s.panicError(v)
		}
	}()
	var raw json.RawMessage
	if p, ok := req.GetParams().(*rawParams); ok && p != nil {
		raw = p.raw
	}
	res, err = h(withRequest(ctx, r), r, raw)
	if err != nil {
		return nil, s.wireError(ctx, r, err)
	}
	return res, nil
}

// DeclareSessionCapability adds name to the capabilities the server sends
// in its initialize result, for capabilities go-sdk has no field for (the
// tasks of protocol 2025-11-25: "tasks"). Protocol 2026-07-28 has no
// initialize, so its clients (server/discover) do not see them. Call it
// while setting the server up.
func (s *Server) DeclareSessionCapability(name string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessionCaps == nil {
		s.sessionCaps = map[string]any{}
	}
	s.sessionCaps[name] = value
}

// withSessionCapabilities adds the declared session capabilities to an
// initialize result.
func (s *Server) withSessionCapabilities(res mcp.Result) mcp.Result {
	s.mu.Lock()
	caps := s.sessionCaps
	s.mu.Unlock()
	ir, ok := res.(*mcp.InitializeResult)
	if !ok || len(caps) == 0 {
		return res
	}
	return &initializeResult{ir, caps}
}

type initializeResult struct {
	*mcp.InitializeResult
	extra map[string]any
}

func (r *initializeResult) MarshalJSON() ([]byte, error) {
	js, err := json.Marshal(r.InitializeResult)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, err
	}
	var caps map[string]json.RawMessage
	if raw, ok := m["capabilities"]; ok {
		json.Unmarshal(raw, &caps)
	}
	if caps == nil {
		caps = map[string]json.RawMessage{}
	}
	for k, v := range r.extra {
		if _, set := caps[k]; set {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		caps[k] = b
	}
	if m["capabilities"], err = json.Marshal(caps); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// taskParam returns the params.task of a tools/call message (SEP-1686),
// which go-sdk's params type drops; nil when it has none.
func taskParam(msg []byte) json.RawMessage {
	if !bytes.Contains(msg, []byte(`"task"`)) {
		return nil
	}
	var m struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if json.Unmarshal(msg, &m) != nil || m.Method != MethodCallTool {
		return nil
	}
	return taskOfParams(m.Params)
}

// taskOfParams returns the task member of a tools/call's params.
func taskOfParams(params []byte) json.RawMessage {
	if !bytes.Contains(params, []byte(`"task"`)) {
		return nil
	}
	var p struct {
		Task json.RawMessage `json:"task"`
	}
	if json.Unmarshal(params, &p) != nil || len(p.Task) == 0 || string(p.Task) == "null" {
		return nil
	}
	return p.Task
}

// A TaskResult is a task engine's own answer to a tools/call (a created
// task), which the runtime sends as it encodes.
type TaskResult interface {
	mcp.Result
	// TaskID is the id of the task created.
	TaskID() string
}

func isTaskResult(res mcp.Result) bool {
	_, ok := res.(TaskResult)
	return ok
}

// taskParams returns the params.task of a go-sdk tools/call request,
// which the transport that read it kept (stdio: markedConn; HTTP: the
// guard).
func (s *Server) taskParams(req mcp.Request) json.RawMessage {
	extra := req.GetExtra()
	if extra == nil || extra.Header == nil {
		return nil
	}
	if v := extra.Header[stdioTaskKey]; len(v) > 0 {
		return json.RawMessage(v[0])
	}
	if e := s.conns.lookup(extra.Header); e != nil {
		return e.task
	}
	return nil
}

// stdioTaskKey carries, in the RequestExtra.Header of a stdio tools/call,
// its params.task.
const stdioTaskKey = ":mcpgen-task"

// taskSupports returns the task support of the tools of a view's lists
// that have some, by name; nil without a task engine or such tools.
func (v *view) taskSupports(lists [4]any) map[string]TaskSupport {
	if v.snap.taskSupport == nil {
		return nil
	}
	var out map[string]TaskSupport
	tools, _ := lists[kTools].([]*mcp.Tool)
	for _, lt := range tools {
		t := v.tool(lt.Name, "")
		if t == nil {
			continue
		}
		if sup := v.snap.taskSupport(t); sup != TaskForbidden {
			if out == nil {
				out = map[string]TaskSupport{}
			}
			out[lt.Name] = sup
		}
	}
	return out
}

// encodeTools encodes a tools list with each tool's execution (go-sdk's
// Tool has no such field): {"taskSupport": ...} where it is not
// forbidden.
func encodeTools(tools []*mcp.Tool, tasks map[string]TaskSupport) ([]byte, error) {
	b := []byte{'['}
	for i, t := range tools {
		if i > 0 {
			b = append(b, ',')
		}
		js, err := encodeJSON(t)
		if err != nil {
			return nil, err
		}
		sup, ok := tasks[t.Name]
		if !ok || len(js) < 2 || js[len(js)-1] != '}' {
			b = append(b, js...)
			continue
		}
		b = append(b, js[:len(js)-1]...)
		b = append(b, `,"execution":{"taskSupport":"`...)
		b = append(b, sup...)
		b = append(b, `"}}`...)
	}
	return append(b, ']'), nil
}

// toolsWithTasks is a tools/list result that middleware changed, encoded
// with the tools' execution.
type toolsWithTasks struct {
	*mcp.ListToolsResult
	tasks map[string]TaskSupport
}

func (t *toolsWithTasks) MarshalJSON() ([]byte, error) {
	items, err := encodeTools(t.Tools, t.tasks)
	if err != nil {
		return nil, err
	}
	return splice(&preTools{t.ListToolsResult, items}, t.ListToolsResult)
}
