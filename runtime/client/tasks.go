package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Calling task tools: a server may run a tools/call as a background task
// (the tasks extension of protocol 2026-07-28; the tasks of 2025-11-25,
// SEP-1686) and answer with the task instead of the result. Call waits
// for the task and returns its result as if the call had returned it;
// StartCall returns the Task for callers that wait their own way.

// The task statuses.
const (
	TaskWorking       = "working"
	TaskInputRequired = "input_required"
	TaskCompleted     = "completed"
	TaskFailed        = "failed"
	TaskCancelled     = "cancelled"
)

// MinPollInterval bounds how often a Task polls its server, whatever the
// server's pollIntervalMs; DefaultPollInterval is used when the server
// gives none.
const (
	MinPollInterval     = 100 * time.Millisecond
	DefaultPollInterval = time.Second
)

// listenPoll is how often a task whose changes come on a listen stream is
// read all the same (notifications are advisory: one may be lost).
const listenPoll = 10 * time.Second

// TaskState is a task as the server last described it.
type TaskState struct {
	ID            string
	Status        string // one of the Task* statuses
	StatusMessage string
	TTL           time.Duration
	PollInterval  time.Duration
	// Result is the CallToolResult of a completed task, as JSON.
	Result json.RawMessage
	// Error is the JSON-RPC error of a failed task.
	Error *jsonrpc.Error
	// InputRequests are the requests an input_required task waits for,
	// by key: {"method": ..., "params": ...} each.
	InputRequests map[string]json.RawMessage
}

// Terminal reports whether the task ended (completed, failed, cancelled).
func (s *TaskState) Terminal() bool {
	return s.Status == TaskCompleted || s.Status == TaskFailed || s.Status == TaskCancelled
}

// decode reads a task of either protocol: a CreateTaskResult or
// DetailedTask (ttlMs, pollIntervalMs), or a SEP-1686 task (ttl,
// pollInterval).
func (s *TaskState) decode(raw json.RawMessage) error {
	var w struct {
		TaskID         string                     `json:"taskId"`
		Status         string                     `json:"status"`
		StatusMessage  string                     `json:"statusMessage"`
		TTLMs          *float64                   `json:"ttlMs"`
		PollIntervalMs *float64                   `json:"pollIntervalMs"`
		TTL            *float64                   `json:"ttl"`
		PollInterval   *float64                   `json:"pollInterval"`
		Result         json.RawMessage            `json:"result"`
		Error          *jsonrpc.Error             `json:"error"`
		InputRequests  map[string]json.RawMessage `json:"inputRequests"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return err
	}
	ms := func(a, b *float64) time.Duration {
		switch {
		case a != nil:
			return time.Duration(*a * float64(time.Millisecond))
		case b != nil:
			return time.Duration(*b * float64(time.Millisecond))
		}
		return 0
	}
	*s = TaskState{
		ID: w.TaskID, Status: w.Status, StatusMessage: w.StatusMessage,
		TTL: ms(w.TTLMs, w.TTL), PollInterval: ms(w.PollIntervalMs, w.PollInterval),
		Result: w.Result, Error: w.Error, InputRequests: w.InputRequests,
	}
	if s.ID == "" {
		return errors.New("the task has no taskId")
	}
	return nil
}

// same reports whether s tells what o told (for status reports).
func (s *TaskState) same(o *TaskState) bool {
	return o != nil && s.Status == o.Status && s.StatusMessage == o.StatusMessage
}

// TaskError is the error of a task that did not complete: it failed
// (Err is the server's JSON-RPC error) or was cancelled. A task that
// completed with a tool error is no TaskError: Call returns its result
// (isError), as for a call that ran at once.
type TaskError struct {
	TaskID  string
	Status  string // TaskFailed or TaskCancelled
	Message string // the task's status message
	Err     *jsonrpc.Error
}

func (e *TaskError) Error() string {
	msg := e.Message
	if e.Err != nil && e.Err.Message != "" {
		msg = e.Err.Message
	}
	if msg == "" {
		return fmt.Sprintf("task %s %s", e.TaskID, e.Status)
	}
	return fmt.Sprintf("task %s %s: %s", e.TaskID, e.Status, msg)
}

func (e *TaskError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// Task is a task a tool call created on the server.
type Task struct {
	// ID is the task's id.
	ID string

	s      *mcp.ClientSession
	ts     *Tasks
	legacy bool

	mu       sync.Mutex
	last     *TaskState // the last state observed
	reported *TaskState // the last state reported to Tasks.Status
	answered map[string]bool
	// how the states came, for tests: from tasks/get, a listen stream.
	polls, notes int
}

// State returns the task's state as last observed.
func (t *Task) State() *TaskState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

// ErrNoTasks is returned for a task result on a session whose client was
// not made with Tasks (Connect, ConnectCommand, Tasks.NewClient).
var ErrNoTasks = errors.New("the server answered with a task, and this session's client cannot follow tasks (make it with client.Connect, ConnectCommand or Tasks.NewClient)")

// Call calls a tool as ClientSession.CallTool does; when the server runs
// the call as a task, it waits for the task (see Task.Wait) and returns
// its result. The session's client must be made with Tasks (Connect and
// ConnectCommand do) for task tools; other sessions get ErrNoTasks for a
// task.
func Call(ctx context.Context, s *mcp.ClientSession, p *mcp.CallToolParams) (*mcp.CallToolResult, error) {
	res, task, err := StartCall(ctx, s, p)
	if err != nil || task == nil {
		return res, err
	}
	return task.Wait(ctx)
}

// StartCall calls a tool and returns either its result, or, when the
// server runs the call as a task, the Task (and a nil result). Under
// protocol 2026-07-28 the call declares the tasks extension (the session's
// other requests do not); under 2025-11-25 it asks for a task
// (params.task) when the tool requires one, as tools/list said.
func StartCall(ctx context.Context, s *mcp.ClientSession, p *mcp.CallToolParams) (*mcp.CallToolResult, *Task, error) {
	if p == nil {
		p = &mcp.CallToolParams{}
	}
	ts := tasksOf(s)
	legacy := !modernSession(s)
	if ts != nil {
		// The tap declares the tasks extension for this call (2026-07-28)
		// and hands its task result back (see tasktap.go).
		q := *p
		q.Meta = mcp.Meta{}
		for k, v := range p.Meta {
			q.Meta[k] = v
		}
		q.Meta[metaTasks] = true
		if legacy && ts.needsTask(ctx, s, p.Name) {
			q.Meta[metaAskTask] = map[string]any{}
		}
		p = &q
	}
	res, err := s.CallTool(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	raw, ok := res.Meta[metaTask]
	if !ok {
		return res, nil, nil
	}
	if ts == nil {
		return nil, nil, ErrNoTasks
	}
	js, err := json.Marshal(raw)
	if err != nil {
		return nil, nil, err
	}
	var created struct {
		Task json.RawMessage `json:"task"`
	}
	if json.Unmarshal(js, &created) == nil && len(created.Task) > 0 {
		js = created.Task // SEP-1686: {"task": {...}}
	}
	var st TaskState
	if err := st.decode(js); err != nil {
		return nil, nil, fmt.Errorf("the server's task result: %w", err)
	}
	t := &Task{ID: st.ID, s: s, ts: ts, legacy: legacy, last: &st}
	return nil, t, nil
}

func modernSession(s *mcp.ClientSession) bool {
	ir := s.InitializeResult()
	return ir != nil && ir.ProtocolVersion >= "2026-07-28"
}

// needsTask reports whether a 2025-11-25 call of tool must ask for a
// task: the tool requires one. Its task support is what tools/list said
// (listed now if it was not yet).
func (ts *Tasks) needsTask(ctx context.Context, s *mcp.ClientSession, tool string) bool {
	v, ok := ts.taskSupport(tool)
	if !ok {
		for range s.Tools(ctx, nil) { // the tap records what the pages say
		}
		v, _ = ts.taskSupport(tool)
	}
	return v == "required"
}

// Get reads the task's state from the server (tasks/get).
func (t *Task) Get(ctx context.Context) (*TaskState, error) {
	res, err := mcp.CallCustomMethod[*taskParams, *rawResult](ctx, t.s, "tasks/get", &taskParams{TaskID: t.ID})
	if err != nil {
		return nil, fmt.Errorf("tasks/get %s: %w", t.ID, err)
	}
	var st TaskState
	if err := st.decode(res.raw); err != nil {
		return nil, fmt.Errorf("tasks/get %s: %w", t.ID, err)
	}
	t.mu.Lock()
	t.last = &st
	t.polls++
	t.mu.Unlock()
	return &st, nil
}

// Cancel asks the server to cancel the task (tasks/cancel).
func (t *Task) Cancel(ctx context.Context) error {
	_, err := mcp.CallCustomMethod[*taskParams, *rawResult](ctx, t.s, "tasks/cancel", &taskParams{TaskID: t.ID})
	if err != nil {
		return fmt.Errorf("tasks/cancel %s: %w", t.ID, err)
	}
	return nil
}

// cancelDetached cancels the task after ctx ended, with a time of its own.
func (t *Task) cancelDetached(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return t.Cancel(cctx)
}

// report passes st to Tasks.Status if it tells something new.
func (t *Task) report(st *TaskState) {
	t.mu.Lock()
	if st.same(t.reported) {
		t.mu.Unlock()
		return
	}
	t.reported = st
	t.mu.Unlock()
	if t.ts.Status != nil {
		t.ts.Status(st)
	}
}

// Wait waits for the task to end and returns the result of the call: a
// completed task's CallToolResult (isError for a tool error), or a
// *TaskError for a task that failed or was cancelled. Meanwhile it
// answers the task's input requests (elicitation with Tasks.Elicit) and
// reports each state to Tasks.Status. It learns of changes from a
// subscriptions/listen stream naming the task when the server agrees to
// one, and by polling tasks/get otherwise (every pollIntervalMs, at
// least MinPollInterval). When ctx ends first, the task is cancelled on
// the server and ctx's error returned.
func (t *Task) Wait(ctx context.Context) (*mcp.CallToolResult, error) {
	if t.legacy {
		return t.waitLegacy(ctx)
	}
	st := t.State()
	t.report(st)
	if st.Terminal() {
		// A task done at once: its creation result carries no outcome.
		var err error
		if st, err = t.Get(ctx); err != nil {
			return nil, err
		}
		t.report(st)
	}
	poll := st.PollInterval
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	poll = max(poll, MinPollInterval)

	// The listen stream, until Wait returns.
	lctx, stopListen := context.WithCancel(ctx)
	defer stopListen()
	token, events := t.ts.listen()
	defer t.ts.unlisten(token)
	listenDone := make(chan error, 1)
	go func() {
		p := &listenParams{}
		p.Meta = mcp.Meta{metaListen: token}
		p.Notifications.TaskIDs = []string{t.ID}
		_, err := mcp.CallCustomMethod[*listenParams, *rawResult](lctx, t.s, methodListen, p)
		listenDone <- err
	}()
	listening := false

	for {
		if !st.Terminal() && st.Status == TaskInputRequired {
			if err := t.answer(ctx, st); err != nil {
				t.cancelDetached(ctx)
				return nil, err
			}
		}
		if st.Terminal() {
			return t.outcome(st)
		}
		wait := poll
		if listening {
			wait = max(poll, listenPoll)
		}
		timer := time.NewTimer(wait)
		var next *TaskState
		select {
		case <-ctx.Done():
			timer.Stop()
			if err := t.cancelDetached(ctx); err != nil {
				return nil, fmt.Errorf("task %s: %w (and cancelling it: %v)", t.ID, ctx.Err(), err)
			}
			return nil, fmt.Errorf("task %s cancelled: %w", t.ID, ctx.Err())
		case ev := <-events:
			switch {
			case ev.state != nil && ev.state.ID == t.ID:
				t.mu.Lock()
				t.last, t.notes = ev.state, t.notes+1
				t.mu.Unlock()
				next = ev.state
			case ev.state == nil:
				listening = contains(ev.agreed, t.ID)
			}
		case err := <-listenDone:
			// The stream ended: the task ended (its last state came on
			// it), or the server has no such stream; read the state.
			listening = false
			listenDone = nil
			_ = err
		case <-timer.C:
		}
		timer.Stop()
		if next == nil {
			var err error
			if next, err = t.Get(ctx); err != nil {
				if ctx.Err() != nil {
					continue // cancelled above
				}
				return nil, err
			}
		}
		st = next
		t.report(st)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// outcome is what Wait returns for a task that ended.
func (t *Task) outcome(st *TaskState) (*mcp.CallToolResult, error) {
	switch st.Status {
	case TaskCompleted:
		if len(st.Result) == 0 {
			return nil, fmt.Errorf("task %s completed without a result", t.ID)
		}
		var res mcp.CallToolResult
		if err := json.Unmarshal(st.Result, &res); err != nil {
			return nil, fmt.Errorf("task %s: its result: %w", t.ID, err)
		}
		return &res, nil
	default:
		return nil, &TaskError{TaskID: t.ID, Status: st.Status, Message: st.StatusMessage, Err: st.Error}
	}
}

// answer answers the input requests of st it has not answered yet
// (tasks/update).
func (t *Task) answer(ctx context.Context, st *TaskState) error {
	keys := make([]string, 0, len(st.InputRequests))
	t.mu.Lock()
	for k := range st.InputRequests {
		if !t.answered[k] {
			keys = append(keys, k)
		}
	}
	t.mu.Unlock()
	if len(keys) == 0 {
		return nil
	}
	sort.Strings(keys)
	responses := map[string]json.RawMessage{}
	for _, k := range keys {
		js, err := t.respond(ctx, st.InputRequests[k])
		if err != nil {
			return fmt.Errorf("task %s: input request %q: %w", t.ID, k, err)
		}
		responses[k] = js
	}
	if _, err := mcp.CallCustomMethod[*taskParams, *rawResult](ctx, t.s, "tasks/update", &taskParams{TaskID: t.ID, InputResponses: responses}); err != nil {
		return fmt.Errorf("tasks/update %s: %w", t.ID, err)
	}
	t.mu.Lock()
	if t.answered == nil {
		t.answered = map[string]bool{}
	}
	for _, k := range keys {
		t.answered[k] = true
	}
	t.mu.Unlock()
	return nil
}

// respond answers one input request. Roots are answered with none (the
// client declares roots, as go-sdk's does, and has none); sampling is not
// supported.
func (t *Task) respond(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
	var req struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, err
	}
	switch req.Method {
	case "elicitation/create":
		if t.ts.Elicit == nil {
			return nil, errors.New("the task asks for elicitation, and this client has no elicitation handler")
		}
		var p mcp.ElicitParams
		if err := json.Unmarshal(req.Params, &p); err != nil {
			return nil, err
		}
		res, err := t.ts.Elicit(ctx, &mcp.ElicitRequest{Session: t.s, Params: &p})
		if err != nil {
			return nil, err
		}
		return json.Marshal(res)
	case "roots/list":
		return json.Marshal(&mcp.ListRootsResult{Roots: []*mcp.Root{}})
	case "sampling/createMessage":
		return nil, errors.New("the task asks for sampling (sampling/createMessage), which this client does not support")
	}
	return nil, fmt.Errorf("the task asks for %q, which this client does not support", req.Method)
}

// waitLegacy waits for a SEP-1686 task: tasks/result blocks until it
// ends, while the server relays the task's input requests to the
// session's handlers; notifications/tasks/status report its states.
func (t *Task) waitLegacy(ctx context.Context) (*mcp.CallToolResult, error) {
	t.report(t.State())
	notes := t.ts.watch(t.ID)
	defer t.ts.unwatch(t.ID)
	type outcome struct {
		res *mcp.CallToolResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := mcp.CallCustomMethod[*taskParams, *mcp.CallToolResult](ctx, t.s, "tasks/result", &taskParams{TaskID: t.ID})
		done <- outcome{res, err}
	}()
	for {
		select {
		case st := <-notes:
			t.mu.Lock()
			t.last, t.notes = st, t.notes+1
			t.mu.Unlock()
			t.report(st)
		case o := <-done:
			if ctx.Err() != nil {
				if err := t.cancelDetached(ctx); err != nil {
					return nil, fmt.Errorf("task %s: %w (and cancelling it: %v)", t.ID, ctx.Err(), err)
				}
				return nil, fmt.Errorf("task %s cancelled: %w", t.ID, ctx.Err())
			}
			st, gerr := t.Get(ctx)
			if gerr == nil {
				t.report(st)
			}
			if o.err == nil {
				delete(o.res.Meta, relatedTaskKey)
				return o.res, nil
			}
			if gerr == nil && (st.Status == TaskFailed || st.Status == TaskCancelled) {
				var je *jsonrpc.Error
				errors.As(o.err, &je)
				return nil, &TaskError{TaskID: t.ID, Status: st.Status, Message: st.StatusMessage, Err: je}
			}
			return nil, fmt.Errorf("tasks/result %s: %w", t.ID, o.err)
		}
	}
}

// relatedTaskKey ties a SEP-1686 message to its task.
const relatedTaskKey = "io.modelcontextprotocol/related-task"
