package tasks

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultMaxTasks bounds the tasks a Memory store holds when NewMemory is
// given 0.
const DefaultMaxTasks = 100_000

// Memory is a Store in the process's memory: nothing to run, and what one
// server needs. Tasks are lost when the process ends, and other processes
// do not see them. It holds at most a fixed number of tasks: when full,
// Create fails with ErrFull until some expire.
type Memory struct {
	max int

	mu     sync.Mutex
	tasks  map[string]*Task
	owners map[string][]string // owner -> ids in creation order
	ready  []string            // queued ids, oldest first
	queued map[string]bool
	leases map[string]*memLease // id -> the live lease
	wake   chan struct{}        // closed and replaced when a task is queued
	subs   map[int]func(Event)
	nextID int
	swept  time.Time
	closed bool
	now    func() time.Time
}

var _ Store = (*Memory)(nil)

// NewMemory returns an in-memory store holding at most maxTasks tasks (0
// means DefaultMaxTasks).
func NewMemory(maxTasks int) *Memory {
	if maxTasks <= 0 {
		maxTasks = DefaultMaxTasks
	}
	return &Memory{
		max: maxTasks, tasks: map[string]*Task{}, owners: map[string][]string{}, queued: map[string]bool{},
		leases: map[string]*memLease{}, wake: make(chan struct{}), subs: map[int]func(Event){}, now: time.Now,
	}
}

type memLease struct {
	m      *Memory
	task   *Task
	worker string
	lease  time.Duration
	until  time.Time
	token  int
}

// sweep drops expired tasks, at most once a second.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.swept) < time.Second && len(m.tasks) < m.max {
		return
	}
	m.swept = now
	for id, t := range m.tasks {
		if !now.Before(t.Expires()) {
			m.drop(id)
		}
	}
}

func (m *Memory) drop(id string) {
	t := m.tasks[id]
	if t == nil {
		return
	}
	delete(m.tasks, id)
	delete(m.leases, id)
	delete(m.queued, id)
	if ids := m.owners[t.Owner]; ids != nil {
		if i := slices.Index(ids, id); i >= 0 {
			ids = slices.Delete(ids, i, i+1)
		}
		if len(ids) == 0 {
			delete(m.owners, t.Owner)
		} else {
			m.owners[t.Owner] = ids
		}
	}
}

// live returns the stored task id, nil if it is missing or expired.
func (m *Memory) live(id string, now time.Time) *Task {
	t := m.tasks[id]
	if t == nil {
		return nil
	}
	if !now.Before(t.Expires()) {
		m.drop(id)
		return nil
	}
	return t
}

func (m *Memory) enqueue(id string) {
	if m.queued[id] {
		return
	}
	m.queued[id] = true
	m.ready = append(m.ready, id)
	close(m.wake)
	m.wake = make(chan struct{})
}

// publish calls the subscribers; the caller holds no lock.
func (m *Memory) publish(subs []func(Event), ev Event) {
	for _, fn := range subs {
		fn(ev)
	}
}

func (m *Memory) subscribers() []func(Event) {
	out := make([]func(Event), 0, len(m.subs))
	for _, fn := range m.subs {
		out = append(out, fn)
	}
	return out
}

// Create implements Store.
func (m *Memory) Create(ctx context.Context, t *Task) error {
	if err := checkNew(t); err != nil {
		return err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	now := m.now()
	m.sweep(now)
	if _, dup := m.tasks[t.ID]; dup {
		m.mu.Unlock()
		return fmt.Errorf("tasks: a task with id %q exists", t.ID)
	}
	if len(m.tasks) >= m.max {
		m.mu.Unlock()
		return ErrFull
	}
	c := t.Clone()
	if c.LastUpdatedAt.IsZero() {
		c.LastUpdatedAt = c.CreatedAt
	}
	m.tasks[c.ID] = c
	m.owners[c.Owner] = append(m.owners[c.Owner], c.ID)
	m.enqueue(c.ID)
	subs := m.subscribers()
	m.mu.Unlock()
	m.publish(subs, Event{ID: c.ID, Owner: c.Owner, Status: c.Status})
	return nil
}

func checkNew(t *Task) error {
	switch {
	case t == nil || t.ID == "":
		return fmt.Errorf("tasks: Create of a task without an id")
	case t.Status != Working:
		return fmt.Errorf("tasks: Create of task %q with status %q (want %q)", t.ID, t.Status, Working)
	case t.CreatedAt.IsZero():
		return fmt.Errorf("tasks: Create of task %q without CreatedAt", t.ID)
	case t.TTL <= 0:
		return fmt.Errorf("tasks: Create of task %q with TTL %v (want a positive one)", t.ID, t.TTL)
	}
	return nil
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, owner, id string) (*Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	t := m.live(id, m.now())
	if t == nil || t.Owner != owner {
		return nil, ErrNotFound
	}
	return t.Clone(), nil
}

// List implements Store. The cursor is the position after the last task
// of the previous page, as the task's creation time and id.
func (m *Memory) List(ctx context.Context, owner, cursor string, limit int) ([]*Task, string, error) {
	if owner == "" {
		return nil, "", nil
	}
	after, err := parseCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = 100
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, "", ErrClosed
	}
	now := m.now()
	var mine []*Task
	for _, id := range slices.Clone(m.owners[owner]) {
		if t := m.live(id, now); t != nil && after.before(t) {
			mine = append(mine, t)
		}
	}
	slices.SortFunc(mine, func(a, b *Task) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	var out []*Task
	for _, t := range mine {
		if len(out) == limit {
			return out, makeCursor(out[len(out)-1]), nil
		}
		out = append(out, t.Clone())
	}
	return out, "", nil
}

// position is a place in an owner's tasks, by creation time then id.
type position struct {
	at time.Time
	id string
}

// before reports whether p comes before t (the zero position comes before
// every task).
func (p position) before(t *Task) bool {
	if p.id == "" {
		return true
	}
	if !t.CreatedAt.Equal(p.at) {
		return p.at.Before(t.CreatedAt)
	}
	return p.id < t.ID
}

func makeCursor(t *Task) string {
	return strconv.FormatInt(t.CreatedAt.UnixNano(), 36) + "." + t.ID
}

func parseCursor(c string) (position, error) {
	if c == "" {
		return position{}, nil
	}
	ns, id, ok := strings.Cut(c, ".")
	n, err := strconv.ParseInt(ns, 36, 64)
	if !ok || err != nil || id == "" {
		return position{}, fmt.Errorf("%w: invalid cursor", ErrBadCursor)
	}
	return position{at: time.Unix(0, n), id: id}, nil
}

// ErrBadCursor is returned by List for a cursor it did not make.
var ErrBadCursor = fmt.Errorf("tasks: bad cursor")

// Update implements Store.
func (m *Memory) Update(ctx context.Context, id string, fn func(*Task) error) (*Task, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	now := m.now()
	cur := m.live(id, now)
	if cur == nil {
		m.mu.Unlock()
		return nil, ErrNotFound
	}
	if cur.Status.Terminal() {
		m.mu.Unlock()
		return nil, ErrFinal
	}
	next := cur.Clone()
	if err := fn(next); err != nil {
		m.mu.Unlock()
		return nil, err
	}
	keepFixed(cur, next)
	next.LastUpdatedAt = now
	if next.LastUpdatedAt.Before(cur.LastUpdatedAt) {
		next.LastUpdatedAt = cur.LastUpdatedAt
	}
	m.tasks[id] = next
	if requeues(cur, next) {
		m.enqueue(id)
	}
	var subs []func(Event)
	changed := cur.Status != next.Status || cur.StatusMessage != next.StatusMessage
	if changed {
		subs = m.subscribers()
	}
	out := next.Clone()
	m.mu.Unlock()
	if changed {
		m.publish(subs, Event{ID: id, Owner: next.Owner, Status: next.Status})
	}
	return out, nil
}

// Claim implements Store.
func (m *Memory) Claim(ctx context.Context, worker string, lease time.Duration) (Lease, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("tasks: Claim with lease %v (want a positive one)", lease)
	}
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, ErrClosed
		}
		now := m.now()
		if l := m.claimLocked(worker, lease, now); l != nil {
			m.mu.Unlock()
			return l, nil
		}
		wake := m.wake
		// The earliest lease to expire, which a worker may take over.
		var next time.Time
		for _, l := range m.leases {
			if next.IsZero() || l.until.Before(next) {
				next = l.until
			}
		}
		m.mu.Unlock()
		var timer *time.Timer
		var expiry <-chan time.Time
		if !next.IsZero() {
			timer = time.NewTimer(max(next.Sub(now), time.Millisecond))
			expiry = timer.C
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-expiry:
		}
		if timer != nil {
			timer.Stop()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

func (m *Memory) claimLocked(worker string, lease time.Duration, now time.Time) *memLease {
	for len(m.ready) > 0 {
		id := m.ready[0]
		m.ready = m.ready[1:]
		delete(m.queued, id)
		t := m.live(id, now)
		if t == nil || t.Status != Working {
			continue // cancelled or gone while queued
		}
		// A lease another worker still holds is that of a worker that
		// parked the task for input and has not let go yet: the new
		// lease replaces it.
		return m.lease(t, worker, lease, now)
	}
	for id, l := range m.leases {
		if now.Before(l.until) {
			continue
		}
		t := m.live(id, now)
		if t == nil || t.Status.Terminal() {
			delete(m.leases, id)
			continue
		}
		if t.Status != Working {
			delete(m.leases, id) // parked: it is queued again when answered
			continue
		}
		return m.lease(t, worker, lease, now)
	}
	return nil
}

func (m *Memory) lease(t *Task, worker string, lease time.Duration, now time.Time) *memLease {
	m.nextID++
	t.Attempts++
	t.Worker = worker
	l := &memLease{m: m, task: t.Clone(), worker: worker, lease: lease, until: now.Add(lease), token: m.nextID}
	m.leases[t.ID] = l
	return l
}

func (l *memLease) Task() *Task { return l.task.Clone() }

func (l *memLease) Renew(ctx context.Context) error {
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	now := m.now()
	cur := m.leases[l.task.ID]
	if cur == nil || cur.token != l.token {
		return ErrLeaseLost
	}
	t := m.live(l.task.ID, now)
	if t == nil {
		delete(m.leases, l.task.ID)
		return ErrLeaseLost
	}
	if t.Status.Terminal() {
		return ErrFinal
	}
	cur.until = now.Add(l.lease)
	return nil
}

func (l *memLease) Done(ctx context.Context) error {
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.leases[l.task.ID]; cur != nil && cur.token == l.token {
		delete(m.leases, l.task.ID)
		if t := m.tasks[l.task.ID]; t != nil && t.Worker == l.worker {
			t.Worker = ""
		}
	}
	return nil
}

// Subscribe implements Store.
func (m *Memory) Subscribe(ctx context.Context, fn func(Event)) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	m.nextID++
	id := m.nextID
	m.subs[id] = fn
	return func() {
		m.mu.Lock()
		delete(m.subs, id)
		m.mu.Unlock()
	}, nil
}

// Close implements Store: later calls fail with ErrClosed, and Claim
// returns.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		m.closed = true
		close(m.wake)
		m.wake = make(chan struct{})
	}
	return nil
}

// Len returns the number of tasks held, for tests and metrics.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tasks)
}
