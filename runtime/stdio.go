package runtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxLine bounds one newline-delimited message on stdio (and a POST body
// the HTTP guard checks), as go-sdk's DefaultMaxLineLength does.
const maxLine = mcp.DefaultMaxLineLength

// ioLimits are ServeIO's bounds; tests lower them.
type ioLimits struct {
	maxLine int           // longest line
	drain   time.Duration // how long the end of input waits for requests in flight
}

var defaultIOLimits = ioLimits{maxLine: maxLine, drain: 30 * time.Second}

// ServeIO serves one session of newline-delimited JSON-RPC read from r and
// written to w (stdio, a pipe, a socket) until r ends or ctx is done.
//
// go-sdk's stream transport ends the session at the first line it cannot
// decode. ServeIO puts a line filter in front of it: a line that is not
// JSON is answered with a -32700 parse error, and one that is JSON but not
// a JSON-RPC message (or a batch where the negotiated protocol forbids
// batches, or a line over 16 MiB) with -32600 invalid request; the session
// goes on with the next line. Well-formed lines pass through unchanged.
//
// At the end of input, requests already read are answered before the
// session closes (for up to 30 seconds), so that a client may write its
// requests and close its end, as a shell pipe does.
func (s *Server) ServeIO(ctx context.Context, r io.Reader, w io.Writer) error {
	return s.serveIO(ctx, r, w, defaultIOLimits)
}

func (s *Server) serveIO(ctx context.Context, r io.Reader, w io.Writer, limits ioLimits) error {
	pending := newInflight()
	out := &lockedWriter{w: w, pending: pending}
	pr, pw := io.Pipe()
	f := &lineFilter{in: bufio.NewReaderSize(r, 64*1024), out: out, pass: pw, pending: pending, limits: limits}
	go f.run()
	err := s.mcp.Run(ctx, &mcp.IOTransport{Reader: pr, Writer: out})
	pending.stop()
	pr.Close()
	if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) || errors.Is(err, mcp.ErrConnectionClosed) {
		return nil
	}
	return err
}

// lockedWriter serializes whole-message writes from go-sdk and the filter,
// and notes the responses among them.
type lockedWriter struct {
	mu      sync.Mutex
	w       io.Writer
	pending *inflight
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	if id, ok := responseID(p); ok {
		defer l.pending.done(id)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Close does not close the underlying writer: stdout outlives a session.
func (l *lockedWriter) Close() error { return nil }

// lineFilter copies acceptable lines from in to pass and answers the rest.
type lineFilter struct {
	in      *bufio.Reader
	out     *lockedWriter
	pass    *io.PipeWriter
	pending *inflight
	limits  ioLimits
	// noBatches is set once the client asked, at initialization, for a
	// protocol version without JSON-RPC batches (2025-06-18 and later).
	noBatches bool
	version   string
}

func (f *lineFilter) run() {
	for {
		line, err := f.readLine()
		if len(bytes.TrimSpace(line)) > 0 || errors.Is(err, errTooLong) {
			if !f.handle(line, err) {
				return
			}
		}
		if err != nil && !errors.Is(err, errTooLong) {
			if err == io.EOF {
				f.pending.wait(f.limits.drain)
			}
			f.pass.CloseWithError(err) // io.EOF ends the session normally
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
// the session can go on.
func (f *lineFilter) handle(line []byte, readErr error) bool {
	if readErr != nil {
		return f.answer(nil, codeInvalidRequest, fmt.Sprintf("Invalid Request: message longer than %d bytes", f.limits.maxLine))
	}
	line = bytes.TrimSpace(line)
	if line[0] == '[' && f.noBatches && json.Valid(line) {
		return f.answer(nil, codeInvalidRequest, "Invalid Request: JSON-RPC batches are not supported in protocol version "+f.version)
	}
	if bad := checkMessage(line); bad != nil {
		return f.answer(bad.id, bad.code, bad.msg)
	}
	f.noteInitialize(line)
	if id, ok := requestID(line); ok {
		f.pending.add(id)
	}
	_, err := f.pass.Write(append(line, '\n'))
	return err == nil
}

// noteInitialize records the protocol version an initialize request asks
// for: from 2025-06-18 on, batches are refused (go-sdk would end the
// session on one).
func (f *lineFilter) noteInitialize(line []byte) {
	if !bytes.Contains(line, []byte(`"initialize"`)) {
		return
	}
	var req struct {
		Method string `json:"method"`
		Params struct {
			ProtocolVersion string `json:"protocolVersion"`
		} `json:"params"`
	}
	if json.Unmarshal(line, &req) != nil || req.Method != "initialize" {
		return
	}
	switch v := req.Params.ProtocolVersion; v {
	case "2024-11-05", "2025-03-26":
		f.noBatches, f.version = false, v
	default:
		f.noBatches, f.version = true, v
	}
}

// answer writes a JSON-RPC error response.
func (f *lineFilter) answer(id json.RawMessage, code int, msg string) bool {
	_, err := f.out.Write(append(errorResponse(id, code, msg), '\n'))
	return err == nil
}

// inflight is the set of client requests (by raw id) go-sdk has read but
// not answered.
type inflight struct {
	mu      sync.Mutex
	ids     map[string]int
	changed chan struct{} // closed and replaced at each answer
	stopped chan struct{} // closed when the session ends
}

func newInflight() *inflight {
	return &inflight{ids: map[string]int{}, changed: make(chan struct{}), stopped: make(chan struct{})}
}

func (p *inflight) add(id string) {
	p.mu.Lock()
	p.ids[id]++
	p.mu.Unlock()
}

func (p *inflight) done(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ids[id] == 0 {
		return
	}
	if p.ids[id]--; p.ids[id] == 0 {
		delete(p.ids, id)
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *inflight) stop() { close(p.stopped) }

// wait returns when no request is in flight, the session has ended, or
// timeout has passed.
func (p *inflight) wait(timeout time.Duration) {
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

// requestID returns the id of a request (a message with a method and an
// id) as canonicalID keys it; batches are not tracked.
func requestID(line []byte) (string, bool) {
	if id, request, _ := idAndKind(line); request && id != nil {
		return canonicalID(id)
	}
	return "", false
}

// responseID returns the id of a response go-sdk writes, as canonicalID
// keys it. go-sdk writes "jsonrpc", "id", then "result" or "error", so
// idAndKind reads only those first keys of a response, however large.
func responseID(msg []byte) (string, bool) {
	if id, _, response := idAndKind(msg); response && id != nil {
		return canonicalID(id)
	}
	return "", false
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
