package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/mcpgen/mcpgen/runtime"
)

// Status notifications: a client hears of its tasks' changes without
// polling. A 2025-11-25 session gets notifications/tasks/status (SEP-1686)
// for the tasks it created, on its own stream; a 2026-07-28 client that
// declared the extension gets notifications/tasks, the whole task as
// tasks/get returns it, on a subscriptions/listen stream that names the
// tasks (notifications.taskIds). A change made on any replica reaches the
// replica holding the stream through the store's events. Notifications
// are advisory: one that is lost (the store unreachable, a full queue, no
// stream open) costs the client a poll.

// The notification methods.
const (
	methodStatus       = "notifications/tasks"        // the 2026-07-28 extension
	methodLegacyStatus = "notifications/tasks/status" // SEP-1686
)

// Bounds of what one process delivers.
const (
	// maxListenTasks bounds the task ids of one subscriptions/listen.
	maxListenTasks = 100
	// maxWatched bounds the tasks (per listener, and per session for
	// SEP-1686) whose changes a process delivers; beyond it a
	// subscription agrees to fewer tasks and sessions poll.
	maxWatched = 100_000
	// notifyQueue bounds the changes waiting to be delivered.
	notifyQueue = 4096
)

// notifier delivers the status notifications of one engine.
type notifier struct {
	mu        sync.Mutex
	listens   map[string]map[*watcher]bool // task id -> the subscriptions naming it
	sessions  map[string]string            // task id -> the SEP-1686 session that created it
	bySession map[string]map[string]bool   // session -> its watched task ids
	expires   map[string]time.Time         // task id -> when the store forgets it
	watched   int                          // entries of listens and sessions
	news      chan Event                   // changes of watched tasks, to deliver
}

// watcher is one subscription's part (a listener) and the state of each
// task it last sent.
type watcher struct {
	l    *runtime.Listener
	last map[string]string // task id -> signature of the state sent; under notifier.mu
}

// signature tells task states apart for notifications.
func signature(t *Task) string {
	return string(t.Status) + "|" + t.LastUpdatedAt.Format(time.RFC3339Nano) + "|" + t.StatusMessage
}

func newNotifier() *notifier {
	return &notifier{
		listens:   map[string]map[*watcher]bool{},
		sessions:  map[string]string{},
		bySession: map[string]map[string]bool{},
		expires:   map[string]time.Time{},
		news:      make(chan Event, notifyQueue),
	}
}

// changed queues ev when a watched task changed; it never blocks.
func (n *notifier) changed(ev Event) {
	n.mu.Lock()
	_, listened := n.listens[ev.ID]
	_, session := n.sessions[ev.ID]
	n.mu.Unlock()
	if !listened && !session {
		return
	}
	select {
	case n.news <- ev:
	default: // a full queue: the clients poll
	}
}

// sweepEvery is how often watches of tasks the store forgot without an
// event (their TTL ran out) are dropped.
var sweepEvery atomic.Int64 // a time.Duration; tests shorten it

func init() { sweepEvery.Store(int64(5 * time.Second)) }

// deliver sends the notifications of the changes queued, until ctx ends.
func (e *Engine) deliver(ctx context.Context) {
	sweep := time.NewTicker(time.Duration(sweepEvery.Load()))
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-sweep.C:
			e.notes.sweep(now)
		case ev := <-e.notes.news:
			t, err := e.store.Get(ctx, ev.Owner, ev.ID)
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					e.notes.forget(ev.ID)
				} else if ctx.Err() == nil {
					e.log.Debug("reading a task to notify of it", "task", ev.ID, "err", err)
				}
				continue
			}
			e.notifyLegacy(t)
			e.notifyListeners(t)
		}
	}
}

// sweep forgets the watched tasks that expired by now.
func (n *notifier) sweep(now time.Time) {
	var gone []string
	n.mu.Lock()
	for id, at := range n.expires {
		if !now.Before(at) {
			gone = append(gone, id)
		}
	}
	n.mu.Unlock()
	for _, id := range gone {
		n.forget(id)
	}
}

// unwatchSessionLocked drops the session watch of task id; mu is held.
func (n *notifier) unwatchSessionLocked(id string) {
	sid, ok := n.sessions[id]
	if !ok {
		return
	}
	delete(n.sessions, id)
	n.watched--
	if ids := n.bySession[sid]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(n.bySession, sid)
		}
	}
	if n.listens[id] == nil {
		delete(n.expires, id)
	}
}

// forget stops watching the task id (it ended, or the store forgot it):
// the subscriptions left with nothing to tell of end.
func (n *notifier) forget(id string) {
	var done []*watcher
	n.mu.Lock()
	n.unwatchSessionLocked(id)
	for w := range n.listens[id] {
		delete(w.last, id)
		n.watched--
		if len(w.last) == 0 {
			done = append(done, w)
		}
	}
	delete(n.listens, id)
	delete(n.expires, id)
	n.mu.Unlock()
	for _, w := range done {
		w.l.Close()
	}
}

// watchSession makes the session of the call ctx (r.SessionID) hear of
// t's changes (SEP-1686), until t ends or the session closes. A session
// gets one close hook, whatever the number of its tasks.
func (e *Engine) watchSession(ctx context.Context, sid string, t *Task) {
	n := e.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.watched >= maxWatched {
		return
	}
	if n.bySession[sid] == nil {
		err := runtime.OnSessionClose(ctx, func() {
			n.mu.Lock()
			defer n.mu.Unlock()
			for id := range n.bySession[sid] {
				n.unwatchSessionLocked(id)
			}
		})
		if err != nil {
			return // no session that closes: nothing to deliver to either
		}
		n.bySession[sid] = map[string]bool{}
	}
	n.bySession[sid][t.ID] = true
	n.sessions[t.ID] = sid
	n.expires[t.ID] = t.Expires()
	n.watched++
}

// notifyLegacy sends notifications/tasks/status to the session that
// created t, if it is one of this process's.
func (e *Engine) notifyLegacy(t *Task) {
	n := e.notes
	n.mu.Lock()
	sid, ok := n.sessions[t.ID]
	if ok && t.Status.Terminal() {
		n.unwatchSessionLocked(t.ID)
	}
	n.mu.Unlock()
	if !ok {
		return
	}
	if err := e.srv.NotifySession(sid, methodLegacyStatus, toLegacy(t)); err != nil && !errors.Is(err, runtime.ErrNoStream) && !errors.Is(err, runtime.ErrQueueFull) {
		e.log.Warn("sending a task status notification", "task", t.ID, "err", err)
	}
}

// notifyListeners sends notifications/tasks to the subscriptions naming t
// whose last notification told another state; a subscription's part ends
// when every task it named has ended.
func (e *Engine) notifyListeners(t *Task) {
	n := e.notes
	sig := signature(t)
	var send []*watcher
	n.mu.Lock()
	for w := range n.listens[t.ID] {
		if w.last[t.ID] == sig {
			continue
		}
		w.last[t.ID] = sig
		send = append(send, w)
	}
	var done []*watcher
	if t.Status.Terminal() {
		for w := range n.listens[t.ID] {
			delete(w.last, t.ID)
			n.watched--
			if len(w.last) == 0 {
				done = append(done, w)
			}
		}
		delete(n.listens, t.ID)
		if _, legacy := n.sessions[t.ID]; !legacy {
			delete(n.expires, t.ID)
		}
	}
	n.mu.Unlock()
	for _, w := range send {
		if err := w.l.Notify(methodStatus, toWire(t, true)); err != nil && !errors.Is(err, runtime.ErrNoStream) && !errors.Is(err, runtime.ErrQueueFull) {
			e.log.Warn("sending a task notification", "task", t.ID, "err", err)
		}
	}
	for _, w := range done {
		w.l.Close()
	}
}

// listen serves the taskIds of a subscriptions/listen: it agrees to the
// tasks the client may see (the others it leaves out, as it would answer
// tasks/get with not found), sends each one's state at once, and then
// each change until the task ends or the client stops listening.
func (e *Engine) listen(ctx context.Context, r *runtime.Request, value json.RawMessage, l *runtime.Listener) (any, error) {
	if !declares(r) {
		return nil, missingCapability("task notifications (notifications.taskIds of subscriptions/listen) need the %s extension, which the request's client capabilities do not declare", ExtensionID)
	}
	var ids []string
	if err := json.Unmarshal(value, &ids); err != nil {
		return nil, invalidParams("subscriptions/listen: notifications.taskIds must be an array of task ids: %v", err)
	}
	if len(ids) > maxListenTasks {
		return nil, invalidParams("subscriptions/listen: notifications.taskIds names %d tasks, at most %d may be listened to at once", len(ids), maxListenTasks)
	}
	owner := OwnerOf(r)
	w := &watcher{l: l, last: map[string]string{}}
	var states []*Task
	for _, id := range ids {
		if id == "" || len(id) > maxTaskID || containsTask(states, id) {
			continue
		}
		t, err := e.store.Get(ctx, owner, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "subscriptions/listen: the tasks cannot be read now: " + err.Error()}
		}
		states = append(states, t)
	}
	if len(states) == 0 {
		return nil, nil
	}
	n := e.notes
	n.mu.Lock()
	agreed := []string{}
	var told []*Task // the tasks agreed to: ended ones, and those watched
	for _, t := range states {
		if !t.Status.Terminal() {
			if n.watched >= maxWatched {
				continue // beyond what this process delivers: the client polls
			}
			if n.listens[t.ID] == nil {
				n.listens[t.ID] = map[*watcher]bool{}
			}
			n.listens[t.ID][w] = true
			w.last[t.ID] = signature(t)
			n.expires[t.ID] = t.Expires()
			n.watched++
		}
		agreed = append(agreed, t.ID)
		told = append(told, t)
	}
	watching := len(w.last) > 0
	n.mu.Unlock()
	if len(agreed) == 0 {
		return nil, nil
	}
	for _, t := range told {
		l.Notify(methodStatus, toWire(t, true)) // follows the acknowledgement
	}
	if !watching {
		l.Close() // every task named has ended: its state was all there is to tell
		return agreed, nil
	}
	context.AfterFunc(ctx, func() { e.unwatch(w) })
	// A change between the reads above and the registration would be
	// missed: read once more.
	for _, t := range told {
		if !t.Status.Terminal() {
			e.notes.changed(Event{ID: t.ID, Owner: t.Owner, Status: t.Status})
		}
	}
	return agreed, nil
}

func containsTask(ts []*Task, id string) bool {
	for _, t := range ts {
		if t.ID == id {
			return true
		}
	}
	return false
}

// unwatch drops a subscription's part when its client stops listening.
func (e *Engine) unwatch(w *watcher) {
	n := e.notes
	n.mu.Lock()
	for id := range w.last {
		if ws := n.listens[id]; ws != nil {
			delete(ws, w)
			n.watched--
			if len(ws) == 0 {
				delete(n.listens, id)
				if _, legacy := n.sessions[id]; !legacy {
					delete(n.expires, id)
				}
			}
		}
	}
	clear(w.last)
	n.mu.Unlock()
	w.l.Close()
}
