package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Notifications of the runtime's own. go-sdk sends a server's
// notifications only for the methods it knows, so those of plug-ins (the
// task status notifications of runtime/tasks) are written by the runtime
// onto the stream that carries the session's or the subscription's
// messages: the stdio writer, or, on HTTP, an SSE event written whole
// between go-sdk's own on the same response.

// ErrNoStream is returned when a notification has no stream to go on: the
// session is not held by this process, its client has no SSE stream open
// (stateful HTTP without a GET), or the stream ended.
var ErrNoStream = errors.New("runtime: no stream to send the notification on")

// ErrQueueFull is returned when a stream's client reads so slowly that as
// many notifications as its queue holds wait already: this one is
// dropped, the stream goes on.
var ErrQueueFull = errors.New("runtime: the client reads slowly; notification dropped")

// outbound writes whole JSON-RPC messages onto a stream go-sdk writes to.
type outbound interface {
	writeMessage(msg []byte) error
}

// NotifySession sends the notification method (a "notifications/..."
// method) with params to the session sessionID (Request.SessionID), if this
// process holds it: on stdio as a line; on stateful HTTP as an event on
// the session's standalone SSE stream (the client's GET). It returns
// ErrNoStream when there is no such stream here, and ErrQueueFull when the
// client reads too slowly: notifications are advisory, and clients that
// need to know poll. It never waits for the client, and it applies no log
// level: a notifications/message sent with it goes whatever level the
// client set (runtime.Log in a task checks the level first).
func (s *Server) NotifySession(sessionID, method string, params any) error {
	if !strings.HasPrefix(method, "notifications/") {
		return fmt.Errorf("runtime: NotifySession of %q, which is not a notification", method)
	}
	v, ok := s.outs.Load(sessionID)
	if !ok || sessionID == "" {
		return ErrNoStream
	}
	msg, err := notification(method, params, nil)
	if err != nil {
		return err
	}
	return v.(outbound).writeMessage(msg)
}

// notification encodes a JSON-RPC notification; meta, if not nil, is
// merged into params._meta.
func notification(method string, params any, meta map[string]any) ([]byte, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("runtime: encoding the params of %s: %w", method, err)
	}
	if len(meta) > 0 {
		if p, err = mergeMeta(p, meta); err != nil {
			return nil, fmt.Errorf("runtime: the params of %s: %w", method, err)
		}
	}
	return json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		Method  string          `json:"method"`
		Params  json.RawMessage `json:"params,omitempty"`
	}{"2.0", method, p})
}

// mergeMeta adds meta to the _meta of the JSON object params.
func mergeMeta(params []byte, meta map[string]any) ([]byte, error) {
	m := map[string]json.RawMessage{}
	if len(params) > 0 && string(params) != "null" {
		if err := json.Unmarshal(params, &m); err != nil {
			return nil, errors.New("params must be a JSON object")
		}
	}
	old := map[string]any{}
	if raw, ok := m["_meta"]; ok {
		json.Unmarshal(raw, &old)
	}
	for k, v := range meta {
		old[k] = v
	}
	js, err := json.Marshal(old)
	if err != nil {
		return nil, err
	}
	m["_meta"] = js
	return json.Marshal(m)
}

// sseWriter is a response go-sdk writes SSE events to (it writes each
// event whole), onto which the runtime writes its own between them. Every
// write and flush holds mu: a ResponseWriter is not safe for concurrent
// use.
type sseWriter struct {
	http.ResponseWriter
	mu      sync.Mutex
	decided bool // the status is written
	sse     bool // go-sdk answered 200 with an event stream
	ended   bool // the handler returned, or a write failed
	// started, if set, is called (mu held) when go-sdk starts the event
	// stream.
	started func()
}

func newSSEWriter(w http.ResponseWriter) *sseWriter { return &sseWriter{ResponseWriter: w} }

// decide notes the status go-sdk answers with; mu is held.
func (w *sseWriter) decide(code int) {
	if !w.decided {
		w.decided = true
		w.sse = code == http.StatusOK && strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream")
		if w.sse && w.started != nil {
			w.started()
		}
	}
}

func (w *sseWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.decide(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *sseWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.decide(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

func (w *sseWriter) FlushError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.decide(http.StatusOK)
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *sseWriter) Flush() { w.FlushError() }

func (w *sseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeMessage writes msg as an SSE event, once go-sdk has started the
// event stream and until the handler returns.
func (w *sseWriter) writeMessage(msg []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.sse || w.ended {
		return ErrNoStream
	}
	ev := make([]byte, 0, len(msg)+24)
	ev = append(ev, "event: message\ndata: "...)
	ev = append(ev, msg...)
	ev = append(ev, "\n\n"...)
	if _, err := w.ResponseWriter.Write(ev); err != nil {
		w.ended = true
		return fmt.Errorf("%w: %v", ErrNoStream, err)
	}
	if err := http.NewResponseController(w.ResponseWriter).Flush(); err != nil {
		w.ended = true
		return fmt.Errorf("%w: %v", ErrNoStream, err)
	}
	return nil
}

// end stops the runtime's writes: the handler returns.
func (w *sseWriter) end() {
	w.mu.Lock()
	w.ended = true
	w.mu.Unlock()
}

// queuedOut writes to a stream from a goroutine of its own, started at
// the first message, so that a client that reads slowly holds up its own
// notifications only, never the sender's: at most size wait, and those
// beyond are dropped (ErrQueueFull; notifications are advisory). Messages go out
// in the order sent. A stream that carries none costs a few words.
type queuedOut struct {
	o    outbound
	size int // the queue's capacity
	mu   sync.Mutex
	ch   chan []byte  // made at the first message
	done atomic.Bool  // closed (set under mu): what still waits is dropped
	dead atomic.Bool  // a write failed: the stream is gone
	owed atomic.Int64 // messages taken and not yet written
}

// Queue sizes: a session's standalone stream, and a subscription's, which
// may carry the states of up to a hundred tasks at once and then their
// ends.
const (
	sessionQueue = 64
	listenQueue  = 512
)

func newQueuedOut(o outbound, size int) *queuedOut { return &queuedOut{o: o, size: size} }

func (q *queuedOut) writeMessage(msg []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.done.Load() || q.dead.Load() {
		return ErrNoStream
	}
	if q.ch == nil {
		q.ch = make(chan []byte, q.size)
		go q.run(q.ch)
	}
	q.owed.Add(1)
	select {
	case q.ch <- msg:
		return nil
	default:
		q.owed.Add(-1)
		return fmt.Errorf("%w (%d wait)", ErrQueueFull, q.size)
	}
}

func (q *queuedOut) run(ch chan []byte) {
	for msg := range ch {
		if !q.dead.Load() && !q.done.Load() && q.o.writeMessage(msg) != nil {
			q.dead.Store(true)
		}
		q.owed.Add(-1)
	}
}

// flush waits, until ctx ends, for the messages taken to be written (or
// the stream to fail).
func (q *queuedOut) flush(ctx context.Context) {
	for q.owed.Load() > 0 && !q.dead.Load() && ctx.Err() == nil {
		time.Sleep(2 * time.Millisecond)
	}
}

// close ends the writer; what still waits is dropped.
func (q *queuedOut) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.done.Swap(true) && q.ch != nil {
		close(q.ch)
	}
}

// holdStream records o as the stream of session id's notifications until
// the returned function is called. A stream that ends gives the session
// back the one it replaced, if that one still runs.
func (s *Server) holdStream(id string, o outbound) func() {
	q := newQueuedOut(o, sessionQueue)
	if id == "" {
		return q.close
	}
	prev, _ := s.outs.Swap(id, q)
	return func() {
		q.close()
		if p, ok := prev.(*queuedOut); ok && !p.done.Load() && !p.dead.Load() {
			s.outs.CompareAndSwap(id, q, p)
			return
		}
		s.outs.CompareAndDelete(id, q)
	}
}

// Subscriptions (SEP-2575): a 2026-07-28 client opens a stream with
// subscriptions/listen, naming in params.notifications what it wants to
// hear of. go-sdk serves the members it knows (list changes, resource
// updates); plug-ins serve others (HandleListen: the tasks extension's
// taskIds). The acknowledgement go-sdk sends carries what each agreed
// to, and their notifications go on the same stream.

// A ListenHandler serves one member of the notifications of a
// subscriptions/listen request (HandleListen), with the member's value as
// sent. It returns what the server agrees to send (the member of the
// acknowledgement; nil agrees to nothing), or an error that fails the
// request before anything is acknowledged. Until ctx ends (the client
// closes the stream) or it calls l.Close, it may send notifications with
// l.Notify; the stream stays open while a handler's agreement holds.
type ListenHandler func(ctx context.Context, r *Request, value json.RawMessage, l *Listener) (agreed any, err error)

// The members go-sdk serves itself.
var sdkListenFields = map[string]bool{
	"toolsListChanged": true, "promptsListChanged": true, "resourcesListChanged": true, "resourceSubscriptions": true,
}

// HandleListen serves the member field of subscriptions/listen's
// notifications with h, on every transport that streams (stdio, HTTP).
// Call it while setting the server up.
func (s *Server) HandleListen(field string, h ListenHandler) error {
	if field == "" || h == nil {
		return errors.New("runtime: HandleListen needs a field and a handler")
	}
	if sdkListenFields[field] {
		return fmt.Errorf("runtime: HandleListen of %q, which go-sdk serves", field)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listens == nil {
		s.listens = map[string]ListenHandler{}
	}
	if _, dup := s.listens[field]; dup {
		return fmt.Errorf("runtime: HandleListen of %q twice", field)
	}
	s.listens[field] = h
	return nil
}

func (s *Server) listenHandlers() map[string]ListenHandler {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listens
}

// Listener is one handler's part of a subscription: the notifications it
// sends go on the subscription's stream.
type Listener struct {
	sub     *subscription
	counted bool // under sub.mu: among the open parts
	closed  bool // under sub.mu
}

// maxQueued bounds the notifications that wait for the acknowledgement.
const maxQueued = 256

// Notify sends the notification method with params on the subscription's
// stream, with the subscription's id in params._meta
// (io.modelcontextprotocol/subscriptionId). Notifications sent before the
// acknowledgement follow it (at most 256 wait). It returns ErrNoStream
// once the stream ended or the listener closed, and ErrQueueFull when the
// client reads too slowly (the notification is dropped, the stream goes
// on).
func (l *Listener) Notify(method string, params any) error {
	sub := l.sub
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if l.closed || sub.ended {
		return ErrNoStream
	}
	if !sub.acked {
		if len(sub.queue) >= maxQueued {
			return fmt.Errorf("%w: %d notifications wait for the acknowledgement", ErrQueueFull, maxQueued)
		}
		sub.queue = append(sub.queue, queued{method, params})
		return nil
	}
	return sub.write(method, params)
}

// Close ends the listener's part of the subscription: the stream closes
// when no part is left (go-sdk's own included). A handler may close its
// listener before it returns (it agreed to tasks that already ended): the
// agreement is acknowledged and the notifications it sent follow it, and
// then its part ends.
func (l *Listener) Close() {
	sub := l.sub
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	if l.counted {
		sub.open--
		select {
		case sub.changed <- struct{}{}:
		default:
		}
	}
}

// subscription is one subscriptions/listen request's stream.
type subscription struct {
	out    outbound
	agreed map[string]any // what the handlers agreed to, by member

	mu      sync.Mutex
	acked   bool
	ended   bool
	id      any // the listen request's id, from the acknowledgement
	queue   []queued
	open    int           // listeners with an agreement, not closed
	changed chan struct{} // signalled when open goes down
}

type queued struct {
	method string
	params any
}

// write sends one notification; mu is held.
func (sub *subscription) write(method string, params any) error {
	msg, err := notification(method, params, map[string]any{mcp.MetaKeySubscriptionID: sub.id})
	if err != nil {
		return err
	}
	if err := sub.out.writeMessage(msg); err != nil {
		if errors.Is(err, ErrNoStream) { // not ErrQueueFull: the stream goes on
			sub.ended = true
		}
		return err
	}
	return nil
}

// acknowledged is told that go-sdk sent the acknowledgement, with the
// subscription id it carries: the waiting notifications go out.
func (sub *subscription) acknowledged(id any) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.acked {
		return
	}
	sub.acked, sub.id = true, id
	for _, q := range sub.queue {
		if errors.Is(sub.write(q.method, q.params), ErrNoStream) {
			break
		}
	}
	sub.queue = nil
}

func (sub *subscription) end() {
	sub.mu.Lock()
	sub.ended = true
	sub.queue = nil
	sub.mu.Unlock()
}

type subscriptionKey struct{}

// listen serves a subscriptions/listen whose notifications name members
// that plug-ins serve: each handler agrees (or fails the request), go-sdk
// serves its own members and sends the acknowledgement, to which the
// sending middleware (ackWithPlugins) adds the handlers' agreements, and
// the request stays open while any agreement holds and the client
// listens.
func (s *Server) listen(ctx context.Context, next mcp.MethodHandler, method string, req mcp.Request) (mcp.Result, error) {
	handlers := s.listenHandlers()
	fields := s.listenFields(req)
	out, own := s.listenStream(req)
	if len(handlers) == 0 || fields == nil || out == nil {
		return next(ctx, method, req)
	}
	if extra := req.GetExtra(); extra != nil {
		var release func()
		ctx, release = s.conns.bind(ctx, extra.Header) // ends with the client's HTTP request
		defer release()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := s.fromSDK(method, req)
	r.srv, r.root = s, s
	sub := &subscription{out: out, agreed: map[string]any{}, changed: make(chan struct{}, 1)}
	defer sub.end()
	for _, name := range sortedKeys(fields) {
		h := handlers[name]
		if h == nil {
			continue
		}
		l := &Listener{sub: sub}
		agreed, err := s.callListen(withRequest(ctx, r), h, r, fields[name], l)
		if err != nil {
			return nil, s.wireError(ctx, r, err)
		}
		sub.mu.Lock()
		if agreed == nil {
			l.closed = true
		} else {
			sub.agreed[name] = agreed
			if !l.closed {
				l.counted = true
				sub.open++
			}
		}
		sub.mu.Unlock()
	}
	if len(sub.agreed) == 0 {
		return next(ctx, method, req)
	}
	res, err := next(context.WithValue(ctx, subscriptionKey{}, sub), method, req)
	if err != nil {
		return res, err
	}
	for sub.openCount() > 0 {
		select {
		case <-ctx.Done():
			return res, nil
		case <-sub.changed:
		}
	}
	// The parts ended (their tasks did): what they sent goes out before
	// the result that ends the stream.
	if q, ok := out.(*queuedOut); ok {
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		q.flush(fctx)
		cancel()
		if own {
			q.close() // nothing after the result (a stdio session's writer goes on)
		}
	}
	return res, nil
}

func (sub *subscription) openCount() int {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.open
}

// callListen runs a ListenHandler, a panic becoming an internal error.
func (s *Server) callListen(ctx context.Context, h ListenHandler, r *Request, value json.RawMessage, l *Listener) (agreed any, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(ctx, "subscriptions/listen handler panicked", "panic", v)
			agreed, err = nil, s.panicError(v)
		}
	}()
	return h(ctx, r, value, l)
}

// listenFields returns the members of a subscriptions/listen's
// notifications as sent (go-sdk's params type keeps only its own), which
// the transport that read it kept: nil when there are none or the
// transport did not keep them.
func (s *Server) listenFields(req mcp.Request) map[string]json.RawMessage {
	extra := req.GetExtra()
	if extra == nil || extra.Header == nil {
		return nil
	}
	var raw []byte
	if v := extra.Header[stdioListenKey]; len(v) > 0 {
		raw = []byte(v[0])
	} else if e := s.conns.lookup(extra.Header); e != nil {
		raw = e.listen
	}
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	for k := range sdkListenFields {
		delete(m, k)
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// listenStream returns the stream a subscriptions/listen's notifications
// go on, and whether it is the listen's own: the HTTP response (a writer
// the guard put there, own), or the stdio session's writer (shared with
// the session's other notifications); nil when the transport has none.
func (s *Server) listenStream(req mcp.Request) (outbound, bool) {
	extra := req.GetExtra()
	if extra == nil || extra.Header == nil {
		return nil, false
	}
	if _, stdio := extra.Header[stdioIDKey]; stdio {
		ss, _ := req.GetSession().(*mcp.ServerSession)
		if ss == nil {
			return nil, false
		}
		if v, ok := s.outs.Load(s.sessionOf(ss).id); ok {
			return v.(outbound), false
		}
		return nil, false
	}
	if e := s.conns.lookup(extra.Header); e != nil && e.out != nil {
		return e.out, true
	}
	return nil, false
}

// listenOf returns the params.notifications of a subscriptions/listen
// message, nil for any other message.
func listenOf(msg []byte) json.RawMessage {
	if !bytes.Contains(msg, []byte(`"subscriptions/listen"`)) {
		return nil
	}
	var m struct {
		Method string `json:"method"`
		Params struct {
			Notifications json.RawMessage `json:"notifications"`
		} `json:"params"`
	}
	if json.Unmarshal(msg, &m) != nil || m.Method != methodListen {
		return nil
	}
	return m.Params.Notifications
}

const methodListen = "subscriptions/listen"

// stdioListenKey carries, in the RequestExtra.Header of a stdio
// subscriptions/listen, its params.notifications.
const stdioListenKey = ":mcpgen-listen"

// ackWithPlugins is the sending middleware that adds the agreements of the
// plug-ins' handlers to the acknowledgement go-sdk sends for a
// subscription, and then releases the notifications waiting for it.
func (s *Server) ackWithPlugins(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method != "notifications/subscriptions/acknowledged" {
			return next(ctx, method, req)
		}
		sub, _ := ctx.Value(subscriptionKey{}).(*subscription)
		p, _ := req.GetParams().(*mcp.SubscriptionsAcknowledgedParams)
		if sub == nil || p == nil {
			return next(ctx, method, req)
		}
		ss, _ := req.GetSession().(*mcp.ServerSession)
		res, err := next(ctx, method, &mcp.ServerRequest[*ackParams]{Session: ss, Params: &ackParams{p, sub.agreed}})
		if err == nil {
			sub.acknowledged(p.Meta[mcp.MetaKeySubscriptionID])
		}
		return res, err
	}
}

// ackParams is an acknowledgement with members go-sdk has no field for.
type ackParams struct {
	*mcp.SubscriptionsAcknowledgedParams
	extra map[string]any
}

func (a *ackParams) MarshalJSON() ([]byte, error) {
	js, err := json.Marshal(a.SubscriptionsAcknowledgedParams)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, err
	}
	n := map[string]json.RawMessage{}
	if raw, ok := m["notifications"]; ok {
		json.Unmarshal(raw, &n)
	}
	for k, v := range a.extra {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		n[k] = b
	}
	if m["notifications"], err = json.Marshal(n); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}
