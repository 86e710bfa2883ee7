package runtime

import (
	"sync"
	"sync/atomic"
)

// abandonedCalls counts tool calls whose timeout passed while their
// handler, ignoring its context, went on running: each holds a goroutine
// and whatever it allocated until it returns.
type abandonedCalls struct {
	total  atomic.Int64
	byTool sync.Map // tool name -> *atomic.Int64
}

func (a *abandonedCalls) counter(tool string) *atomic.Int64 {
	if c, ok := a.byTool.Load(tool); ok {
		return c.(*atomic.Int64)
	}
	c, _ := a.byTool.LoadOrStore(tool, new(atomic.Int64))
	return c.(*atomic.Int64)
}

func (a *abandonedCalls) add(tool string, n int64) {
	a.counter(tool).Add(n)
	a.total.Add(n)
}

// AbandonedCalls returns the number of calls of the named tool ("" for
// every tool) that are still running after their timeout: their handlers
// ignore their context. Past Options.MaxAbandonedCalls for a tool, its new
// calls are refused.
func (s *Server) AbandonedCalls(tool string) int {
	if tool == "" {
		return int(s.abandoned.total.Load())
	}
	return int(s.abandoned.counter(tool).Load())
}

func (s *Server) maxAbandoned() int64 {
	switch {
	case s.opts.MaxAbandonedCalls < 0:
		return 0
	case s.opts.MaxAbandonedCalls == 0:
		return DefaultMaxAbandonedCalls
	}
	return int64(s.opts.MaxAbandonedCalls)
}

// refuseAbandoned returns the error result for a call of a tool with too
// many abandoned calls, or nil.
func (s *Server) refuseAbandoned(t *Tool) *CallToolResult {
	max := s.maxAbandoned()
	if max == 0 {
		return nil
	}
	if n := s.abandoned.counter(t.Name).Load(); n >= max {
		return toolFailure("tool %q is unavailable: %d of its calls are still running after their %v timeout; try again later", t.Name, n, t.Timeout)
	}
	return nil
}
