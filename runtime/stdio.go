package runtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxLine bounds one newline-delimited message on stdio (and a POST body
// the HTTP guard checks), as go-sdk's DefaultMaxLineLength does.
const maxLine = mcp.DefaultMaxLineLength

// ioLimits are ServeIO's bounds; tests lower them.
type ioLimits struct {
	maxLine     int           // longest line
	drain       time.Duration // how long the end of input waits for requests in flight
	maxInFlight int           // requests read but not answered, at most
	shutdown    time.Duration // how long the end of ctx waits for them; 0: Options.ShutdownTimeout
}

var defaultIOLimits = ioLimits{maxLine: maxLine, drain: 30 * time.Second, maxInFlight: DefaultMaxInFlight}

// ServeIO serves one session of newline-delimited JSON-RPC read from r and
// written to w (stdio, a pipe, a socket) until r ends or ctx is done.
//
// go-sdk's stream transport ends the session at the first line it cannot
// decode. ServeIO puts a line filter in front of it: a line that is not
// JSON is answered with a -32700 parse error, and one that is JSON but not
// a JSON-RPC message (nested deeper than go-sdk allows, a batch where the
// negotiated protocol forbids batches, a request whose id is already in
// flight, or a line over 16 MiB) with -32600 invalid request; the session
// goes on with the next line. Well-formed lines pass through unchanged.
//
// At most Options.MaxInFlight requests are in flight at once: while that
// many are unanswered, ServeIO reads no further input, so that a client
// that writes faster than it reads cannot grow the server without bound.
//
// At the end of input, requests already read are answered before the
// session closes (for up to 30 seconds), so that a client may write its
// requests and close its end, as a shell pipe does.
//
// When ctx is done (SIGTERM under Run) the session drains: a new request
// gets -32000 "Server shutting down", the requests in flight get
// Options.ShutdownTimeout to be answered (the client's answers to the
// server's own requests still pass), then the session ends and whatever
// still runs is cancelled.
func (s *Server) ServeIO(ctx context.Context, r io.Reader, w io.Writer) error {
	limits := defaultIOLimits
	if s.opts.MaxInFlight > 0 {
		limits.maxInFlight = s.opts.MaxInFlight
	}
	return s.serveIO(ctx, r, w, limits)
}

func (s *Server) serveIO(ctx context.Context, r io.Reader, w io.Writer, limits ioLimits) error {
	if limits.maxInFlight <= 0 {
		limits.maxInFlight = DefaultMaxInFlight
	}
	if limits.shutdown <= 0 {
		limits.shutdown = s.shutdownTimeout()
	}
	pending := newInflight()
	out := &lockedWriter{w: w, pending: pending}
	pr, pw := io.Pipe()
	f := &lineFilter{in: bufio.NewReaderSize(r, 64*1024), out: out, pass: pw, pending: pending, limits: limits}
	if !s.opts.NoFastPath {
		f.hot = newStdioHot(s, out)
		f.hot.takeover = func() { go f.run() }
	}
	go f.run()
	// When ctx ends, the session drains: new requests are refused, those in
	// flight get limits.shutdown to be answered, then the session ends and
	// what still runs is cancelled.
	run, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stopDrain := context.AfterFunc(ctx, func() {
		f.draining.Store(true)
		pending.waitAll(limits.shutdown)
		f.endInput(io.EOF)
		cancel()
	})
	defer stopDrain()
	err := s.runSession(run, markIDs{&mcp.IOTransport{Reader: pr, Writer: out}}, f.hot, out)
	if f.hot != nil {
		f.hot.close() // and wait for the calls it answers, as go-sdk does for its own
	}
	// No write after this: the filter checks under the same lock. Its
	// goroutine may still be blocked reading r until r returns.
	out.mu.Lock()
	pending.stop()
	out.mu.Unlock()
	pr.Close()
	if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) || errors.Is(err, mcp.ErrConnectionClosed) {
		return nil
	}
	return err
}

// runSession runs go-sdk's session over t until it ends or ctx is done,
// as mcp.Server.Run does, telling hot (if not nil) of the session once it
// exists.
func (s *Server) runSession(ctx context.Context, t mcp.Transport, hot *stdioHot, out *lockedWriter) error {
	ss, err := s.mcp.Connect(ctx, t, nil)
	if err != nil {
		return err
	}
	defer s.holdStream(s.sessionOf(ss).id, out)() // NotifySession writes to the session's output
	if hot != nil {
		hot.ss.Store(ss)
	}
	closed := make(chan error, 1)
	go func() { closed <- ss.Wait() }()
	select {
	case <-ctx.Done():
		ss.Close()
		<-closed
		return ctx.Err()
	case err := <-closed:
		return err
	}
}

// markIDs is a stdio transport whose requests carry their JSON-RPC id to
// the runtime (Request.ID): go-sdk keeps it to itself, so the reader
// leaves it in the request's RequestExtra under stdioIDKey.
type markIDs struct{ mcp.Transport }

func (t markIDs) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := t.Transport.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return markedConn{c}, nil
}

type markedConn struct{ mcp.Connection }

func (c markedConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.Connection.Read(ctx)
	if req, ok := msg.(*jsonrpc.Request); ok && req.Extra == nil {
		h := http.Header{stdioIDKey: {idText(req.ID)}}
		switch req.Method {
		case MethodCallTool:
			if task := taskOfParams(req.Params); task != nil {
				h[stdioTaskKey] = []string{string(task)}
			}
		case methodListen:
			var p struct {
				Notifications json.RawMessage `json:"notifications"`
			}
			if json.Unmarshal(req.Params, &p) == nil && len(p.Notifications) > 0 {
				h[stdioListenKey] = []string{string(p.Notifications)}
			}
		}
		req.Extra = &mcp.RequestExtra{Header: h}
	}
	return msg, err
}

// lockedWriter serializes whole-message writes from go-sdk, the filter and
// the runtime's own path, and notes what they answer and ask.
type lockedWriter struct {
	mu      sync.Mutex
	w       io.Writer
	pending *inflight
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Before the write, so that a client that reuses an id as soon as it
	// reads the response never finds it still in flight.
	l.pending.wrote(p)
	return l.w.Write(p)
}

// writeAnswer writes a response of the runtime's own path, unless the
// session's input has ended (go-sdk writes no response then either) or
// ServeIO has returned.
func (l *lockedWriter) writeAnswer(p []byte, ended *atomic.Bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ended.Load() || l.pending.ended() {
		return
	}
	l.pending.wrote(p)
	l.w.Write(p)
}

// writeMessage writes a notification of the runtime's own (notify.go),
// until ServeIO returns.
func (l *lockedWriter) writeMessage(msg []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending.ended() {
		return ErrNoStream
	}
	line := make([]byte, 0, len(msg)+1)
	line = append(append(line, msg...), '\n')
	if _, err := l.w.Write(line); err != nil {
		return fmt.Errorf("%w: %v", ErrNoStream, err)
	}
	return nil
}

// Close does not close the underlying writer: stdout outlives a session.
func (l *lockedWriter) Close() error { return nil }

// lineFilter copies acceptable lines from in to pass and answers the rest.
type lineFilter struct {
	in       *bufio.Reader
	out      *lockedWriter
	pass     *io.PipeWriter
	pending  *inflight
	limits   ioLimits
	draining atomic.Bool // the server is shutting down: refuse new requests
	hot      *stdioHot   // the runtime's own path; nil with Options.NoFastPath
}

// endInput ends what go-sdk reads, with err (io.EOF ends the session
// normally): go-sdk then cancels its requests in flight, and the runtime
// its own.
func (f *lineFilter) endInput(err error) {
	if f.hot != nil {
		f.hot.endInput()
	}
	f.pass.CloseWithError(err)
}

func (f *lineFilter) run() {
	for {
		line, err := f.readLine()
		if len(bytes.TrimSpace(line)) > 0 || errors.Is(err, errTooLong) {
			goOn, yielded := f.handle(line, err)
			if !goOn {
				f.endInput(io.EOF)
				return
			}
			if yielded {
				return // another goroutine reads now (stdioHot.start)
			}
		}
		if err != nil && !errors.Is(err, errTooLong) {
			if err == io.EOF {
				f.pending.wait(f.limits.drain)
			}
			f.endInput(err) // io.EOF ends the session normally
			return
		}
	}
}

var errTooLong = errors.New("message too long")

// readLine returns the next line without its line ending; errTooLong if it
// exceeds maxLine (the rest of it is discarded).
func (f *lineFilter) readLine() ([]byte, error) {
	var buf []byte
	for {
		chunk, err := f.in.ReadSlice('\n')
		if len(buf)+len(chunk) > f.limits.maxLine+2 {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = f.in.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return nil, errTooLong
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		buf = bytes.TrimRight(buf, "\r\n")
		if err == io.EOF && len(buf) > 0 {
			return buf, nil // the last line, unterminated; EOF comes next
		}
		return buf, err
	}
}

// handle passes an acceptable line on or answers it; it reports whether
// the session can go on, and whether this goroutine must stop reading
// (stdioHot.start).
func (f *lineFilter) handle(line []byte, readErr error) (goOn, yielded bool) {
	if readErr != nil {
		return f.answer(nil, codeInvalidRequest, fmt.Sprintf("Invalid Request: message longer than %d bytes", f.limits.maxLine)), false
	}
	line = bytes.TrimSpace(line)
	// The runtime's path parses strictly (what it takes is a well-formed
	// message), so only the nesting limit is checked before it.
	if f.hot != nil && len(line) > 0 && line[0] == '{' && !tooDeep(line) {
		if m, ok := parseHot(line); ok {
			if ss := f.hot.eligible(m); ss != nil {
				if admitted, goOn := f.admit([]string{m.key}, nil, line, false); !admitted {
					return goOn, false
				}
				return f.hot.start(m, ss)
			}
		}
	}
	if bad := checkMessage(line); bad != nil {
		return f.answer(bad.id, bad.code, bad.msg), false
	}
	if line[0] == '{' {
		if bad := checkParams(line); bad != nil {
			return f.answer(bad.id, bad.code, bad.msg), false
		}
	}
	msgs, batch := messagesOf(line)
	if batch {
		if v, ok := f.pending.batchesRefused(); ok {
			return f.answer(nil, codeInvalidRequest, "Invalid Request: "+v), false
		}
	}
	var calls []string
	var inits map[string]string
	for _, m := range msgs {
		switch {
		case !m.request && m.id != "":
			f.pending.answered(m.id) // a response to the server's request
		case m.request && m.id != "":
			if slices.Contains(calls, m.id) {
				return f.answer(nil, codeInvalidRequest, "Invalid Request: the batch uses a request id twice"), false
			}
			calls = append(calls, m.id)
			if m.method == "initialize" {
				if inits == nil {
					inits = map[string]string{}
				}
				inits[m.id] = m.version
			}
		case m.method == notificationCancelled && f.hot != nil:
			f.hot.cancelled(m.raw) // go-sdk sees it too, for its own requests
		}
	}
	if len(calls) > 0 && f.draining.Load() {
		return f.answer(lineID(line, batch), codeServerBusy, msgStopping), false
	}
	if batch && len(calls) > f.limits.maxInFlight {
		return f.answer(nil, codeInvalidRequest, fmt.Sprintf("Invalid Request: a batch of %d requests exceeds the limit of %d in flight", len(calls), f.limits.maxInFlight)), false
	}
	if admitted, goOn := f.admit(calls, inits, line, batch); !admitted {
		return goOn, false
	}
	_, err := f.pass.Write(append(line, '\n'))
	return err == nil, false
}

// admit admits calls (their canonical ids; inits among them, the
// initialize requests) of line as in flight. If they cannot be, it answers
// the line and reports false, and whether the session can go on.
func (f *lineFilter) admit(calls []string, inits map[string]string, line []byte, batch bool) (admitted, goOn bool) {
	if len(calls) > 0 && f.draining.Load() {
		return false, f.answer(lineID(line, batch), codeServerBusy, msgStopping)
	}
	switch f.pending.admit(calls, inits, f.limits.maxInFlight) {
	case admitDuplicate:
		return false, f.answer(lineID(line, batch), codeInvalidRequest, "Invalid Request: a request with this id is already in flight")
	case admitBusy:
		return false, f.answer(lineID(line, batch), codeServerBusy, fmt.Sprintf("Server busy: %d requests in flight while the server waits for the client's answers; retry later", f.limits.maxInFlight))
	case admitStopped:
		return false, false
	}
	return true, true
}

// lineID is the id an error answering line echoes: none for a batch.
func lineID(line []byte, batch bool) json.RawMessage {
	if batch {
		return nil
	}
	return idOf(line)
}

// answer writes a JSON-RPC error response of the filter's own, which ends
// nothing in flight.
func (f *lineFilter) answer(id json.RawMessage, code int, msg string) bool {
	f.out.mu.Lock()
	defer f.out.mu.Unlock()
	if f.pending.ended() {
		return false // ServeIO has returned: w is the caller's again
	}
	_, err := f.out.w.Write(append(errorResponse(id, code, msg), '\n'))
	return err == nil
}

// message is what the filter needs of one JSON-RPC message: its id as
// canonicalID keys it ("" for none), its method ("" for a response), and
// the protocol version an initialize request asks for.
type message struct {
	id, method, version string
	request             bool   // it has a method, "" even (go-sdk answers that one)
	raw                 []byte // the message
}

const notificationCancelled = "notifications/cancelled"

// messagesOf returns the messages of a line checkMessage accepted, and
// whether it is a batch.
func messagesOf(line []byte) ([]message, bool) {
	if line[0] != '[' {
		return []message{messageOf(line)}, false
	}
	var d codec.Decoder
	d.Reset(line)
	var msgs []message
	if d.BeginArray() != nil {
		return nil, true
	}
	for {
		more, err := d.NextElem()
		if err != nil || !more {
			return msgs, true
		}
		raw, err := d.ReadRaw()
		if err != nil {
			return msgs, true
		}
		msgs = append(msgs, messageOf(raw))
	}
}

// messageOf reads the id and method of one message.
func messageOf(msg []byte) message {
	m := message{raw: msg}
	var d codec.Decoder
	d.Reset(msg)
	if d.BeginObject() != nil {
		return m
	}
	for {
		key, ok, err := d.NextKey()
		if err != nil || !ok {
			return m
		}
		switch string(key) {
		case "id":
			raw, err := d.ReadRaw()
			if err != nil {
				return m
			}
			m.id, _ = canonicalID(raw)
			continue
		case "method":
			if m.method, err = d.ReadString(); err != nil {
				return m
			}
			m.request = true
			continue
		case "params":
			raw, err := d.ReadRaw()
			if err != nil {
				return m
			}
			var p struct {
				ProtocolVersion string `json:"protocolVersion"`
			}
			if json.Unmarshal(raw, &p) == nil {
				m.version = p.ProtocolVersion
			}
			continue
		}
		if d.Skip() != nil {
			return m
		}
	}
}

// codeServerBusy answers a request the server cannot take now.
const codeServerBusy = -32000

// inflight is what a stdio session has in flight: the client's requests
// (by canonical id) go-sdk will answer, the server's requests the client
// has not answered, and the state of initialization, which decides whether
// batches are allowed.
type inflight struct {
	mu         sync.Mutex
	ids        map[string]bool
	serverReqs map[string]bool
	inits      map[string]string // initialize requests not yet answered: the version each asks for
	version    string            // negotiated by the initialize go-sdk accepted
	changed    chan struct{}     // closed and replaced at each answer
	stopped    chan struct{}     // closed when the session ends
	isStopped  bool
}

func newInflight() *inflight {
	return &inflight{ids: map[string]bool{}, serverReqs: map[string]bool{}, inits: map[string]string{},
		changed: make(chan struct{}), stopped: make(chan struct{})}
}

type admission int

const (
	admitOK admission = iota
	admitDuplicate
	admitBusy
	admitStopped
)

// admit records calls (and among them initialize requests) as in flight.
// A call whose id is already in flight is refused (go-sdk would drop it
// unanswered). While max requests are in flight it waits, reading no
// further input, unless the server is waiting for the client's answers,
// which are behind this line: then the line is refused as busy.
func (p *inflight) admit(calls []string, inits map[string]string, max int) admission {
	if len(calls) == 0 {
		return admitOK
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range calls {
		if p.ids[id] {
			return admitDuplicate
		}
	}
	for len(p.ids) > 0 && len(p.ids)+len(calls) > max {
		if len(p.serverReqs) > 0 {
			return admitBusy
		}
		changed, stopped := p.changed, p.stopped
		p.mu.Unlock()
		select {
		case <-changed:
		case <-stopped:
		}
		p.mu.Lock()
		if p.isStopped {
			return admitStopped
		}
	}
	for _, id := range calls {
		p.ids[id] = true
	}
	for id, v := range inits {
		p.inits[id] = v
	}
	return admitOK
}

// batchesRefused reports why a batch must be refused now, if it must:
// go-sdk ends the session on a batch once it has negotiated 2025-06-18 or
// later. The version is the one of the initialize go-sdk accepted; while
// one is unanswered, a batch is safe only if the version it asks for
// allows batches (go-sdk then negotiates that version, or refuses the
// initialize).
func (p *inflight) batchesRefused() (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.version >= batchlessVersion {
		return "JSON-RPC batches are not supported in protocol version " + p.version, true
	}
	for _, v := range p.inits {
		if !batchVersions[v] {
			return "a batch cannot be sent before the initialize request is answered", true
		}
	}
	return "", false
}

// batchlessVersion is the first protocol version without JSON-RPC
// batches; batchVersions are the earlier ones go-sdk negotiates.
const batchlessVersion = "2025-06-18"

var batchVersions = map[string]bool{"2024-11-05": true, "2025-03-26": true}

// answered notes the client's answer to a server request.
func (p *inflight) answered(id string) {
	p.mu.Lock()
	delete(p.serverReqs, id)
	p.mu.Unlock()
}

// wrote notes a message go-sdk or the filter writes: a response (or a batch
// of them) ends requests in flight, and a request from the server waits for
// the client.
func (p *inflight) wrote(msg []byte) {
	if len(msg) > 0 && msg[0] == '[' {
		var d codec.Decoder
		d.Reset(msg)
		if d.BeginArray() != nil {
			return
		}
		for {
			more, err := d.NextElem()
			if err != nil || !more {
				return
			}
			raw, err := d.ReadRaw()
			if err != nil {
				return
			}
			p.wrote(raw)
		}
	}
	rawID, request, response := idAndKind(msg)
	if rawID == nil {
		return
	}
	id, ok := canonicalID(rawID)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if request {
		// A filter waiting in admit must see it: the client's answer is
		// behind the line it holds.
		p.serverReqs[id] = true
		close(p.changed)
		p.changed = make(chan struct{})
		return
	}
	if !response || !p.ids[id] {
		return
	}
	delete(p.ids, id)
	if _, ok := p.inits[id]; ok {
		delete(p.inits, id)
		var r struct {
			Result *struct {
				ProtocolVersion string `json:"protocolVersion"`
			} `json:"result"`
		}
		if json.Unmarshal(msg, &r) == nil && r.Result != nil {
			p.version = r.Result.ProtocolVersion
		}
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

// ended reports whether the session has ended.
func (p *inflight) ended() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.isStopped
}

func (p *inflight) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.isStopped {
		p.isStopped = true
		close(p.stopped)
	}
}

// wait returns when no request is in flight, the session has ended, the
// server waits for answers that will not come, or timeout has passed.
func (p *inflight) wait(timeout time.Duration) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		p.mu.Lock()
		n, waiting, changed := len(p.ids), len(p.serverReqs), p.changed
		p.mu.Unlock()
		if n == 0 || waiting > 0 {
			return
		}
		select {
		case <-changed:
		case <-p.stopped:
			return
		case <-timer.C:
			return
		}
	}
}

// waitAll returns when no request is in flight (the client's answers to
// the server's own requests still count: under a shutdown the client is
// there to give them), the session has ended, or timeout has passed.
func (p *inflight) waitAll(timeout time.Duration) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		p.mu.Lock()
		n, changed := len(p.ids), p.changed
		p.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-changed:
		case <-p.stopped:
			return
		case <-timer.C:
			return
		}
	}
}

// idAndKind reads the top-level keys of a JSON-RPC message until it knows
// its raw id and whether it is a request (it has a method) or a response
// (a result or an error).
func idAndKind(msg []byte) (id []byte, request, response bool) {
	var d codec.Decoder
	d.Reset(msg)
	if d.BeginObject() != nil {
		return nil, false, false
	}
	for {
		key, ok, err := d.NextKey()
		if err != nil || !ok {
			return id, request, response
		}
		switch string(key) {
		case "id":
			if id, err = d.ReadRaw(); err != nil {
				return nil, false, false
			}
			if request || response {
				return id, request, response
			}
			continue
		case "method":
			request = true
		case "result", "error":
			response = true
		}
		if id != nil && (request || response) {
			return id, request, response // the value need not be read
		}
		if d.Skip() != nil {
			return nil, false, false
		}
	}
}

// canonicalID returns the key under which go-sdk's response carries the
// same id: as jsonrpc.MakeID reads it, numbers are truncated to integers,
// and strings are compared by value, not by escaping.
func canonicalID(raw []byte) (string, bool) {
	var d codec.Decoder
	d.Reset(raw)
	switch d.Peek() {
	case codec.String:
		s, err := d.ReadString()
		return "s" + s, err == nil
	case codec.Number:
		f, err := d.ReadFloat(64)
		return "n" + strconv.FormatInt(int64(f), 10), err == nil
	}
	return "", false
}
