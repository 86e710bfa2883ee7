package runtime

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"
)

// Health and graceful shutdown.
//
// A server goes through phases: created, starting (Start is running the
// lifespans), ready, draining (Shutdown began) and stopped (Close ran).
// Readiness is true only when ready. ListenAndServe serves HTTP from the
// moment it listens, so that probes are answered while the lifespans
// start: /healthz (liveness) says the process serves, /readyz
// (readiness) whether it should get traffic, and /mcp answers 503 until
// the server is ready.
//
// Shutdown drains: readiness turns false at once, HTTP requests that
// would start something (a JSON-RPC request, a new stream) get 503, while
// what belongs to work in flight still passes (responses to the server's
// own requests, notifications such as cancellations, a session's DELETE);
// the calls in flight get Options.ShutdownTimeout to finish; then every
// session closes, and the lifespans stop.

// Server phases.
const (
	phaseCreated int32 = iota
	phaseStarting
	phaseReady
	phaseDraining
	phaseStopped
)

// DefaultShutdownTimeout is how long calls in flight may take to finish
// when the server shuts down, unless Options.ShutdownTimeout says
// otherwise.
const DefaultShutdownTimeout = 10 * time.Second

// Ready reports whether the server should get traffic: its lifespans have
// started (Start) and it is not shutting down (Shutdown, Close).
func (s *Server) Ready() bool { return s.life.phase.Load() == phaseReady }

// LivenessHandler answers a liveness probe: 200 {"status":"ok"} as long as
// the process serves HTTP. ListenAndServe serves it at /healthz.
func (s *Server) LivenessHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeHealth(w, r, http.StatusOK, "ok")
	})
}

// ReadinessHandler answers a readiness probe: 200 {"status":"ok"} when the
// server is Ready, otherwise 503 with the status "not started",
// "starting" (the lifespans are starting) or "stopping" (Shutdown began).
// ListenAndServe serves it at /readyz.
func (s *Server) ReadinessHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch s.life.phase.Load() {
		case phaseReady:
			writeHealth(w, r, http.StatusOK, "ok")
		case phaseCreated:
			writeHealth(w, r, http.StatusServiceUnavailable, "not started")
		case phaseStarting:
			writeHealth(w, r, http.StatusServiceUnavailable, "starting")
		default:
			writeHealth(w, r, http.StatusServiceUnavailable, "stopping")
		}
	})
}

func writeHealth(w http.ResponseWriter, r *http.Request, status int, text string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method == http.MethodGet {
		w.Write([]byte(`{"status":"` + text + `"}` + "\n"))
	}
}

// shutdownTimeout is Options.ShutdownTimeout or its default.
func (s *Server) shutdownTimeout() time.Duration {
	if s.opts.ShutdownTimeout > 0 {
		return s.opts.ShutdownTimeout
	}
	return DefaultShutdownTimeout
}

// Shutdown stops the server gracefully: readiness turns false and HTTP
// requests that would start something new get 503 (see health.go), the
// requests in flight may finish until ctx is done, then every session is
// closed and the lifespans stop (Close). It returns ctx's error if calls
// were still in flight when ctx ended, joined with Close's. ListenAndServe
// and Run call it on their own (with Options.ShutdownTimeout); a program
// that serves Handler itself calls it before shutting its http.Server
// down.
func (s *Server) Shutdown(ctx context.Context) error {
	s.drain()
	err := s.waitCalls(ctx)
	s.closeSessions()
	return errors.Join(err, s.Close(context.WithoutCancel(ctx)))
}

// drain turns readiness false and starts refusing new requests.
func (s *Server) drain() {
	for {
		ph := s.life.phase.Load()
		if ph >= phaseDraining || s.life.phase.CompareAndSwap(ph, phaseDraining) {
			return
		}
	}
}

// waitCalls waits until no HTTP request is in flight, or ctx is done.
func (s *Server) waitCalls(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for s.calls.Load() > 0 {
		select {
		case <-ctx.Done():
			s.log.Warn("shutdown deadline passed with requests in flight; they are cancelled", "requests", s.calls.Load())
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// closeSessions closes every session, which ends their streams.
func (s *Server) closeSessions() {
	for ss := range s.mcp.Sessions() {
		ss.Close()
	}
}

// Answers to HTTP requests a server does not take in its phase.
const (
	msgStarting = "Server starting: retry shortly"
	msgStopping = "Server shutting down: retry, on another replica if there is one"
)

// refuse answers 503 with a JSON-RPC "server busy" error and Retry-After.
func refuse(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", "1")
	writeRPCError(w, http.StatusServiceUnavailable, codeServerBusy, msg)
}

// refuseNonPost answers a GET (a new stream) while the server starts or
// drains, and reports whether it did; a DELETE, which ends a session,
// always passes.
func (s *Server) refuseNonPost(w http.ResponseWriter, r *http.Request) bool {
	switch ph := s.life.phase.Load(); {
	case ph == phaseStarting:
		refuse(w, msgStarting)
		return true
	case ph >= phaseDraining && r.Method != http.MethodDelete:
		refuse(w, msgStopping)
		return true
	}
	return false
}

// admitPost counts a POST among the requests in flight (the caller
// subtracts it from s.calls when answered) and reports true, or answers
// it with 503 and reports false: while the server starts, and while it
// drains for a body that would start something new.
func (s *Server) admitPost(w http.ResponseWriter, body []byte) bool {
	s.calls.Add(1)
	switch ph := s.life.phase.Load(); {
	case ph == phaseStarting:
		s.calls.Add(-1)
		refuse(w, msgStarting)
		return false
	case ph >= phaseDraining && startsWork(body):
		s.calls.Add(-1)
		refuse(w, msgStopping)
		return false
	}
	return true
}

// startsWork reports whether a POST body holds a JSON-RPC request (a
// message with a method and an id), or a batch with one: something a
// draining server does not start. Responses and notifications belong to
// work already going on.
func startsWork(body []byte) bool {
	b := bytes.TrimSpace(body)
	if len(b) > 0 && b[0] == '[' {
		msgs, _ := messagesOf(b)
		for _, m := range msgs {
			if m.request && m.id != "" {
				return true
			}
		}
		return false
	}
	id, request, _ := idAndKind(b)
	return request && id != nil
}
