// Package taskstest checks that a tasks.Store behaves as the task engine
// expects, so that every store (in memory, Redis, one of your own) is held
// to the same contract:
//
//	func TestMyStore(t *testing.T) {
//		taskstest.Run(t, func(t *testing.T) tasks.Store { return newMyStore(t) })
//	}
//
// Each call of newStore must return an empty store of its own (for a
// shared server, one under a key prefix of its own): the queue tests
// claim whatever the store holds.
package taskstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/tasks"
)

// Run runs the contract's subtests, each against a store newStore returns.
func Run(t *testing.T, newStore func(t *testing.T) tasks.Store) {
	cases := []struct {
		name string
		f    func(t *testing.T, s tasks.Store)
	}{
		{"CreateGet", createGet},
		{"CreateRefusesInvalid", createInvalid},
		{"OwnerOnly", ownerOnly},
		{"List", list},
		{"Update", update},
		{"TerminalIsFinal", terminalFinal},
		{"ClaimAndDone", claimDone},
		{"LeaseExpiryReclaims", leaseExpiry},
		{"ReclaimUnderTheSameName", reclaimSameName},
		{"RenewKeepsLease", renewKeeps},
		{"RenewAfterCancel", renewAfterCancel},
		{"InputAnsweredRequeues", inputRequeues},
		{"Subscribe", subscribe},
		{"Expiry", expiry},
		{"ConcurrentClaims", concurrentClaims},
		{"ConcurrentReclaims", concurrentReclaims},
		{"ConcurrentUpdates", concurrentUpdates},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			c.f(t, s)
		})
	}
}

func bg(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newTask(owner string) *tasks.Task {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return &tasks.Task{
		ID: tasks.NewID(), Owner: owner, Status: tasks.Working, CreatedAt: now, LastUpdatedAt: now,
		TTL: time.Hour, PollInterval: time.Second, Request: json.RawMessage(`{"name":"x"}`),
	}
}

func mustCreate(t *testing.T, s tasks.Store, task *tasks.Task) *tasks.Task {
	t.Helper()
	if err := s.Create(bg(t), task); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return task
}

func createGet(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	in := newTask("p:ann")
	in.Idempotent = true
	mustCreate(t, s, in)
	got, err := s.Get(ctx, "p:ann", in.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.ID != in.ID || got.Owner != in.Owner || got.Status != tasks.Working || !got.CreatedAt.Equal(in.CreatedAt) ||
		got.TTL != in.TTL || got.PollInterval != in.PollInterval || !got.Idempotent || string(got.Request) != `{"name":"x"}` {
		t.Fatalf("Get = %+v, want the task created (%+v)", got, in)
	}
	got.Request[0] = 'X' // a copy: the store's own is untouched
	again, err := s.Get(ctx, "p:ann", in.ID)
	if err != nil || string(again.Request) != `{"name":"x"}` {
		t.Fatalf("Get after changing a copy = %s, %v", again.Request, err)
	}
	if _, err := s.Get(ctx, "p:ann", tasks.NewID()); !errors.Is(err, tasks.ErrNotFound) {
		t.Fatalf("Get of an unknown id: %v, want ErrNotFound", err)
	}
	if err := s.Create(ctx, in); err == nil {
		t.Fatal("Create of an existing id succeeded")
	}
}

func createInvalid(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	for name, mod := range map[string]func(*tasks.Task){
		"no id":        func(x *tasks.Task) { x.ID = "" },
		"not working":  func(x *tasks.Task) { x.Status = tasks.Completed },
		"no createdAt": func(x *tasks.Task) { x.CreatedAt = time.Time{} },
		"no ttl":       func(x *tasks.Task) { x.TTL = 0 },
	} {
		x := newTask("p:ann")
		mod(x)
		if err := s.Create(ctx, x); err == nil {
			t.Errorf("Create of a task with %s succeeded", name)
		}
	}
}

func ownerOnly(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	ann := mustCreate(t, s, newTask("p:ann"))
	anon := mustCreate(t, s, newTask(""))
	for _, c := range []struct {
		owner, id string
		ok        bool
	}{
		{"p:ann", ann.ID, true}, {"p:bob", ann.ID, false}, {"", ann.ID, false}, {"s:ann", ann.ID, false},
		{"", anon.ID, true}, {"p:ann", anon.ID, false},
	} {
		_, err := s.Get(ctx, c.owner, c.id)
		if c.ok && err != nil || !c.ok && !errors.Is(err, tasks.ErrNotFound) {
			t.Errorf("Get(%q, task of %q) = %v, want found=%v", c.owner, map[string]string{ann.ID: "p:ann", anon.ID: ""}[c.id], err, c.ok)
		}
	}
}

func list(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	var want []string
	base := time.Now().UTC().Truncate(time.Millisecond)
	for i := range 5 {
		x := newTask("p:ann")
		x.CreatedAt = base.Add(time.Duration(i) * time.Millisecond)
		if i == 3 {
			x.CreatedAt = base.Add(2 * time.Millisecond) // the same instant as the one before
		}
		mustCreate(t, s, x)
		want = append(want, x.ID)
		mustCreate(t, s, newTask("p:bob"))
	}
	mustCreate(t, s, newTask(""))
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("List does not end")
		}
		page, next, err := s.List(ctx, "p:ann", cursor, 2)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if len(page) > 2 {
			t.Fatalf("List with limit 2 returned %d tasks", len(page))
		}
		for _, x := range page {
			if x.Owner != "p:ann" {
				t.Fatalf("List of p:ann returned a task of %q", x.Owner)
			}
			got = append(got, x.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if !sameSet(got, want) || len(got) != len(want) {
		t.Fatalf("List pages = %v, want %v", got, want)
	}
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Fatalf("List returned %s twice", got[i])
		}
	}
	if page, _, err := s.List(ctx, "", "", 10); err != nil || len(page) != 0 {
		t.Fatalf("List of owner \"\" = %d tasks, %v; want none", len(page), err)
	}
	if _, _, err := s.List(ctx, "p:ann", "not-a-cursor", 2); err == nil {
		t.Fatal("List with a cursor it did not make succeeded")
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func update(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	x := mustCreate(t, s, newTask("p:ann"))
	time.Sleep(5 * time.Millisecond) // LastUpdatedAt must move on
	got, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error {
		tk.StatusMessage = "halfway"
		tk.Owner, tk.ID, tk.Attempts, tk.Worker = "p:mallory", "other", 99, "w" // kept as they were
		tk.CreatedAt = time.Unix(0, 0)
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got.StatusMessage != "halfway" || got.Owner != "p:ann" || got.ID != x.ID || got.Attempts != 0 || got.Worker != "" || !got.CreatedAt.Equal(x.CreatedAt) {
		t.Fatalf("Update returned %+v", got)
	}
	if !got.LastUpdatedAt.After(x.LastUpdatedAt) {
		t.Fatalf("LastUpdatedAt %v not after %v", got.LastUpdatedAt, x.LastUpdatedAt)
	}
	stored, err := s.Get(ctx, "p:ann", x.ID)
	if err != nil || stored.StatusMessage != "halfway" {
		t.Fatalf("Get after Update = %+v, %v", stored, err)
	}
	boom := errors.New("boom")
	if _, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error { tk.StatusMessage = "lost"; return boom }); !errors.Is(err, boom) {
		t.Fatalf("Update whose fn fails = %v, want its error", err)
	}
	if stored, _ := s.Get(ctx, "p:ann", x.ID); stored.StatusMessage != "halfway" {
		t.Fatalf("a failed Update wrote %q", stored.StatusMessage)
	}
	if _, err := s.Update(ctx, tasks.NewID(), func(*tasks.Task) error { return nil }); !errors.Is(err, tasks.ErrNotFound) {
		t.Fatalf("Update of an unknown id = %v, want ErrNotFound", err)
	}
	_, err = s.Update(ctx, x.ID, func(tk *tasks.Task) error {
		tk.Status = tasks.InputRequired
		tk.InputRequests = map[string]json.RawMessage{"a": json.RawMessage(`{"method":"elicitation/create"}`)}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ = s.Get(ctx, "p:ann", x.ID)
	if stored.Status != tasks.InputRequired || string(stored.InputRequests["a"]) != `{"method":"elicitation/create"}` {
		t.Fatalf("after Update to input_required: %+v", stored)
	}
}

func terminalFinal(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	for _, st := range []tasks.Status{tasks.Completed, tasks.Failed, tasks.Cancelled} {
		x := mustCreate(t, s, newTask("p:ann"))
		if _, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error {
			tk.Status = st
			tk.Result = json.RawMessage(`{"content":[]}`)
			return nil
		}); err != nil {
			t.Fatalf("Update to %s: %v", st, err)
		}
		called := false
		if _, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error { called = true; tk.Status = tasks.Working; return nil }); !errors.Is(err, tasks.ErrFinal) {
			t.Fatalf("Update of a %s task = %v, want ErrFinal", st, err)
		}
		if called {
			t.Fatalf("Update of a %s task called fn", st)
		}
		if got, _ := s.Get(ctx, "p:ann", x.ID); got.Status != st || string(got.Result) != `{"content":[]}` {
			t.Fatalf("%s task after refused Update: %+v", st, got)
		}
	}
}

// claimWithin claims with a deadline, returning nil if nothing came.
func claimWithin(t *testing.T, s tasks.Store, worker string, lease, wait time.Duration) tasks.Lease {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	l, err := s.Claim(ctx, worker, lease)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil
		}
		t.Fatalf("Claim: %v", err)
	}
	return l
}

func claimDone(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	x := mustCreate(t, s, newTask("p:ann"))
	l := claimWithin(t, s, "w1", 10*time.Second, 10*time.Second)
	if l == nil {
		t.Fatal("Claim found nothing")
	}
	if got := l.Task(); got.ID != x.ID || got.Attempts != 1 || got.Worker != "w1" || string(got.Request) != `{"name":"x"}` {
		t.Fatalf("claimed %+v", got)
	}
	if l2 := claimWithin(t, s, "w2", 10*time.Second, 300*time.Millisecond); l2 != nil {
		t.Fatalf("a second Claim got %s, which w1 holds", l2.Task().ID)
	}
	if err := l.Renew(ctx); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if _, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error { tk.Status = tasks.Completed; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := l.Done(ctx); err != nil {
		t.Fatalf("Done: %v", err)
	}
	if l2 := claimWithin(t, s, "w2", 10*time.Second, 300*time.Millisecond); l2 != nil {
		t.Fatalf("Claim after Done got %s", l2.Task().ID)
	}
	if _, err := s.Claim(ctx, "w1", 0); err == nil {
		t.Fatal("Claim with a zero lease succeeded")
	}
}

func leaseExpiry(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	x := mustCreate(t, s, newTask("p:ann"))
	l1 := claimWithin(t, s, "w1", 300*time.Millisecond, 10*time.Second)
	if l1 == nil {
		t.Fatal("Claim found nothing")
	}
	// w1 dies: it never renews. w2 gets the task when the lease expires.
	l2 := claimWithin(t, s, "w2", 10*time.Second, 10*time.Second)
	if l2 == nil {
		t.Fatal("the expired lease was not claimed again")
	}
	if got := l2.Task(); got.ID != x.ID || got.Attempts != 2 || got.Worker != "w2" {
		t.Fatalf("reclaimed %+v, want attempt 2 by w2", got)
	}
	if err := l1.Renew(ctx); !errors.Is(err, tasks.ErrLeaseLost) {
		t.Fatalf("Renew of the expired lease = %v, want ErrLeaseLost", err)
	}
	if err := l1.Done(ctx); err != nil {
		t.Fatalf("Done of a lost lease: %v", err)
	}
	if err := l2.Renew(ctx); err != nil {
		t.Fatalf("Renew by the new holder: %v", err)
	}
	if got, _ := s.Get(ctx, "p:ann", x.ID); got.Attempts != 2 {
		t.Fatalf("stored attempts = %d, want 2", got.Attempts)
	}
}

// A lease is its claim's, not its worker name's: a worker that stalled
// past its lease and claims the task again under the same name holds the
// new lease only, and the old one is lost (Renew says so, Done does not
// end the new one).
func reclaimSameName(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	x := mustCreate(t, s, newTask("p:ann"))
	l1 := claimWithin(t, s, "w1", 300*time.Millisecond, 10*time.Second)
	if l1 == nil {
		t.Fatal("Claim found nothing")
	}
	l2 := claimWithin(t, s, "w1", 10*time.Second, 10*time.Second)
	if l2 == nil {
		t.Fatal("the expired lease was not claimed again")
	}
	if got := l2.Task(); got.ID != x.ID || got.Attempts != 2 {
		t.Fatalf("reclaimed %+v, want attempt 2", got)
	}
	if err := l1.Renew(ctx); !errors.Is(err, tasks.ErrLeaseLost) {
		t.Fatalf("Renew of the stale lease under the same name = %v, want ErrLeaseLost", err)
	}
	if err := l1.Done(ctx); err != nil {
		t.Fatalf("Done of a lost lease: %v", err)
	}
	if err := l2.Renew(ctx); err != nil {
		t.Fatalf("Renew by the new claim after the stale Done: %v", err)
	}
	if l3 := claimWithin(t, s, "w2", 10*time.Second, 300*time.Millisecond); l3 != nil {
		t.Fatalf("another worker claimed %s while the new lease is live", l3.Task().ID)
	}
}

func renewKeeps(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	mustCreate(t, s, newTask("p:ann"))
	l := claimWithin(t, s, "w1", time.Second, 10*time.Second)
	if l == nil {
		t.Fatal("Claim found nothing")
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				done <- nil
				return
			case <-tick.C:
				if err := l.Renew(ctx); err != nil {
					done <- err
					return
				}
			}
		}
	}()
	got := claimWithin(t, s, "w2", 10*time.Second, 2500*time.Millisecond)
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if got != nil {
		t.Fatal("a renewed lease was taken over")
	}
}

func renewAfterCancel(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	x := mustCreate(t, s, newTask("p:ann"))
	l := claimWithin(t, s, "w1", 10*time.Second, 10*time.Second)
	if l == nil {
		t.Fatal("Claim found nothing")
	}
	if _, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error { tk.Status = tasks.Cancelled; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := l.Renew(ctx); !errors.Is(err, tasks.ErrFinal) {
		t.Fatalf("Renew of a cancelled task = %v, want ErrFinal", err)
	}
	l.Done(ctx)
}

func inputRequeues(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	x := mustCreate(t, s, newTask("p:ann"))
	l := claimWithin(t, s, "w1", 10*time.Second, 10*time.Second)
	if l == nil {
		t.Fatal("Claim found nothing")
	}
	if _, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error { tk.Status = tasks.InputRequired; return nil }); err != nil {
		t.Fatal(err)
	}
	l.Done(ctx)
	if l2 := claimWithin(t, s, "w2", 10*time.Second, 300*time.Millisecond); l2 != nil {
		t.Fatal("a task waiting for input was claimed")
	}
	if _, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error {
		tk.Status = tasks.Working
		tk.InputResponses = map[string]json.RawMessage{"a": json.RawMessage(`{"action":"accept"}`)}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	l2 := claimWithin(t, s, "w2", 10*time.Second, 10*time.Second)
	if l2 == nil {
		t.Fatal("the answered task was not queued again")
	}
	if got := l2.Task(); got.ID != x.ID || got.Attempts != 2 || string(got.InputResponses["a"]) != `{"action":"accept"}` {
		t.Fatalf("claimed %+v", got)
	}
	// A message change of a working task queues nothing.
	if _, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error { tk.StatusMessage = "still going"; return nil }); err != nil {
		t.Fatal(err)
	}
	if l3 := claimWithin(t, s, "w3", 10*time.Second, 300*time.Millisecond); l3 != nil {
		t.Fatal("an update of a working task queued it again")
	}
}

func subscribe(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	events := make(chan tasks.Event, 16)
	stop, err := s.Subscribe(ctx, func(ev tasks.Event) {
		select {
		case events <- ev:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	x := mustCreate(t, s, newTask("p:ann"))
	if _, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error { tk.Status = tasks.Completed; return nil }); err != nil {
		t.Fatal(err)
	}
	want := []tasks.Status{tasks.Working, tasks.Completed}
	for _, st := range want {
		select {
		case ev := <-events:
			if ev.ID != x.ID || ev.Status != st || ev.Owner != "p:ann" {
				t.Fatalf("event %+v, want %s %s", ev, x.ID, st)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no event for status %s", st)
		}
	}
}

func expiry(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	x := newTask("p:ann")
	x.TTL = 300 * time.Millisecond
	mustCreate(t, s, x)
	if _, err := s.Get(ctx, "p:ann", x.ID); err != nil {
		t.Fatalf("Get before expiry: %v", err)
	}
	time.Sleep(time.Second)
	if _, err := s.Get(ctx, "p:ann", x.ID); !errors.Is(err, tasks.ErrNotFound) {
		t.Fatalf("Get after expiry = %v, want ErrNotFound", err)
	}
	if _, err := s.Update(ctx, x.ID, func(*tasks.Task) error { return nil }); !errors.Is(err, tasks.ErrNotFound) {
		t.Fatalf("Update after expiry = %v, want ErrNotFound", err)
	}
	if page, _, err := s.List(ctx, "p:ann", "", 10); err != nil || len(page) != 0 {
		t.Fatalf("List after expiry = %d tasks, %v", len(page), err)
	}
	if l := claimWithin(t, s, "w1", time.Second, 300*time.Millisecond); l != nil {
		t.Fatal("an expired task was claimed")
	}
}

func concurrentClaims(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	const n, workers = 40, 8
	for range n {
		mustCreate(t, s, newTask("p:ann"))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
				l, err := s.Claim(cctx, fmt.Sprint("w", w), 30*time.Second)
				cancel()
				if err != nil {
					return
				}
				id := l.Task().ID
				mu.Lock()
				seen[id]++
				mu.Unlock()
				s.Update(ctx, id, func(tk *tasks.Task) error { tk.Status = tasks.Completed; return nil })
				l.Done(ctx)
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d tasks claimed, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("task %s claimed %d times", id, c)
		}
	}
}

func concurrentUpdates(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	x := mustCreate(t, s, newTask("p:ann"))
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Update(ctx, x.ID, func(tk *tasks.Task) error {
				if tk.InputResponses == nil {
					tk.InputResponses = map[string]json.RawMessage{}
				}
				tk.InputResponses[fmt.Sprint("k", i)] = json.RawMessage(`true`)
				return nil
			})
			if err != nil {
				t.Errorf("Update: %v", err)
			}
		}()
	}
	wg.Wait()
	got, err := s.Get(ctx, "p:ann", x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.InputResponses) != n {
		t.Fatalf("%d of %d concurrent updates kept", len(got.InputResponses), n)
	}
}

// An expired lease goes to one of the workers that claim at once, not to
// several.
func concurrentReclaims(t *testing.T, s tasks.Store) {
	ctx := bg(t)
	x := mustCreate(t, s, newTask("p:ann"))
	if l := claimWithin(t, s, "dead", 300*time.Millisecond, 10*time.Second); l == nil {
		t.Fatal("Claim found nothing")
	}
	time.Sleep(400 * time.Millisecond) // the lease has run out
	const workers = 8
	got := make(chan tasks.Lease, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l := claimWithin(t, s, fmt.Sprint("w", w), 30*time.Second, 1500*time.Millisecond); l != nil {
				got <- l
			}
		}()
	}
	wg.Wait()
	close(got)
	var leases []tasks.Lease
	for l := range got {
		leases = append(leases, l)
	}
	if len(leases) != 1 {
		t.Fatalf("%d workers took the expired task, want 1", len(leases))
	}
	if a := leases[0].Task().Attempts; a != 2 {
		t.Fatalf("attempts = %d, want 2", a)
	}
	if stored, _ := s.Get(ctx, "p:ann", x.ID); stored.Attempts != 2 {
		t.Fatalf("stored attempts = %d, want 2", stored.Attempts)
	}
}
