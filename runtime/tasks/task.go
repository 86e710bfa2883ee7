// Package tasks runs tool calls as background tasks: the tasks extension
// of protocol 2026-07-28 (io.modelcontextprotocol/tasks, SEP-2663) and the
// tasks of protocol 2025-11-25 (SEP-1686), on one server. A task is a
// durable record in a Store (in memory by default, Redis with package
// redistasks for several replicas) and runs on a worker that claims it
// with a lease, so that a dead worker's task is picked up by another.
//
// This file holds the task model and the Store contract; engine.go the
// protocol side.
package tasks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"time"
)

// Status is the status of a task.
type Status string

// The task statuses. Completed, Failed and Cancelled are terminal: a task
// in one of them never changes again.
const (
	Working       Status = "working"
	InputRequired Status = "input_required"
	Completed     Status = "completed"
	Failed        Status = "failed"
	Cancelled     Status = "cancelled"
)

// Terminal reports whether s is final.
func (s Status) Terminal() bool { return s == Completed || s == Failed || s == Cancelled }

// Task is the stored record of one task.
type Task struct {
	// ID identifies the task: 128 random bits (NewID), so that it cannot
	// be guessed.
	ID string `json:"id"`
	// Owner is who may see the task: a principal's key ("p:" + key), a
	// session's ("s:" + id), or "" when the request carried neither, in
	// which case the ID is the only credential.
	Owner         string    `json:"owner,omitempty"`
	Status        Status    `json:"status"`
	StatusMessage string    `json:"statusMessage,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	LastUpdatedAt time.Time `json:"lastUpdatedAt"`
	// TTL is how long the task is kept from its creation; the store
	// forgets it then, whatever its status.
	TTL          time.Duration `json:"ttl"`
	PollInterval time.Duration `json:"pollInterval,omitempty"`
	// Result is the result of a completed task (a CallToolResult's JSON).
	Result json.RawMessage `json:"result,omitempty"`
	// Error is the JSON-RPC error object of a failed task.
	Error json.RawMessage `json:"error,omitempty"`
	// InputRequests are the outstanding requests of an input_required
	// task, by key: {"method": ..., "params": ...} each.
	InputRequests map[string]json.RawMessage `json:"inputRequests,omitempty"`
	// InputResponses are the client's answers gathered so far, by key.
	InputResponses map[string]json.RawMessage `json:"inputResponses,omitempty"`
	// InputDeadline is when an input_required task that got no answer
	// fails.
	InputDeadline time.Time `json:"inputDeadline,omitzero"`
	// Idempotent allows another worker to run the task again when the
	// worker that had it stopped; otherwise such a task fails.
	Idempotent bool `json:"idempotent,omitempty"`
	// Attempts counts the claims of the task by workers.
	Attempts int `json:"attempts,omitempty"`
	// Parked counts the runs that ended waiting for input: the claims
	// beyond those and the first are of workers that stopped mid-run.
	Parked int `json:"parked,omitempty"`
	// Worker names the worker holding the task's lease, "" when none.
	Worker string `json:"worker,omitempty"`
	// Request is what the worker runs, as the engine encoded it.
	Request json.RawMessage `json:"request,omitempty"`
}

// Expires is when the store forgets the task.
func (t *Task) Expires() time.Time { return t.CreatedAt.Add(t.TTL) }

// Clone returns a deep copy of t.
func (t *Task) Clone() *Task {
	if t == nil {
		return nil
	}
	c := *t
	c.Result = clone(t.Result)
	c.Error = clone(t.Error)
	c.Request = clone(t.Request)
	c.InputRequests = cloneMap(t.InputRequests)
	c.InputResponses = cloneMap(t.InputResponses)
	return &c
}

func clone(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}

func cloneMap(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = clone(v)
	}
	return out
}

// NewID returns a new task id: 128 random bits, base64url.
func NewID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Event tells that a task changed: it was created, or its status or
// message changed.
type Event struct {
	ID     string `json:"id"`
	Owner  string `json:"owner,omitempty"`
	Status Status `json:"status"`
}

// Errors of Store methods.
var (
	// ErrNotFound: no such task, it expired, or it belongs to another
	// owner (the same error, so that nothing tells them apart).
	ErrNotFound = errors.New("task not found")
	// ErrFinal: the task is in a terminal status and cannot change.
	ErrFinal = errors.New("task is in a terminal status")
	// ErrLeaseLost: the worker no longer holds the task's lease (it
	// expired and another worker claimed the task, or the task ended).
	ErrLeaseLost = errors.New("task lease lost")
	// ErrFull: the store holds as many tasks as it may.
	ErrFull = errors.New("task store is full")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("task store is closed")
)

// Store keeps tasks and their queue. Every implementation runs the
// contract in package taskstest. It is safe for concurrent use, by any
// number of replicas when it is shared (Redis).
//
// The queue holds the tasks a worker may run: a task is queued when it is
// created and whenever an Update moves it from another status to Working
// (the client answered its input requests). Claim takes one with a lease
// the worker renews; when a lease expires (the worker died), Claim hands
// the task to another worker, with Attempts counting the claims.
type Store interface {
	// Create stores t, which must have an ID, Status Working, CreatedAt
	// and a positive TTL, and queues it. When it returns, Get finds it
	// on every replica (durably, as far as the store is).
	Create(ctx context.Context, t *Task) error
	// Get returns a copy of the task id if owner owns it (ErrNotFound
	// otherwise). A task without owner is anyone's who knows its id.
	Get(ctx context.Context, owner, id string) (*Task, error)
	// List returns owner's tasks in creation order, at most limit from
	// cursor ("" for the first page), and the cursor of the next page
	// ("" at the end). An owner of "" has nothing to list.
	List(ctx context.Context, owner, cursor string, limit int) ([]*Task, string, error)
	// Update changes the task id atomically: fn gets a copy of the
	// current task and changes it; its ID, Owner, CreatedAt, Attempts and
	// Worker are kept, LastUpdatedAt is set. A terminal task is not
	// changed (ErrFinal, fn is not called); an error from fn is returned
	// and nothing is written. It returns the task as written.
	Update(ctx context.Context, id string, fn func(*Task) error) (*Task, error)
	// Claim waits for a queued task, or one whose lease expired, and
	// leases it to worker for lease. It returns when it has one or ctx
	// is done (with ctx's error).
	Claim(ctx context.Context, worker string, lease time.Duration) (Lease, error)
	// Subscribe calls fn for each Event of any replica until stop is
	// called. fn must not block. Events may be lost while the store is
	// unreachable: pollers should also poll.
	Subscribe(ctx context.Context, fn func(Event)) (stop func(), err error)
	// Close releases the store's resources.
	Close() error
}

// Lease is a worker's claim on a task.
type Lease interface {
	// Task is the task as it was claimed.
	Task() *Task
	// Renew extends the lease by its duration. It returns ErrLeaseLost
	// when another worker has the task now, and ErrFinal when the task
	// ended (it was cancelled): the worker should stop either way.
	Renew(ctx context.Context) error
	// Done ends the lease: the worker wrote the task's terminal status,
	// or parked it waiting for input, or gives it up.
	Done(ctx context.Context) error
}

// Updates applies to the fields fn may not change the values they had.
func keepFixed(before, after *Task) {
	after.ID, after.Owner, after.CreatedAt = before.ID, before.Owner, before.CreatedAt
	after.Attempts, after.Worker = before.Attempts, before.Worker
}

// Runnable reports whether an update from before to after queues the task.
func requeues(before, after *Task) bool {
	return before.Status != Working && after.Status == Working
}
