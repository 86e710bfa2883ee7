package runtime

import "sync"

// Watchers is the Watcher side of a provider: the set of callbacks the
// servers that serve it registered with Watch, and Notify to call them
// when the provider's components change. The zero value is an empty set,
// ready to use; it is safe for concurrent use and must not be copied
// after first use.
//
// A provider holds one and forwards Watch to it (or embeds it, which also
// exports Notify and Len):
//
//	type myProvider struct {
//		watchers runtime.Watchers
//		...
//	}
//
//	func (p *myProvider) Watch(changed func()) func() { return p.watchers.Watch(changed) }
//
// and calls p.watchers.Notify() after its components change.
type Watchers struct {
	mu   sync.Mutex
	fns  map[int]func()
	next int
}

// Watch adds changed to the set and returns the function that removes it
// (calling it again does nothing). It implements Watcher.
func (w *Watchers) Watch(changed func()) (stop func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fns == nil {
		w.fns = map[int]func(){}
	}
	id := w.next
	w.next++
	w.fns[id] = changed
	return func() {
		w.mu.Lock()
		delete(w.fns, id)
		w.mu.Unlock()
	}
}

// Notify calls every callback in the set, in no particular order, on the
// calling goroutine and without holding the set's lock, so that a callback
// may call Watch, a stop function or Notify itself.
func (w *Watchers) Notify() {
	w.mu.Lock()
	fns := make([]func(), 0, len(w.fns))
	for _, f := range w.fns {
		fns = append(fns, f)
	}
	w.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// Len returns how many callbacks are in the set.
func (w *Watchers) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.fns)
}
