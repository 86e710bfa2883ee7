package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgen/mcpgen/runtime"
)

// The methods: tasks/get, tasks/update and tasks/cancel of the 2026-07-28
// extension; tasks/get, tasks/result, tasks/list and tasks/cancel of
// SEP-1686 for older sessions. Which one a request speaks is its
// protocol version.

// codeHeaderMismatch: an HTTP header disagrees with the body (SEP-2243).
const codeHeaderMismatch = -32020

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// maxTaskID bounds the task ids looked up: the engine's are 22 bytes.
const maxTaskID = 128

type params struct {
	TaskID         *string                    `json:"taskId"`
	InputResponses map[string]json.RawMessage `json:"inputResponses"`
	Cursor         string                     `json:"cursor"`
}

// gate checks what a task method needs of a request and returns its
// params: a 2026-07-28 client must declare the extension, and over HTTP
// name the task in Mcp-Name; every request names the task.
func (e *Engine) gate(r *runtime.Request, raw json.RawMessage, needID bool) (*params, error) {
	if modern(r) && !declares(r) {
		return nil, missingCapability("%s needs the %s extension, which the request's client capabilities do not declare", r.Method, ExtensionID)
	}
	var p params
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, invalidParams("%s: invalid params: %v", r.Method, err)
		}
	}
	if !needID {
		return &p, nil
	}
	if p.TaskID == nil || *p.TaskID == "" {
		return nil, invalidParams("%s needs params.taskId", r.Method)
	}
	if len(*p.TaskID) > maxTaskID {
		return nil, notFound((*p.TaskID)[:maxTaskID] + "...")
	}
	if modern(r) && r.Transport == runtime.TransportHTTP {
		if name := strings.TrimSpace(r.Header.Get("Mcp-Name")); name != *p.TaskID {
			return nil, &jsonrpc.Error{Code: codeHeaderMismatch, Message: fmt.Sprintf("the Mcp-Name header (%q) must be the task id of params.taskId (%q)", name, *p.TaskID)}
		}
	}
	return &p, nil
}

func notFound(id string) error {
	return invalidParams("Failed to retrieve task: Task not found (%s)", id)
}

// load returns the caller's task id, failing an input_required task whose
// deadline passed first.
func (e *Engine) load(ctx context.Context, r *runtime.Request, id string) (*Task, error) {
	t, err := e.store.Get(ctx, OwnerOf(r), id)
	if errors.Is(err, ErrNotFound) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	if t.Status == InputRequired && !t.InputDeadline.IsZero() && time.Now().After(t.InputDeadline) {
		if done, err := e.expireInput(ctx, id); err == nil {
			t = done
		}
	}
	return t, nil
}

func (e *Engine) get(ctx context.Context, r *runtime.Request, raw json.RawMessage) (mcp.Result, error) {
	p, err := e.gate(r, raw, true)
	if err != nil {
		return nil, err
	}
	t, err := e.load(ctx, r, *p.TaskID)
	if err != nil {
		return nil, err
	}
	return &taskResult{task: t, legacy: !modern(r), detailed: true}, nil
}

func (e *Engine) update(ctx context.Context, r *runtime.Request, raw json.RawMessage) (mcp.Result, error) {
	if !modern(r) {
		return nil, methodNotFound("tasks/update is a method of protocol 2026-07-28 (the tasks extension)")
	}
	p, err := e.gate(r, raw, true)
	if err != nil {
		return nil, err
	}
	if _, err := e.load(ctx, r, *p.TaskID); err != nil {
		return nil, err
	}
	if err := e.answer(ctx, *p.TaskID, p.InputResponses); err != nil {
		return nil, err
	}
	return &ack{}, nil
}

// answer records the client's responses to the task's outstanding input
// requests; answers to other keys are ignored. When none is outstanding
// any more the task is queued to run again.
func (e *Engine) answer(ctx context.Context, id string, responses map[string]json.RawMessage) error {
	_, err := e.store.Update(ctx, id, func(t *Task) error {
		if t.Status != InputRequired {
			return errUnchanged
		}
		changed := false
		for k, v := range responses {
			if _, outstanding := t.InputRequests[k]; !outstanding {
				continue
			}
			if decodeResponses(map[string]json.RawMessage{k: v})[k] == nil {
				return invalidParams("inputResponses[%q] is not an elicitation, sampling or roots result", k)
			}
			if t.InputResponses == nil {
				t.InputResponses = map[string]json.RawMessage{}
			}
			t.InputResponses[k] = v
			delete(t.InputRequests, k)
			changed = true
		}
		if !changed {
			return errUnchanged
		}
		if len(t.InputRequests) == 0 {
			t.Status, t.StatusMessage, t.InputRequests, t.InputDeadline = Working, "", nil, time.Time{}
		}
		return nil
	})
	switch {
	case err == nil, errors.Is(err, errUnchanged), errors.Is(err, ErrFinal):
		return nil // an ended task needs no input: acknowledged all the same
	case errors.Is(err, ErrNotFound):
		return notFound(id)
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		return je
	}
	return fmt.Errorf("tasks: %w", err)
}

func (e *Engine) cancel(ctx context.Context, r *runtime.Request, raw json.RawMessage) (mcp.Result, error) {
	p, err := e.gate(r, raw, true)
	if err != nil {
		return nil, err
	}
	id := *p.TaskID
	if _, err := e.load(ctx, r, id); err != nil {
		return nil, err
	}
	t, err := e.store.Update(ctx, id, func(t *Task) error {
		t.Status, t.StatusMessage, t.InputRequests, t.InputDeadline = Cancelled, "The task was cancelled by request.", nil, time.Time{}
		return nil
	})
	switch {
	case errors.Is(err, ErrFinal):
		if modern(r) {
			return &ack{}, nil // the extension's cancel is idempotent
		}
		t, _ := e.store.Get(ctx, OwnerOf(r), id)
		status := "terminal"
		if t != nil {
			status = string(t.Status)
		}
		return nil, invalidParams("task %s is already %s and cannot be cancelled", id, status)
	case errors.Is(err, ErrNotFound):
		return nil, notFound(id)
	case err != nil:
		return nil, fmt.Errorf("tasks: %w", err)
	}
	e.mu.Lock()
	stop := e.running[id]
	e.mu.Unlock()
	if stop != nil {
		stop(errCancelled)
	}
	if modern(r) {
		return &ack{}, nil
	}
	return &taskResult{task: t, legacy: true}, nil
}

func (e *Engine) list(ctx context.Context, r *runtime.Request, raw json.RawMessage) (mcp.Result, error) {
	if modern(r) {
		return nil, methodNotFound("tasks/list is not a method of the 2026-07-28 tasks extension")
	}
	p, err := e.gate(r, raw, false)
	if err != nil {
		return nil, err
	}
	page, next, err := e.store.List(ctx, OwnerOf(r), p.Cursor, 100)
	if errors.Is(err, ErrBadCursor) {
		return nil, invalidParams("tasks/list: invalid cursor")
	}
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	return &listResult{tasks: page, next: next}, nil
}

// result answers SEP-1686's tasks/result: it waits until the task ends,
// asking the client over the request's session for the input the task
// waits for, and returns what the call would have.
func (e *Engine) result(ctx context.Context, r *runtime.Request, raw json.RawMessage) (mcp.Result, error) {
	if modern(r) {
		return nil, methodNotFound("tasks/result is not a method of the 2026-07-28 tasks extension: tasks/get returns the result")
	}
	p, err := e.gate(r, raw, true)
	if err != nil {
		return nil, err
	}
	id := *p.TaskID
	for {
		woke := e.wait(id) // before reading, so that no event is missed
		t, err := e.load(ctx, r, id)
		if err != nil {
			e.unwait(id, woke)
			return nil, err
		}
		switch t.Status {
		case Completed, Failed:
			e.unwait(id, woke)
			if t.Result != nil {
				return &callResult{raw: t.Result, taskID: id}, nil
			}
			var je jsonrpc.Error
			if json.Unmarshal(t.Error, &je) != nil || je.Code == 0 {
				je = jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: t.StatusMessage}
			}
			return nil, &je
		case Cancelled:
			e.unwait(id, woke)
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: fmt.Sprintf("task %s was cancelled", id)}
		case InputRequired:
			if ss := r.Session(); ss != nil {
				e.unwait(id, woke)
				if err := e.relay(ctx, ss, t); err != nil {
					return nil, err
				}
				continue
			}
		}
		select {
		case <-ctx.Done():
			e.unwait(id, woke)
			return nil, ctx.Err()
		case <-woke:
		case <-time.After(2 * t.PollInterval):
			e.unwait(id, woke) // events may be lost: read again
		}
	}
}

// relay asks the client, over its session, for the input a task waits
// for (the requests carry the task in _meta), and records the answers.
func (e *Engine) relay(ctx context.Context, ss *mcp.ServerSession, t *Task) error {
	answers := map[string]json.RawMessage{}
	for _, k := range sortedStrings(keysOf(t.InputRequests)) {
		var req struct {
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		if err := json.Unmarshal(t.InputRequests[k], &req); err != nil {
			return fmt.Errorf("tasks: input request %q: %w", k, err)
		}
		meta := mcp.Meta{relatedTask: map[string]any{"taskId": t.ID}}
		var resp any
		var err error
		switch req.Method {
		case "elicitation/create":
			var p mcp.ElicitParams
			if err = json.Unmarshal(req.Params, &p); err == nil {
				p.Meta = meta
				resp, err = ss.Elicit(ctx, &p)
			}
		case "sampling/createMessage":
			var p mcp.CreateMessageParams
			if err = json.Unmarshal(req.Params, &p); err == nil {
				p.Meta = meta
				resp, err = ss.CreateMessage(ctx, &p)
			}
		case "roots/list":
			resp, err = ss.ListRoots(ctx, &mcp.ListRootsParams{Meta: meta})
		default:
			err = fmt.Errorf("unsupported input request %q", req.Method)
		}
		if err != nil {
			return fmt.Errorf("tasks: input %q of task %s: %w", k, t.ID, err)
		}
		js, err := json.Marshal(resp)
		if err != nil {
			return fmt.Errorf("tasks: input %q of task %s: %w", k, t.ID, err)
		}
		answers[k] = js
	}
	return e.answer(ctx, t.ID, answers)
}

func keysOf(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The results.

// wireTask is a task as the 2026-07-28 extension sends it (a
// CreateTaskResult, or tasks/get's DetailedTask).
type wireTask struct {
	Meta           map[string]any             `json:"_meta,omitempty"`
	ResultType     string                     `json:"resultType,omitempty"`
	TaskID         string                     `json:"taskId"`
	Status         Status                     `json:"status"`
	StatusMessage  string                     `json:"statusMessage,omitempty"`
	CreatedAt      string                     `json:"createdAt"`
	LastUpdatedAt  string                     `json:"lastUpdatedAt"`
	TTLMs          int64                      `json:"ttlMs"`
	PollIntervalMs int64                      `json:"pollIntervalMs,omitempty"`
	Result         json.RawMessage            `json:"result,omitempty"`
	Error          json.RawMessage            `json:"error,omitempty"`
	InputRequests  map[string]json.RawMessage `json:"inputRequests,omitempty"`
}

// legacyTask is a task as SEP-1686 sends it.
type legacyTask struct {
	Meta          map[string]any `json:"_meta,omitempty"`
	TaskID        string         `json:"taskId"`
	Status        Status         `json:"status"`
	StatusMessage string         `json:"statusMessage,omitempty"`
	CreatedAt     string         `json:"createdAt"`
	LastUpdatedAt string         `json:"lastUpdatedAt"`
	TTL           int64          `json:"ttl"`
	PollInterval  int64          `json:"pollInterval,omitempty"`
}

func toWire(t *Task, detailed bool) wireTask {
	w := wireTask{
		TaskID: t.ID, Status: t.Status, StatusMessage: t.StatusMessage,
		CreatedAt: t.CreatedAt.UTC().Format(timeFormat), LastUpdatedAt: t.LastUpdatedAt.UTC().Format(timeFormat),
		TTLMs: t.TTL.Milliseconds(), PollIntervalMs: t.PollInterval.Milliseconds(),
	}
	if detailed {
		switch t.Status {
		case Completed:
			w.Result = t.Result
		case Failed:
			w.Error = t.Error
			if w.Error == nil {
				w.Error, _ = json.Marshal(jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: t.StatusMessage})
			}
		case InputRequired:
			w.InputRequests = t.InputRequests
		}
	}
	return w
}

func toLegacy(t *Task) legacyTask {
	return legacyTask{
		TaskID: t.ID, Status: t.Status, StatusMessage: t.StatusMessage,
		CreatedAt: t.CreatedAt.UTC().Format(timeFormat), LastUpdatedAt: t.LastUpdatedAt.UTC().Format(timeFormat),
		TTL: t.TTL.Milliseconds(), PollInterval: t.PollInterval.Milliseconds(),
	}
}

// created answers a tools/call that created a task: a flat
// CreateTaskResult (resultType "task") under the extension, {"task":
// ...} under SEP-1686.
type created struct {
	mcp.ResultBase
	task   *Task
	legacy bool
}

func (c *created) TaskID() string { return c.task.ID }

func (c *created) MarshalJSON() ([]byte, error) {
	if c.legacy {
		return json.Marshal(struct {
			Meta map[string]any `json:"_meta,omitempty"`
			Task legacyTask     `json:"task"`
		}{c.Meta, toLegacy(c.task)})
	}
	w := toWire(c.task, false)
	w.Meta, w.ResultType = c.Meta, "task"
	return json.Marshal(w)
}

// taskResult answers tasks/get (detailed) and SEP-1686's tasks/cancel.
type taskResult struct {
	mcp.ResultBase
	task     *Task
	legacy   bool
	detailed bool
}

func (t *taskResult) MarshalJSON() ([]byte, error) {
	if t.legacy {
		l := toLegacy(t.task)
		l.Meta = t.Meta
		return json.Marshal(l)
	}
	w := toWire(t.task, t.detailed)
	w.Meta, w.ResultType = t.Meta, "complete"
	return json.Marshal(w)
}

// ack is the empty result of the extension's tasks/update and tasks/cancel.
type ack struct{ mcp.ResultBase }

func (a *ack) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Meta       map[string]any `json:"_meta,omitempty"`
		ResultType string         `json:"resultType"`
	}{a.Meta, "complete"})
}

// callResult is SEP-1686's tasks/result: the call's own result, tied to
// its task in _meta.
type callResult struct {
	mcp.ResultBase
	raw    json.RawMessage
	taskID string
}

func (c *callResult) MarshalJSON() ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(c.raw, &m); err != nil {
		return nil, err
	}
	meta := map[string]any{}
	if old, ok := m["_meta"]; ok {
		json.Unmarshal(old, &meta)
	}
	for k, v := range c.Meta {
		meta[k] = v
	}
	meta[relatedTask] = map[string]any{"taskId": c.taskID}
	js, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	m["_meta"] = js
	return json.Marshal(m)
}

// listResult is SEP-1686's tasks/list.
type listResult struct {
	mcp.ResultBase
	tasks []*Task
	next  string
}

func (l *listResult) MarshalJSON() ([]byte, error) {
	out := struct {
		Meta       map[string]any `json:"_meta,omitempty"`
		Tasks      []legacyTask   `json:"tasks"`
		NextCursor string         `json:"nextCursor,omitempty"`
	}{Meta: l.Meta, Tasks: []legacyTask{}, NextCursor: l.next}
	for _, t := range l.tasks {
		out.Tasks = append(out.Tasks, toLegacy(t))
	}
	return json.Marshal(out)
}
