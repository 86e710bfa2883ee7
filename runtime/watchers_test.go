package runtime

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestWatchers(t *testing.T) {
	var w Watchers
	w.Notify() // the zero value notifies no one
	var a, b atomic.Int32
	stopA := w.Watch(func() { a.Add(1) })
	stopB := w.Watch(func() { b.Add(1) })
	if n := w.Len(); n != 2 {
		t.Fatalf("Len = %d, want 2", n)
	}
	w.Notify()
	if a.Load() != 1 || b.Load() != 1 {
		t.Fatalf("after one Notify: a=%d b=%d, want 1 1", a.Load(), b.Load())
	}
	stopA()
	stopA() // a second stop does nothing
	w.Notify()
	if a.Load() != 1 || b.Load() != 2 {
		t.Fatalf("after stopping a: a=%d b=%d, want 1 2", a.Load(), b.Load())
	}
	if n := w.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1", n)
	}
	stopB()
	w.Notify()
	if b.Load() != 2 || w.Len() != 0 {
		t.Fatalf("after stopping b: b=%d Len=%d, want 2 0", b.Load(), w.Len())
	}
}

// A callback runs without the set's lock held: it may stop itself, add a
// watcher or notify again without deadlocking.
func TestWatchersCallbackReenters(t *testing.T) {
	var w Watchers
	var calls atomic.Int32
	var stop func()
	stop = w.Watch(func() {
		if calls.Add(1) == 1 {
			stop()
			w.Watch(func() {})
			w.Notify()
		}
	})
	w.Notify()
	if calls.Load() != 1 {
		t.Fatalf("calls = %d, want 1 (stopped during the first)", calls.Load())
	}
	if n := w.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1 (the watcher added during the callback)", n)
	}
}

func TestWatchersConcurrent(t *testing.T) {
	var w Watchers
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				stop := w.Watch(func() {})
				w.Notify()
				stop()
			}
		}()
	}
	wg.Wait()
	if n := w.Len(); n != 0 {
		t.Fatalf("Len = %d, want 0", n)
	}
}
