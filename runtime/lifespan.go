package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Lifespans. A server runs its lifespans once (not per session): Start
// runs them in the order they were added (AddLifespan, and providers that
// implement LifespanProvider, in the order of Add and Mount), and Close
// runs the stop functions in reverse. If one fails to start, those already
// started are stopped, in reverse, and Start reports the error. Run,
// ServeStdio and ListenAndServe call Start and Close themselves, so a
// signal that ends them stops the lifespans too.

type lifespan struct {
	fn       LifespanFunc
	provider LifespanProvider
	name     string
}

func (l lifespan) start(ctx context.Context) (func(context.Context) error, error) {
	if l.fn != nil {
		return l.fn(ctx)
	}
	return l.provider.Lifespan(ctx)
}

type lifecycle struct {
	mu      sync.Mutex
	started bool
	closed  bool
	stops   []func(context.Context) error
	phase   atomic.Int32 // phaseCreated... (health.go), read without mu
}

func (l *lifecycle) running() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started && !l.closed
}

// AddLifespan appends a lifespan. Added after Start, it runs at once.
func (s *Server) AddLifespan(fns ...LifespanFunc) error {
	for _, fn := range fns {
		if fn == nil {
			return errors.New("runtime: AddLifespan of a nil function")
		}
		s.mu.Lock()
		s.lifespans = append(s.lifespans, lifespan{fn: fn, name: fmt.Sprintf("lifespan %d", len(s.lifespans)+1)})
		s.mu.Unlock()
		if s.life.running() {
			if err := s.startLate(fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// Start runs the server's lifespans and builds its catalogue. It does
// nothing if the server has started already. A server that was closed
// cannot start again.
func (s *Server) Start(ctx context.Context) error {
	l := &s.life
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("runtime: Start of a closed server")
	}
	if l.started {
		return nil
	}
	l.phase.CompareAndSwap(phaseCreated, phaseStarting)
	s.mu.Lock()
	spans := append([]lifespan(nil), s.lifespans...)
	s.mu.Unlock()
	for _, sp := range spans {
		stop, err := s.runStart(ctx, sp)
		if err != nil {
			stopErr := s.stopAll(ctx)
			l.phase.CompareAndSwap(phaseStarting, phaseCreated)
			return errors.Join(fmt.Errorf("starting %s: %w", sp.name, err), stopErr)
		}
		if stop != nil {
			l.stops = append(l.stops, stop)
		}
	}
	l.started = true
	// Providers may have come alive in their lifespans: list them again.
	s.mu.Lock()
	for _, src := range s.sources {
		src.mu.Lock()
		src.dirty = true
		src.mu.Unlock()
	}
	s.mu.Unlock()
	s.rebuild(ctx, s.snap.Load() != nil)
	l.phase.CompareAndSwap(phaseStarting, phaseReady)
	return nil
}

// startLate starts a lifespan added while the server runs.
func (s *Server) startLate(start LifespanFunc) error {
	stop, err := start(context.Background())
	if err != nil {
		return err
	}
	if stop != nil {
		s.life.mu.Lock()
		s.life.stops = append(s.life.stops, stop)
		s.life.mu.Unlock()
	}
	return nil
}

// Lifespan lets a lifespan value start late like a provider.
func (l lifespan) Lifespan(ctx context.Context) (func(context.Context) error, error) {
	return l.start(ctx)
}

// runStart starts one lifespan, containing a panic.
func (s *Server) runStart(ctx context.Context, sp lifespan) (stop func(context.Context) error, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return sp.start(ctx)
}

// Close stops the lifespans in reverse order of starting and reports
// their errors together. Closing twice does nothing.
func (s *Server) Close(ctx context.Context) error {
	l := &s.life
	l.mu.Lock()
	defer l.mu.Unlock()
	l.phase.Store(phaseStopped)
	if l.closed || !l.started {
		l.closed = true
		return nil
	}
	l.closed = true
	return s.stopAll(ctx)
}

// stopAll runs and forgets the stop functions, last first. l.mu is held.
func (s *Server) stopAll(ctx context.Context) error {
	l := &s.life
	var errs []error
	for i := len(l.stops) - 1; i >= 0; i-- {
		func() {
			defer func() {
				if v := recover(); v != nil {
					errs = append(errs, fmt.Errorf("lifespan stop panicked: %v", v))
				}
			}()
			if err := l.stops[i](ctx); err != nil {
				errs = append(errs, err)
			}
		}()
	}
	l.stops = nil
	return errors.Join(errs...)
}
