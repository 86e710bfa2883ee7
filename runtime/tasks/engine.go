package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgen/mcpgen/runtime"
)

// ExtensionID identifies the tasks extension of protocol 2026-07-28.
const ExtensionID = "io.modelcontextprotocol/tasks"

// relatedTask is the _meta key that ties a message to its task (SEP-1686).
const relatedTask = "io.modelcontextprotocol/related-task"

// Defaults of Options.
const (
	DefaultTTL          = time.Hour
	DefaultPollInterval = 500 * time.Millisecond
	DefaultWorkers      = 16
	DefaultLease        = 30 * time.Second
	DefaultInputTimeout = 10 * time.Minute
	DefaultMaxAttempts  = 3
)

// Options configure an Engine.
type Options struct {
	// Store keeps the tasks and their queue. Nil means NewMemory(0): one
	// process, nothing to run. Share a Redis store (package redistasks)
	// between replicas.
	Store Store
	// TTL is how long a task is kept from its creation (ttlMs). The TTL a
	// client asks for (SEP-1686 params.task.ttl) is only a hint: the
	// server's is used. Zero means DefaultTTL.
	TTL time.Duration
	// PollInterval is the polling interval suggested to clients
	// (pollIntervalMs). Zero means DefaultPollInterval.
	PollInterval time.Duration
	// Workers is how many tasks this process runs at once. Zero means
	// DefaultWorkers; a negative value runs none here: the process only
	// creates and serves tasks, and workers elsewhere (processes that
	// share the store) run them.
	Workers int
	// Lease is how long a worker holds a task without renewing it; a
	// worker renews every third of it, and when it dies another worker
	// takes the task over once the lease ran out. Zero means
	// DefaultLease.
	Lease time.Duration
	// InputTimeout is how long a task waits for the client's answers to
	// its input requests (elicitation, sampling) before it fails. Zero
	// means DefaultInputTimeout.
	InputTimeout time.Duration
	// MaxAttempts bounds the runs of an idempotent task whose workers
	// keep dying (a task that is not idempotent runs once). Zero means
	// DefaultMaxAttempts.
	MaxAttempts int
	// WorkerName names this process's workers in the store (each is
	// WorkerName/N); "" means the host name, the process id and a random
	// suffix.
	WorkerName string
	// Logger receives the engine's diagnostics, and what handlers log
	// inside tasks (runtime.Log), which also reaches the client of a
	// 2025-11-25 session held by this process (SEP-1686; the 2026-07-28
	// extension sends no logs of tasks). Nil discards them.
	Logger *slog.Logger
}

// Engine runs a server's task tools as tasks. Create it with Register.
type Engine struct {
	srv   *runtime.Server
	store Store
	opts  Options
	log   *slog.Logger
	name  string

	notes *notifier // status notifications (notify.go)

	mu      sync.Mutex
	running map[string]context.CancelCauseFunc // tasks this process runs
	waiters map[string][]chan struct{}         // closed at the task's next event
	timers  map[string]*time.Timer             // input deadlines of tasks parked here
}

var _ runtime.TaskEngine = (*Engine)(nil)

// Causes of a worker's run ending early.
var (
	errCancelled = errors.New("the task was cancelled")
	errLost      = errors.New("another worker took the task over")
	errShutdown  = errors.New("the server is shutting down")
)

// Register makes srv run its task tools as tasks, with both protocol
// flavours: the tasks extension of 2026-07-28 (declared in
// capabilities.extensions; tasks/get, tasks/update, tasks/cancel) and the
// tasks of 2025-11-25 (capabilities.tasks in the initialize result;
// params.task on tools/call, tasks/get, tasks/result, tasks/list,
// tasks/cancel). Clients hear of their tasks' changes too: a 2026-07-28
// client that names them in subscriptions/listen (notifications.taskIds)
// gets notifications/tasks on that stream, a 2025-11-25 session
// notifications/tasks/status for the tasks it created (notify.go), with
// the task's log and progress. Workers start with the server (Start, Run,
// ListenAndServe) and stop when it closes. Call it once per server, while
// setting it up.
func Register(srv *runtime.Server, opts *Options) (*Engine, error) {
	if srv == nil {
		return nil, errors.New("tasks: Register needs a server")
	}
	e := &Engine{srv: srv, notes: newNotifier(), running: map[string]context.CancelCauseFunc{}, waiters: map[string][]chan struct{}{}, timers: map[string]*time.Timer{}}
	if opts != nil {
		e.opts = *opts
	}
	o := &e.opts
	if o.Store == nil {
		o.Store = NewMemory(0)
	}
	e.store = o.Store
	o.TTL = orDefault(o.TTL, DefaultTTL)
	o.PollInterval = orDefault(o.PollInterval, DefaultPollInterval)
	o.Lease = orDefault(o.Lease, DefaultLease)
	o.InputTimeout = orDefault(o.InputTimeout, DefaultInputTimeout)
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	e.name = o.WorkerName
	if e.name == "" {
		host, _ := os.Hostname()
		e.name = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), NewID()[:6])
	}
	e.log = o.Logger
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	methods := map[string]runtime.MethodHandler{
		"tasks/get": e.get, "tasks/update": e.update, "tasks/cancel": e.cancel,
		"tasks/result": e.result, "tasks/list": e.list,
	}
	for m, h := range methods {
		if err := srv.HandleMethod(m, h); err != nil {
			return nil, fmt.Errorf("tasks: %w", err)
		}
	}
	if err := srv.HandleListen("taskIds", e.listen); err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	srv.SetTaskEngine(e)
	srv.DeclareExtension(ExtensionID, map[string]any{})
	srv.DeclareSessionCapability("tasks", map[string]any{
		"list": map[string]any{}, "cancel": map[string]any{},
		"requests": map[string]any{"tools": map[string]any{"call": map[string]any{}}},
	})
	if err := srv.AddLifespan(e.start); err != nil {
		return nil, err
	}
	return e, nil
}

func orDefault(v, d time.Duration) time.Duration {
	if v <= 0 {
		return d
	}
	return v
}

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// start subscribes to the store's events and starts the workers; the
// function it returns stops them: no new task is claimed, the running
// ones get until its context ends to finish, then they are stopped
// without a status (their leases run out and another worker takes them).
func (e *Engine) start(ctx context.Context) (func(context.Context) error, error) {
	stopSub, err := e.store.Subscribe(ctx, e.event)
	if err != nil {
		return nil, fmt.Errorf("tasks: subscribe to the store: %w", err)
	}
	wctx, stopClaims := context.WithCancel(context.WithoutCancel(ctx))
	dctx, stopDelivery := context.WithCancel(context.WithoutCancel(ctx))
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		e.deliver(dctx)
	}()
	var wg sync.WaitGroup
	for i := 0; i < e.opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.work(wctx, fmt.Sprintf("%s/%d", e.name, i)) // each worker holds its leases alone
		}()
	}
	return func(ctx context.Context) error {
		stopClaims()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			e.mu.Lock()
			for _, cancel := range e.running {
				cancel(errShutdown)
			}
			e.mu.Unlock()
			<-done
		}
		stopSub()
		stopDelivery()
		<-delivered
		e.mu.Lock()
		for id, t := range e.timers {
			t.Stop()
			delete(e.timers, id)
		}
		e.mu.Unlock()
		return nil
	}, nil
}

// event is the store's news of a task: waiters wake up, and a task this
// process runs stops when it was cancelled.
func (e *Engine) event(ev Event) {
	e.mu.Lock()
	ws := e.waiters[ev.ID]
	delete(e.waiters, ev.ID)
	cancel := e.running[ev.ID]
	e.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
	if ev.Status == Cancelled && cancel != nil {
		cancel(errCancelled)
	}
	e.notes.changed(ev)
}

// wait returns a channel closed at the task's next event.
func (e *Engine) wait(id string) <-chan struct{} {
	ch := make(chan struct{})
	e.mu.Lock()
	e.waiters[id] = append(e.waiters[id], ch)
	e.mu.Unlock()
	return ch
}

// unwait drops a waiter that returns without an event.
func (e *Engine) unwait(id string, ch <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ws := e.waiters[id]
	for i, w := range ws {
		if w == ch {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(e.waiters, id)
	} else {
		e.waiters[id] = ws
	}
}

// flavour is the task protocol of a request.
type flavour int

const (
	none   flavour = iota
	ext            // 2026-07-28, the tasks extension declared
	legacy         // 2025-11-25 and before, params.task (SEP-1686)
)

func modern(r *runtime.Request) bool { return r.ProtocolVersion >= "2026-07-28" }

func declares(r *runtime.Request) bool {
	if r.ClientCapabilities == nil {
		return false
	}
	_, ok := r.ClientCapabilities.Extensions[ExtensionID]
	return ok
}

func flavourOf(r *runtime.Request) flavour {
	switch {
	case modern(r) && declares(r):
		return ext
	case !modern(r) && r.TaskParams != nil:
		return legacy
	}
	return none
}

// missingCapability is the error for a 2026-07-28 client that did not
// declare the extension.
func missingCapability(format string, args ...any) error {
	return &jsonrpc.Error{
		Code:    mcp.CodeMissingRequiredClientCapabilities,
		Message: fmt.Sprintf(format, args...),
		Data:    json.RawMessage(`{"requiredCapabilities":{"extensions":{"` + ExtensionID + `":{}}}}`),
	}
}

func invalidParams(format string, args ...any) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

func methodNotFound(format string, args ...any) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: fmt.Sprintf(format, args...)}
}

// CallTool implements runtime.TaskEngine.
func (e *Engine) CallTool(ctx context.Context, call *runtime.TaskCall) (mcp.Result, error) {
	r := call.Request
	fl := flavourOf(r)
	switch {
	case call.Support == runtime.TaskForbidden:
		// A task asked of a tool that has none: SEP-1686 refuses it; the
		// 2026-07-28 extension ignores the legacy param.
		if fl == legacy {
			return nil, methodNotFound("tool %q does not support task-augmented execution", r.Name)
		}
		p := call.Run(ctx, false)
		return p.Result, p.Err
	case fl == none && call.Support == runtime.TaskRequired:
		if modern(r) {
			return nil, missingCapability("tool %q runs only as a task: the client must declare the %s extension", r.Name, ExtensionID)
		}
		return nil, methodNotFound("tool %q requires task-augmented execution (params.task)", r.Name)
	case fl == none:
		p := call.Run(ctx, false)
		return p.Result, p.Err
	}
	p := call.Run(ctx, true)
	if !p.Detached {
		if p.Err != nil {
			return nil, p.Err // input required (multi round-trip), or a protocol error
		}
		if fl == ext && call.Support == runtime.TaskOptional {
			return p.Result, nil // done already: no task needed
		}
	}
	t, err := e.newTask(r, fl, p.Responses)
	if err != nil {
		return nil, err
	}
	if err := e.store.Create(ctx, t); err != nil {
		e.log.Error("creating a task", "tool", r.Name, "err", err)
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the task could not be created: " + err.Error()}
	}
	if fl == legacy && r.Session() != nil {
		e.watchSession(ctx, r.SessionID, t) // notifications/tasks/status from now on
	}
	if !p.Detached {
		// The handler ran whole in the request: a task that is done.
		if done, err := e.finish(ctx, t.ID, fl, p.Result, nil); err == nil {
			t = done
		}
	}
	return &created{task: t, legacy: fl == legacy}, nil
}

// stored is what a task's Request holds: the call and who made it.
type stored struct {
	Legacy             bool                    `json:"legacy,omitempty"`
	Name               string                  `json:"name"`
	Version            string                  `json:"version,omitempty"`
	Arguments          json.RawMessage         `json:"arguments,omitempty"`
	Meta               map[string]any          `json:"meta,omitempty"`
	SessionID          string                  `json:"session,omitempty"`
	Principal          *runtime.Principal      `json:"principal,omitempty"`
	ProtocolVersion    string                  `json:"protocolVersion,omitempty"`
	ClientInfo         *runtime.Implementation `json:"clientInfo,omitempty"`
	ClientCapabilities json.RawMessage         `json:"clientCapabilities,omitempty"`
	Transport          string                  `json:"transport,omitempty"`
}

// OwnerOf is the owner of the tasks r creates and may see: its principal,
// else its session, else nobody ("": the task id is the credential).
func OwnerOf(r *runtime.Request) string {
	if k := r.Principal.Key(); k != "" {
		return "p:" + k
	}
	if r.SessionID != "" {
		return "s:" + r.SessionID
	}
	return ""
}

func (e *Engine) newTask(r *runtime.Request, fl flavour, responses mcp.InputResponseMap) (*Task, error) {
	caps, _ := json.Marshal(r.ClientCapabilities)
	st := stored{
		Legacy: fl == legacy, Name: r.Name, Version: r.Tool.Version, Arguments: r.Arguments, Meta: r.Meta,
		SessionID: r.SessionID, Principal: r.Principal, ProtocolVersion: r.ProtocolVersion, ClientInfo: r.ClientInfo,
		Transport: r.Transport,
	}
	if r.ClientCapabilities != nil {
		st.ClientCapabilities = caps
	}
	req, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("tasks: encode the call: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	t := &Task{
		ID: NewID(), Owner: OwnerOf(r), Status: Working, CreatedAt: now, LastUpdatedAt: now,
		TTL: e.opts.TTL, PollInterval: e.opts.PollInterval, Request: req,
		Idempotent: r.Tool.Annotations != nil && r.Tool.Annotations.IdempotentHint,
	}
	if len(responses) > 0 {
		t.InputResponses = map[string]json.RawMessage{}
		for k, v := range responses {
			js, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("tasks: encode input response %q: %w", k, err)
			}
			t.InputResponses[k] = js
		}
	}
	return t, nil
}

// finish writes a run's outcome: completed with the result (failed, with
// it, for a tool error under SEP-1686, which counts tool errors as
// failures), or failed with the JSON-RPC error.
func (e *Engine) finish(ctx context.Context, id string, fl flavour, res *runtime.CallToolResult, jerr *jsonrpc.Error) (*Task, error) {
	return e.store.Update(ctx, id, func(t *Task) error {
		t.InputRequests, t.InputDeadline = nil, time.Time{}
		if jerr != nil {
			js, _ := json.Marshal(jerr)
			t.Status, t.Error, t.StatusMessage = Failed, js, "Tool execution failed: "+jerr.Message
			return nil
		}
		js, err := json.Marshal(res)
		if err != nil {
			js, _ = json.Marshal(jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the result cannot be encoded: " + err.Error()})
			t.Status, t.Error, t.StatusMessage = Failed, js, "the result cannot be encoded"
			return nil
		}
		t.Status, t.Result, t.StatusMessage = Completed, js, ""
		if res.IsError && fl == legacy {
			t.Status, t.StatusMessage = Failed, "the tool reported an error"
		}
		return nil
	})
}

// work claims and runs tasks until ctx ends.
func (e *Engine) work(ctx context.Context, name string) {
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		l, err := e.store.Claim(ctx, name, e.opts.Lease)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, ErrClosed) {
				return
			}
			e.log.Warn("claiming a task", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		e.run(ctx, l)
	}
}

// run runs one claimed task.
func (e *Engine) run(ctx context.Context, l Lease) {
	t := l.Task()
	done := true // whether to end the lease (not when another worker should take the task over)
	defer func() {
		if done {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			l.Done(dctx)
			cancel()
		}
	}()
	if t.Status != Working {
		return
	}
	wctx := context.WithoutCancel(ctx)
	var st stored
	if err := json.Unmarshal(t.Request, &st); err != nil {
		e.fail(wctx, t.ID, "the task's call cannot be decoded: "+err.Error())
		return
	}
	fl := ext
	if st.Legacy {
		fl = legacy
	}
	if died := t.Attempts - 1 - t.Parked; died > 0 {
		switch {
		case !t.Idempotent:
			e.log.Warn("a task's worker stopped; the tool is not idempotent, so the task fails", "task", t.ID, "tool", st.Name)
			e.fail(wctx, t.ID, fmt.Sprintf("the worker running the task stopped before it finished, and tool %q is not idempotent, so it was not run again", st.Name))
			return
		case died >= e.opts.MaxAttempts:
			e.fail(wctx, t.ID, fmt.Sprintf("the task's workers stopped %d times; it was given up", died))
			return
		}
		e.log.Info("running a task again after its worker stopped", "task", t.ID, "tool", st.Name, "attempt", died+1)
	}
	runCtx, cancel := context.WithCancelCause(wctx)
	defer cancel(nil)
	e.mu.Lock()
	e.running[t.ID] = cancel
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.running, t.ID)
		e.mu.Unlock()
	}()
	hbDone := make(chan struct{})
	go e.heartbeat(runCtx, l, cancel, hbDone)
	defer func() { <-hbDone }()

	run := &runtime.TaskRun{
		TaskID: t.ID, Name: st.Name, Version: st.Version, Arguments: st.Arguments, Meta: st.Meta,
		SessionID: st.SessionID, Principal: st.Principal, ProtocolVersion: st.ProtocolVersion, ClientInfo: st.ClientInfo,
		Transport: st.Transport,
		Progress:  e.progress(wctx, t.ID), Log: e.logger(t.ID, st.Name),
	}
	if len(st.ClientCapabilities) > 0 {
		var caps mcp.ClientCapabilities
		if json.Unmarshal(st.ClientCapabilities, &caps) == nil {
			run.ClientCapabilities = &caps
		}
	}
	run.Responses = decodeResponses(t.InputResponses)
	if st.Legacy {
		// SEP-1686: the handler's log and progress reach the client that
		// made the call, tied to the task, when its session is here.
		run.ClientMeta = map[string]any{relatedTask: map[string]any{"taskId": t.ID}}
	}
	res, pending, jerr := e.srv.RunTask(runCtx, run)
	cancel(nil)
	switch cause := context.Cause(runCtx); {
	case errors.Is(cause, errLost):
		return // another worker has it; its outcome counts
	case errors.Is(cause, errShutdown):
		done = false // the lease runs out, and a worker takes the task over
		return
	case errors.Is(cause, errCancelled):
		return // already cancelled
	}
	// The store may be down for a while (Redis restarting): the outcome
	// is kept trying for a few leases, then left to the lease (another
	// worker runs an idempotent task again).
	deadline := time.Now().Add(3 * e.opts.Lease)
	for {
		var err error
		if pending != nil {
			err = e.park(wctx, t, pending)
		} else {
			_, err = e.finish(wctx, t.ID, fl, res, jerr)
		}
		if err == nil || errors.Is(err, ErrFinal) || errors.Is(err, ErrNotFound) {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			e.log.Error("writing a task's outcome", "task", t.ID, "err", err)
			done = false
			return
		}
		e.log.Warn("writing a task's outcome; trying again", "task", t.ID, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// heartbeat renews the lease until ctx ends; it cancels the run when the
// task was cancelled or another worker has it.
func (e *Engine) heartbeat(ctx context.Context, l Lease, cancel context.CancelCauseFunc, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(e.opts.Lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		switch err := l.Renew(ctx); {
		case err == nil, ctx.Err() != nil:
		case errors.Is(err, ErrFinal):
			cancel(errCancelled)
			return
		case errors.Is(err, ErrLeaseLost):
			cancel(errLost)
			return
		default:
			e.log.Warn("renewing a task's lease", "task", l.Task().ID, "err", err) // the store may be back in time
		}
	}
}

func (e *Engine) fail(ctx context.Context, id, msg string) {
	jerr := &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}
	if _, err := e.finish(ctx, id, ext, nil, jerr); err != nil && !errors.Is(err, ErrFinal) {
		e.log.Error("failing a task", "task", id, "err", err)
	}
}

// park records the input requests of a run: the task waits for the
// client's answers (tasks/update, or tasks/result under SEP-1686) until
// the input timeout.
func (e *Engine) park(ctx context.Context, t *Task, pending mcp.InputRequestMap) error {
	reqs := map[string]json.RawMessage{}
	for k, v := range pending {
		js, err := json.Marshal(mcp.InputRequestMap{k: v})
		if err != nil {
			e.fail(ctx, t.ID, fmt.Sprintf("input request %q cannot be encoded: %v", k, err))
			return nil
		}
		var one map[string]json.RawMessage
		json.Unmarshal(js, &one)
		reqs[k] = one[k]
	}
	keys := make([]string, 0, len(reqs))
	for k := range reqs {
		keys = append(keys, k)
	}
	deadline := time.Now().Add(e.opts.InputTimeout)
	_, err := e.store.Update(ctx, t.ID, func(t *Task) error {
		t.Status, t.InputRequests, t.InputDeadline = InputRequired, reqs, deadline
		t.Parked++
		t.StatusMessage = "waiting for the client's input: " + strings.Join(sortedStrings(keys), ", ")
		return nil
	})
	if err != nil {
		return err
	}
	id := t.ID
	e.mu.Lock()
	if old := e.timers[id]; old != nil {
		old.Stop()
	}
	e.timers[id] = time.AfterFunc(e.opts.InputTimeout+10*time.Millisecond, func() {
		e.mu.Lock()
		delete(e.timers, id)
		e.mu.Unlock()
		e.expireInput(context.Background(), id)
	})
	e.mu.Unlock()
	return nil
}

// expireInput fails a task whose input deadline passed without answers.
func (e *Engine) expireInput(ctx context.Context, id string) (*Task, error) {
	return e.store.Update(ctx, id, func(t *Task) error {
		if t.Status != InputRequired || t.InputDeadline.IsZero() || time.Now().Before(t.InputDeadline) {
			return errUnchanged
		}
		js, _ := json.Marshal(jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: fmt.Sprintf("the client did not answer the task's input requests within %v", e.opts.InputTimeout)})
		t.Status, t.Error, t.InputRequests = Failed, js, nil
		t.StatusMessage = "Tool execution failed: the client never answered the input requests"
		return nil
	})
}

var errUnchanged = errors.New("unchanged")

func decodeResponses(raw map[string]json.RawMessage) mcp.InputResponseMap {
	out := mcp.InputResponseMap{}
	for k, v := range raw {
		var one mcp.InputResponseMap
		js, _ := json.Marshal(map[string]json.RawMessage{k: v})
		if json.Unmarshal(js, &one) == nil && one[k] != nil {
			out[k] = one[k]
		}
	}
	return out
}

// progress turns runtime.Progress in a task into its status message, at
// most every 100 ms.
func (e *Engine) progress(ctx context.Context, id string) func(float64, float64, string) {
	var mu sync.Mutex
	var last time.Time
	return func(progress, total float64, message string) {
		mu.Lock()
		if time.Since(last) < 100*time.Millisecond {
			mu.Unlock()
			return
		}
		last = time.Now()
		mu.Unlock()
		msg := message
		switch {
		case msg != "":
		case total > 0:
			msg = fmt.Sprintf("%g of %g", progress, total)
		default:
			msg = fmt.Sprintf("%g", progress)
		}
		if _, err := e.store.Update(ctx, id, func(t *Task) error {
			t.StatusMessage = msg
			return nil
		}); err != nil && !errors.Is(err, ErrFinal) {
			e.log.Warn("recording a task's progress", "task", id, "err", err)
		}
	}
}

// logger sends runtime.Log in a task to the engine's logger.
func (e *Engine) logger(id, tool string) func(slog.Level, string, any) {
	return func(level slog.Level, msg string, data any) {
		e.log.Log(context.Background(), level, msg, "task", id, "tool", tool, "data", data)
	}
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}
