package runtime

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The runtime's own path on stdio (hot.go).
//
// The line filter reads every line before go-sdk does. A request of a hot
// method on a session go-sdk has initialized is answered here instead: it
// runs on its own goroutine (go-sdk runs calls concurrently too), in a
// context cancelled by notifications/cancelled or when the input ends, and
// its response goes out through the writer go-sdk writes with, under its
// lock. Everything a call does through its session (progress, log
// messages, elicitation, sampling and roots for clients before
// 2026-07-28) goes through go-sdk's session over the same writer, before
// the response. Lines the runtime does not answer pass to go-sdk
// unchanged, the cancellation of one of its calls included.

// stdioHot is the runtime's own path on one stdio session.
type stdioHot struct {
	s   *Server
	out *lockedWriter
	ss  atomic.Pointer[mcp.ServerSession] // go-sdk's session, once it exists

	// base is the context of the calls: cancelled when the input ends, as
	// go-sdk then cancels its own.
	base   context.Context
	cancel context.CancelFunc
	ended  atomic.Bool // the input ended: no more answers, as go-sdk writes none

	mu     sync.Mutex
	closed bool
	calls  map[string]*hotCall // in flight, by canonical id
	wg     sync.WaitGroup      // the calls
	// work hands a call to an idle worker. Workers outlive their calls,
	// so that their stacks, grown by the first calls, need not grow again
	// for every call (a fresh goroutine per call spent a third of the time
	// growing its stack); there are at most as many as calls in flight at
	// once (Options.MaxInFlight), and at most maxIdleWorkers between
	// bursts.
	work chan func()
	idle atomic.Int32 // workers waiting for a call
	// takeover starts another goroutine reading the input (start).
	takeover func()
}

// hotCall is a call in flight.
type hotCall struct{ cancel context.CancelFunc }

func newStdioHot(s *Server, out *lockedWriter) *stdioHot {
	h := &stdioHot{s: s, out: out, calls: map[string]*hotCall{}, work: make(chan func())}
	h.base, h.cancel = context.WithCancel(context.Background())
	return h
}

// eligible returns the session to answer m on, or nil if go-sdk must: the
// session is not initialized, or was initialized in the other era (go-sdk
// records a 2026-07-28 client's first request as its initialization).
func (h *stdioHot) eligible(m *hotMsg) *mcp.ServerSession {
	ss := h.ss.Load()
	if ss == nil {
		return nil
	}
	ip := ss.InitializeParams()
	if ip == nil || m.modern != (ip.ProtocolVersion >= statelessVersion) {
		return nil
	}
	return ss
}

// inlineGrace is how long the reading goroutine runs a call itself before
// it hands reading to another goroutine.
const inlineGrace = 500 * time.Microsecond

// start answers m, admitted as in flight. It reports whether the session
// goes on, and whether the calling goroutine must stop reading (yielded):
// another one reads the input now.
//
// When m is the only call in flight (a client that waits for each
// answer), the reading goroutine runs it itself: handing it to another
// goroutine costs a wake-up per call, which is most of a call's latency
// between two processes. If the call runs longer than inlineGrace, the
// input must not wait for it (a cancellation, the client's answer to an
// elicitation, further requests are behind it): another goroutine takes
// over reading, and this one stops reading once the call is answered.
// Calls that arrive while others are in flight run on workers, in
// parallel.
func (h *stdioHot) start(m *hotMsg, ss *mcp.ServerSession) (goOn, yielded bool) {
	ctx, cancel := context.WithCancel(h.base)
	c := &hotCall{cancel: cancel}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		cancel()
		return false, false
	}
	h.calls[m.key] = c
	alone := len(h.calls) == 1 && h.takeover != nil
	h.wg.Add(1)
	h.mu.Unlock()
	call := func() {
		defer h.wg.Done()
		defer cancel()
		if m.modern {
			// go-sdk gives a 2026-07-28 request the log level of its own
			// _meta, which the runtime's path takes none with: no log
			// messages.
			ctx = withNotes(ctx, &callNotes{})
		}
		var resp []byte
		if err := context.Cause(ctx); err != nil {
			// Cancelled before it started: go-sdk answers such a call with
			// the cancellation, without running it.
			resp, _ = h.s.appendResponse(nil, m, nil, err)
		} else {
			extra := &mcp.RequestExtra{Header: http.Header{stdioIDKey: {m.idText()}}}
			resp, _ = h.s.serveHot(ctx, m, m.sdkRequest(ss, extra))
		}
		h.mu.Lock()
		if h.calls[m.key] == c {
			delete(h.calls, m.key) // before the answer: the client may reuse the id at once
		}
		h.mu.Unlock()
		h.out.writeAnswer(append(resp, '\n'), &h.ended)
	}
	if alone {
		var state atomic.Int32 // 0 running, 1 answered, 2 reading handed over
		t := time.AfterFunc(inlineGrace, func() {
			if state.CompareAndSwap(0, 2) {
				h.takeover()
			}
		})
		call()
		t.Stop()
		return true, !state.CompareAndSwap(0, 1)
	}
	select {
	case h.work <- call: // an idle worker takes it
	default:
		go h.worker(call)
	}
	return true, false
}

// maxIdleWorkers is how many workers wait for calls between bursts; the
// others end when they find none.
const maxIdleWorkers = 8

// worker runs calls until it finds none and enough others wait, or the
// input ends.
func (h *stdioHot) worker(call func()) {
	for {
		call()
		if h.idle.Add(1) > maxIdleWorkers {
			h.idle.Add(-1)
			return
		}
		select {
		case call = <-h.work:
			h.idle.Add(-1)
		case <-h.base.Done():
			h.idle.Add(-1)
			return
		}
	}
}

// cancelled cancels the call a notifications/cancelled names, if it is
// one of the runtime's.
func (h *stdioHot) cancelled(msg []byte) {
	id, ok := cancelledID(msg)
	if !ok {
		return
	}
	h.mu.Lock()
	c := h.calls[id]
	h.mu.Unlock()
	if c != nil {
		c.cancel()
	}
}

// cancelledID returns the canonical id of the request a
// notifications/cancelled names.
func cancelledID(msg []byte) (string, bool) {
	var d codec.Decoder
	d.Reset(msg)
	if d.BeginObject() != nil {
		return "", false
	}
	for {
		key, more, err := d.NextKey()
		if err != nil || !more {
			return "", false
		}
		if string(key) != "params" {
			if d.Skip() != nil {
				return "", false
			}
			continue
		}
		if d.BeginObject() != nil {
			return "", false
		}
		for {
			key, more, err := d.NextKey()
			if err != nil || !more {
				return "", false
			}
			if string(key) == "requestId" {
				raw, err := d.ReadRaw()
				if err != nil {
					return "", false
				}
				return canonicalID(raw)
			}
			if d.Skip() != nil {
				return "", false
			}
		}
	}
}

// endInput cancels the calls in flight and drops their answers: the input
// ended, and go-sdk does the same with its own.
func (h *stdioHot) endInput() {
	h.ended.Store(true)
	h.cancel()
}

// close ends the path and waits for its calls to return, as go-sdk waits
// for its own before its session ends.
func (h *stdioHot) close() {
	h.endInput()
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.wg.Wait()
}
