package runtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxLine bounds one newline-delimited message on stdio, as go-sdk's
// DefaultMaxLineLength does.
var maxLine = mcp.DefaultMaxLineLength

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
	line = bytes.TrimSpace(line)
	if line[0] == '[' && f.noBatches && json.Valid(line) {
		return f.answer(nil, codeInvalidRequest, "Invalid Request: JSON-RPC batches are not supported in protocol version "+f.version)
	}
	if bad := checkMessage(line); bad != nil {
		return f.answer(bad.id, bad.code, bad.msg)
	}
	f.noteInitialize(line)
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
