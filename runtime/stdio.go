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
	"strings"
	"sync"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxLine bounds one newline-delimited message on stdio, as go-sdk's
// DefaultMaxLineLength does.
var maxLine = mcp.DefaultMaxLineLength

// JSON-RPC error codes the stdio filter answers with.
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
)

// ServeIO serves one session of newline-delimited JSON-RPC read from r and
// written to w (stdio, a pipe, a socket) until r ends or ctx is done.
//
// go-sdk's stream transport ends the session at the first line it cannot
// decode. ServeIO puts a line filter in front of it: a line that is not
// JSON is answered with a -32700 parse error, and one that is JSON but not
// a JSON-RPC message (or a batch where the negotiated protocol forbids
// batches, or a line over 16 MiB) with -32600 invalid request; the session
// goes on with the next line. Well-formed lines pass through unchanged.
func (s *Server) ServeIO(ctx context.Context, r io.Reader, w io.Writer) error {
	out := &lockedWriter{w: w}
	pr, pw := io.Pipe()
	f := &lineFilter{in: bufio.NewReaderSize(r, 64*1024), out: out, pass: pw}
	go f.run()
	err := s.mcp.Run(ctx, &mcp.IOTransport{Reader: pr, Writer: out})
	pr.Close()
	if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) || errors.Is(err, mcp.ErrConnectionClosed) {
		return nil
	}
	return err
}

// lockedWriter serializes whole-message writes from go-sdk and the filter.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Close does not close the underlying writer: stdout outlives a session.
func (l *lockedWriter) Close() error { return nil }

// lineFilter copies acceptable lines from in to pass and answers the rest.
type lineFilter struct {
	in   *bufio.Reader
	out  *lockedWriter
	pass *io.PipeWriter
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
		if len(buf)+len(chunk) > maxLine+2 {
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
		return f.answer(nil, codeInvalidRequest, fmt.Sprintf("Invalid Request: message longer than %d bytes", maxLine))
	}
	if !json.Valid(line) {
		return f.answer(nil, codeParseError, "Parse error: not valid JSON")
	}
	if line = bytes.TrimSpace(line); line[0] == '[' {
		if msg := f.checkBatch(line); msg != "" {
			return f.answer(nil, codeInvalidRequest, "Invalid Request: "+msg)
		}
	} else if !plainRequest(line) {
		if _, err := jsonrpc.DecodeMessage(line); err != nil {
			return f.answer(idOf(line), codeInvalidRequest, "Invalid Request: "+err.Error())
		}
	}
	f.noteInitialize(line)
	_, err := f.pass.Write(append(line, '\n'))
	return err == nil
}

func (f *lineFilter) checkBatch(line []byte) string {
	if f.noBatches {
		return "JSON-RPC batches are not supported in protocol version " + f.version
	}
	var batch []json.RawMessage
	if err := json.Unmarshal(line, &batch); err != nil {
		return "not a batch of messages"
	}
	if len(batch) == 0 {
		return "empty batch"
	}
	for i, raw := range batch {
		if _, err := jsonrpc.DecodeMessage(raw); err != nil {
			return fmt.Sprintf("batch element %d: %v", i, err)
		}
	}
	return ""
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
	if id == nil {
		id = json.RawMessage("null")
	}
	b := []byte(`{"jsonrpc":"2.0","id":`)
	b = append(b, id...)
	b = append(b, `,"error":{"code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"message":`...)
	b = codec.AppendString(b, msg)
	b = append(b, "}}\n"...)
	_, err := f.out.Write(b)
	return err == nil
}

// idOf returns the id of a JSON object if it is a string or a number, for
// echoing in an error response; nil otherwise.
func idOf(line []byte) json.RawMessage {
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(line, &m) != nil || len(m.ID) == 0 {
		return nil
	}
	if c := m.ID[0]; c == '"' || c == '-' || c >= '0' && c <= '9' {
		return m.ID
	}
	return nil
}

// plainRequest reports, by a quick scan, whether line is certainly a
// request or notification go-sdk decodes: an object with exactly the keys
// jsonrpc ("2.0"), method (a string), optionally id (a string or a short
// integer) and params, each once. Anything else is left to
// jsonrpc.DecodeMessage for the verdict.
func plainRequest(line []byte) bool {
	var d codec.Decoder
	d.Reset(line)
	if d.BeginObject() != nil {
		return false
	}
	var version, method, id, params bool
	for {
		key, ok, err := d.NextKey()
		if err != nil {
			return false
		}
		if !ok {
			break
		}
		switch string(key) {
		case "jsonrpc":
			v, err := d.ReadString()
			if err != nil || v != "2.0" || version {
				return false
			}
			version = true
		case "method":
			if _, err := d.ReadString(); err != nil || method {
				return false
			}
			method = true
		case "id":
			if id {
				return false
			}
			id = true
			switch d.Peek() {
			case codec.String:
				if _, err := d.ReadString(); err != nil {
					return false
				}
			case codec.Number:
				n, err := d.ReadNumberString()
				if err != nil || len(n) > 15 || strings.ContainsAny(n, ".eE") {
					return false
				}
			default:
				return false
			}
		case "params":
			if params || d.Skip() != nil {
				return false
			}
			params = true
		default:
			return false
		}
	}
	return version && method && d.End() == nil
}
