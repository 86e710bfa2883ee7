package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The HTTP guard stands in front of go-sdk's streamable HTTP handler and
// the fast path. Before either sees a request it checks the Origin, bounds
// and reads the body, refuses what is not a JSON-RPC message with 400 and
// a JSON-RPC error (go-sdk answers in plain text, and some input go-sdk
// would take the guard refuses: nesting deeper than go-sdk's limit), refuses
// new sessions beyond Options.MaxSessions, bounds each write, and ties the
// handlers of the request to its connection.

// httpGuard is the handler Server.Handler returns.
type httpGuard struct {
	s    *Server
	next http.Handler  // go-sdk's handler
	fast *fastHandler  // nil without the fast path
	hot  *httpSessions // stateful sessions the runtime answers on (hothttp.go); nil without

	maxBody       int64
	maxBodyMemory int64
	bodyMemory    atomic.Int64 // drawn by bodies being read
	writeTimeout  time.Duration
	origins       map[string]bool // allowed besides the request's own host
	anyOrigin     bool
	opening       atomic.Int64 // requests that may open a session, in progress
}

func (s *Server) newGuard(next http.Handler) *httpGuard {
	g := &httpGuard{s: s, next: next, maxBody: s.maxBody(), writeTimeout: orDefault(s.opts.WriteTimeout, DefaultWriteTimeout), origins: map[string]bool{}}
	g.maxBodyMemory = s.opts.MaxBodyMemory
	if g.maxBodyMemory == 0 {
		g.maxBodyMemory = DefaultMaxBodyMemory
	}
	if g.maxBodyMemory < 0 {
		g.maxBodyMemory = 1<<63 - 1
	}
	for _, o := range s.opts.AllowedOrigins {
		if o == "*" {
			g.anyOrigin = true
		}
		g.origins[strings.ToLower(strings.TrimRight(o, "/"))] = true
	}
	return g
}

func (s *Server) maxBody() int64 {
	if s.opts.MaxBodyBytes > 0 {
		return s.opts.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

// orDefault returns d for zero, zero for a negative value (no limit), and
// v otherwise.
func orDefault(v, d time.Duration) time.Duration {
	switch {
	case v == 0:
		return d
	case v < 0:
		return 0
	}
	return v
}

func (g *httpGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.originAllowed(r) {
		writeRPCError(w, http.StatusForbidden, codeInvalidRequest, fmt.Sprintf("Forbidden: requests from origin %q are not allowed", r.Header.Get("Origin")))
		return
	}
	dl := deadlinesOf(w)
	if g.writeTimeout > 0 {
		// No deadline while the handler works; each write gets its own.
		dl.SetWriteDeadline(time.Time{})
		w = &deadlineWriter{ResponseWriter: w, dl: dl, timeout: g.writeTimeout}
	}
	if r.Method != http.MethodPost || r.Body == nil {
		if g.s.refuseNonPost(w, r) {
			return
		}
		dl.SetReadDeadline(time.Time{}) // a GET stream lasts as long as it lasts
		if sid := r.Header.Get("Mcp-Session-Id"); r.Method == http.MethodGet && sid != "" && r.Header.Get("Last-Event-ID") == "" {
			// The session's standalone stream: the runtime's own
			// notifications to the session go on it too (NotifySession),
			// once go-sdk accepted it (a second GET gets 409 and takes
			// nothing from the first).
			sw := newSSEWriter(w)
			release := func() {}
			sw.started = func() { release = g.s.holdStream(sid, sw) }
			defer func() {
				sw.mu.Lock()
				stop := release
				sw.mu.Unlock()
				stop()
			}()
			defer sw.end()
			w = sw
		}
		if g.hot != nil && r.Method == http.MethodDelete {
			if e := g.hot.lookup(r.Header.Get("Mcp-Session-Id")); e != nil {
				sw := &statusWriter{ResponseWriter: w}
				g.next.ServeHTTP(sw, r)
				if sw.status == http.StatusNoContent {
					g.hot.forget(e) // the client ended the session
				}
				return
			}
		}
		g.next.ServeHTTP(w, r)
		return
	}
	if r.ContentLength > g.maxBody {
		writeRPCError(w, http.StatusRequestEntityTooLarge, codeInvalidRequest, fmt.Sprintf("Invalid Request: body of %d bytes exceeds the limit of %d", r.ContentLength, g.maxBody))
		return
	}
	body, reserved, err := g.readBody(w, r)
	defer g.bodyMemory.Add(-reserved)
	if err != nil {
		var tooLarge *http.MaxBytesError
		var netErr net.Error
		switch {
		case errors.As(err, &tooLarge):
			writeRPCError(w, http.StatusRequestEntityTooLarge, codeInvalidRequest, fmt.Sprintf("Invalid Request: body exceeds the limit of %d bytes", g.maxBody))
		case errors.Is(err, errBodyMemory):
			writeRPCError(w, http.StatusServiceUnavailable, codeServerBusy, "Server busy: too many large request bodies at once; retry later")
		case errors.As(err, &netErr) && netErr.Timeout():
			writeRPCError(w, http.StatusRequestTimeout, codeInvalidRequest, "Invalid Request: the body did not arrive in time")
		default:
			writeRPCError(w, http.StatusBadRequest, codeInvalidRequest, "Invalid Request: the body could not be read")
		}
		return
	}
	// The body is in: the rest of the exchange (an SSE stream, a slow tool)
	// is bounded by the handler, not by the server's read timeout, which
	// would otherwise cancel the request when it fires.
	dl.SetReadDeadline(time.Time{})
	if len(bytes.TrimSpace(body)) == 0 {
		writeRPCError(w, http.StatusBadRequest, codeParseError, "Parse error: the body is empty")
		return
	}
	if !g.s.admitPost(w, body) {
		return // starting, or draining
	}
	defer g.s.calls.Add(-1)
	deep := tooDeep(body)
	if !deep {
		if id, je := g.s.checkParamHeaders(r, body); je != nil {
			writeRPCError(w, http.StatusBadRequest, int(je.Code), je.Message, id)
			return
		}
	}
	// The fast paths parse strictly (what they take is a well-formed
	// message), so only the nesting limit is checked before them.
	if g.fast != nil && !deep && g.fast.serveBody(w, r, body) {
		return
	}
	if sid := r.Header.Get("Mcp-Session-Id"); g.hot != nil && !deep && sid != "" {
		if e := g.hot.lookup(sid); e != nil {
			served, done := g.hot.post(w, r, body, e)
			if served {
				return
			}
			defer done()
		}
	}
	if bad := checkMessage(body); bad != nil {
		writeRPCError(w, http.StatusBadRequest, bad.code, bad.msg, bad.id)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if g.opensSession(r, body) {
		defer g.opening.Add(-1)
		if max := g.s.maxSessions(); max > 0 && g.s.liveSessions()+int(g.opening.Load()) > max {
			writeRPCError(w, http.StatusServiceUnavailable, codeServerBusy, fmt.Sprintf("Server busy: %d sessions are open, the most this server keeps; retry later", max))
			return
		}
		if g.hot != nil {
			var slot *initSlot
			r, slot = g.hot.opening(r)
			defer g.hot.opened(w, r, slot)
		}
	}
	entry := &connEntry{r: r, id: messageID(body), task: taskParam(body)}
	if entry.listen = listenOf(body); entry.listen != nil {
		sw := newSSEWriter(w)
		entry.out = newQueuedOut(sw, listenQueue)
		w = sw
		defer entry.out.close()
		defer sw.end()
	}
	defer g.s.conns.trackEntry(entry)()
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '{' && (g.s.opts.Stateless || r.Header.Get("Mcp-Session-Id") != "") {
		if bad := checkParams(trimmed); bad != nil {
			// As go-sdk answers a request it took: a JSON-RPC error, 200
			// (400 under 2026-07-28, as for its own invalid params).
			status := http.StatusOK
			if r.Header.Get("Mcp-Protocol-Version") >= statelessVersion {
				status = http.StatusBadRequest
			}
			writeRPCError(w, status, bad.code, bad.msg, bad.id)
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// statusWriter notes the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// freeBody is how much of each body is read without drawing on
// Options.MaxBodyMemory; bodyStep is how much more is drawn at a time.
const (
	freeBody = 64 << 10
	bodyStep = 256 << 10
)

var errBodyMemory = errors.New("request bodies use all of MaxBodyMemory")

// readBody reads r's body, at most maxBody bytes. Beyond its first 64 KiB,
// a body draws on the memory all bodies being read share (MaxBodyMemory),
// so that many large bodies at once cannot exhaust memory; reserved is what
// it drew, to give back when the request is done.
func (g *httpGuard) readBody(w http.ResponseWriter, r *http.Request) (body []byte, reserved int64, err error) {
	if n := r.ContentLength; n >= 0 && n <= g.maxBody {
		// net/http holds the body to its Content-Length.
		if n > freeBody {
			reserved = (n - freeBody + bodyStep - 1) / bodyStep * bodyStep
			if g.bodyMemory.Add(reserved) > g.maxBodyMemory {
				g.bodyMemory.Add(-reserved)
				return nil, 0, errBodyMemory
			}
		}
		body = make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, reserved, err
		}
		return body, reserved, nil
	}
	rd := http.MaxBytesReader(w, r.Body, g.maxBody)
	size := int64(4 << 10)
	if r.ContentLength > 0 {
		size = r.ContentLength + 1 // room to see the end
	}
	for {
		if want := min(size, g.maxBody+1); want > freeBody+reserved {
			need := (want - freeBody - reserved + bodyStep - 1) / bodyStep * bodyStep
			if g.bodyMemory.Add(need) > g.maxBodyMemory {
				g.bodyMemory.Add(-need)
				return nil, reserved, errBodyMemory
			}
			reserved += need
		}
		if int64(cap(body)) < size {
			grown := make([]byte, len(body), min(size, g.maxBody+1))
			copy(grown, body)
			body = grown
		}
		n, err := rd.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if err == io.EOF {
			return body, reserved, nil
		}
		if err != nil {
			return nil, reserved, err
		}
		if len(body) == cap(body) {
			size = 2 * int64(cap(body))
		}
	}
}

// opensSession reports whether a POST may open a stateful session (an
// initialize without a session id), counting it among those in progress.
func (g *httpGuard) opensSession(r *http.Request, body []byte) bool {
	if g.s.opts.Stateless || r.Header.Get("Mcp-Session-Id") != "" || !bytes.Contains(body, []byte(`"initialize"`)) {
		return false
	}
	g.opening.Add(1)
	return true
}

// originAllowed validates the Origin header, as the MCP specification
// requires: a request without one (not from a browser) passes, as does one
// from the origin it is addressed to or from an allowed origin.
func (g *httpGuard) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || g.anyOrigin {
		return true
	}
	if g.origins[strings.ToLower(strings.TrimRight(origin, "/"))] {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// writeRPCError answers with a JSON-RPC error and an HTTP status.
func writeRPCError(w http.ResponseWriter, status, code int, msg string, id ...[]byte) {
	var rid []byte
	if len(id) > 0 {
		rid = id[0]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(errorResponse(rid, code, msg))
}

// deadliner sets a connection's deadlines: net/http's ResponseWriter does,
// and a ResponseController finds them through wrappers.
type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

func deadlinesOf(w http.ResponseWriter) deadliner {
	if d, ok := w.(deadliner); ok {
		return d
	}
	return http.NewResponseController(w)
}

// deadlineWriter gives each write of a response its own deadline, so that
// a client that stops reading cannot hold a handler forever, while an SSE
// stream or a slow tool may take as long as it needs between writes.
type deadlineWriter struct {
	http.ResponseWriter
	dl      deadliner
	timeout time.Duration
}

func (d *deadlineWriter) extend() { d.dl.SetWriteDeadline(time.Now().Add(d.timeout)) }

func (d *deadlineWriter) WriteHeader(code int) {
	d.extend()
	d.ResponseWriter.WriteHeader(code)
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	d.extend()
	return d.ResponseWriter.Write(p)
}

func (d *deadlineWriter) FlushError() error {
	d.extend()
	if f, ok := d.ResponseWriter.(interface{ FlushError() error }); ok {
		return f.FlushError()
	}
	return http.NewResponseController(d.ResponseWriter).Flush()
}

func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// connections ties go-sdk's handlers to the HTTP requests that carried
// them. go-sdk detaches a handler's context from the request before
// protocol 2026-07-28, so a client that goes away leaves its handlers
// running. Each request's handlers see its header map (RequestExtra.Header
// is the request's own), which keys the request's context here; the
// receiving middleware cancels a handler when that context ends. Without
// an event store (Options.EventStore) a response whose request is gone can
// never be delivered, so nothing is lost; with one, a session's handlers
// run on, since the client may resume the stream (see resumable).
type connections struct {
	mu   sync.Mutex
	byHd map[unsafe.Pointer]*connEntry
}

// connEntry is what the guard recorded of one HTTP request: the request,
// and the JSON-RPC id of the message it carried ("" for a notification,
// a response or a batch).
type connEntry struct {
	r    *http.Request
	id   string
	task []byte // the params.task of a tools/call (SEP-1686), which go-sdk drops
	// listen is the params.notifications of a subscriptions/listen, which
	// go-sdk's params type trims to its own members, and out its response,
	// onto which the runtime writes the plug-ins' notifications (notify.go).
	listen []byte
	out    *queuedOut
}

// keyOf is the identity of a header map.
func keyOf(h http.Header) unsafe.Pointer { return reflect.ValueOf(h).UnsafePointer() }

// track records r, which carried the message with JSON-RPC id id, until
// the returned function is called. A request that ended early (the client
// went away) stays recorded a while, for handlers that start after it
// ended.
func (c *connections) track(r *http.Request, id string, task []byte) func() {
	return c.trackEntry(&connEntry{r: r, id: id, task: task})
}

// trackEntry records e, of the request e.r, as track does.
func (c *connections) trackEntry(e *connEntry) func() {
	r := e.r
	if r.Header == nil {
		return func() {}
	}
	key, ctx := keyOf(r.Header), r.Context()
	hd := r.Header
	c.mu.Lock()
	if c.byHd == nil {
		c.byHd = map[unsafe.Pointer]*connEntry{}
	}
	c.byHd[key] = e
	c.mu.Unlock()
	return func() {
		forget := func() {
			c.mu.Lock()
			if c.byHd[key] == e {
				delete(c.byHd, key)
			}
			c.mu.Unlock()
			_ = hd // the map stays alive, so its address is not reused, while recorded
		}
		if ctx.Err() != nil {
			time.AfterFunc(5*time.Second, forget)
			return
		}
		forget()
	}
}

// bind returns ctx cancelled also when the HTTP request that carried a
// request with header h ends, and a function to release it.
func (c *connections) bind(ctx context.Context, h http.Header) (context.Context, func()) {
	if h == nil {
		return ctx, func() {}
	}
	e := c.lookup(h)
	if e == nil {
		return ctx, func() {}
	}
	hctx := e.r.Context()
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(hctx, func() { cancel(errClientGone) })
	return ctx, func() { stop(); cancel(nil) }
}

// lookup returns what track recorded for the request with header map h,
// or nil.
func (c *connections) lookup(h http.Header) *connEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byHd[keyOf(h)]
}

var errClientGone = errors.New("the client's HTTP request ended")

// maxSessions is the cap on live sessions; 0 means none.
func (s *Server) maxSessions() int {
	switch {
	case s.opts.MaxSessions < 0:
		return 0
	case s.opts.MaxSessions == 0:
		return DefaultMaxSessions
	}
	return s.opts.MaxSessions
}

// liveSessions counts the open stateful HTTP sessions.
func (s *Server) liveSessions() int {
	n := 0
	for ss := range s.mcp.Sessions() {
		// Only stateful HTTP sessions have an id: go-sdk's per-request
		// sessions (2026-07-28, stateless) and stdio's do not count.
		if ss.ID() != "" {
			n++
		}
	}
	return n
}
