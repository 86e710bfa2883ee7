package tasks

import "time"

// Watched is how many task watches the engine's notifier holds, for tests
// that check they all go away.
func Watched(e *Engine) int {
	e.notes.mu.Lock()
	defer e.notes.mu.Unlock()
	return e.notes.watched + len(e.notes.expires) + len(e.notes.bySession)
}

// SetSweepEvery changes how often expired watches are swept.
func SetSweepEvery(d time.Duration) { sweepEvery.Store(int64(d)) }
