// Package load is the one client the process benchmarks use for every
// server: it speaks raw JSON-RPC over a stdio pipe pair or stateful
// streamable HTTP, so that client costs are identical across rows. It
// checks every response (a caller-supplied check) and measures
// throughput and per-request latency.
package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ProtocolVersion is the protocol version the client initializes with.
const ProtocolVersion = "2025-11-25"

// A Check reports whether a response (one JSON-RPC message) is the
// expected one.
type Check func(resp []byte) error

// A Result is what one measurement saw.
type Result struct {
	Ops       int             // requests answered and checked
	Elapsed   time.Duration   // wall time from the first request to the last answer
	Latencies []time.Duration // per request, for sequential runs only
}

// PerSecond is the throughput.
func (r Result) PerSecond() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// P50 is the median latency of a sequential run (0 without latencies).
func (r Result) P50() time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	l := slices.Clone(r.Latencies)
	slices.Sort(l)
	return l[len(l)/2]
}

// Request returns a JSON-RPC request for method with params (raw JSON) and
// the given id.
func Request(id int64, method string, params []byte) []byte {
	b := []byte(`{"jsonrpc":"2.0","id":`)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"method":"`...)
	b = append(b, method...)
	b = append(b, '"')
	if params != nil {
		b = append(b, `,"params":`...)
		b = append(b, params...)
	}
	return append(b, '}')
}

var initializeParams = []byte(`{"protocolVersion":"` + ProtocolVersion + `","capabilities":{},"clientInfo":{"name":"bench-load","version":"1.0.0"}}`)

var initialized = []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

// CheckInitialize checks an initialize response.
func CheckInitialize(resp []byte) error {
	if !bytes.Contains(resp, []byte(`"protocolVersion":"`+ProtocolVersion+`"`)) {
		return fmt.Errorf("initialize answered %s", resp)
	}
	return nil
}

// A Stdio is one MCP session over a pair of pipes: the server reads w and
// writes r, one JSON-RPC message per line.
type Stdio struct {
	w  io.Writer
	r  *bufio.Reader
	id int64
}

// NewStdio opens a session over r and w: initialize, then
// notifications/initialized.
func NewStdio(r io.Reader, w io.Writer) (*Stdio, error) {
	s := &Stdio{w: w, r: bufio.NewReaderSize(r, 1<<20)}
	resp, err := s.Call("initialize", initializeParams)
	if err != nil {
		return nil, err
	}
	if err := CheckInitialize(resp); err != nil {
		return nil, err
	}
	if err := s.write(initialized); err != nil {
		return nil, err
	}
	return s, nil
}

// NewStdioSessionless returns a client over r and w without a handshake,
// for the 2026-07-28 protocol, whose requests carry what initialize told.
func NewStdioSessionless(r io.Reader, w io.Writer) *Stdio {
	return &Stdio{w: w, r: bufio.NewReaderSize(r, 1<<20)}
}

func (s *Stdio) write(msg []byte) error {
	_, err := s.w.Write(append(msg, '\n'))
	return err
}

// read returns the next response line, skipping messages from the server
// that are not responses (notifications, requests). The slice is valid
// until the next read.
func (s *Stdio) read() ([]byte, error) {
	for {
		line, err := s.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long := slices.Clone(line)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = s.r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil {
			return nil, err
		}
		if isResponse(line) {
			return line, nil
		}
	}
}

// isResponse reports whether a message is a response (it has a result or
// an error and no method).
func isResponse(msg []byte) bool {
	return (bytes.Contains(msg, []byte(`"result"`)) || bytes.Contains(msg, []byte(`"error"`))) &&
		!bytes.HasPrefix(bytes.TrimSpace(msg), []byte(`{"jsonrpc":"2.0","method"`))
}

// Call sends one request and returns its response (valid until the next
// call).
func (s *Stdio) Call(method string, params []byte) ([]byte, error) {
	s.id++
	if err := s.write(Request(s.id, method, params)); err != nil {
		return nil, err
	}
	return s.read()
}

// Sequential sends one request at a time for d and checks each response.
func (s *Stdio) Sequential(d time.Duration, method string, params []byte, check Check) (Result, error) {
	var res Result
	start := time.Now()
	for time.Since(start) < d {
		t := time.Now()
		resp, err := s.Call(method, params)
		if err != nil {
			return res, err
		}
		if err := check(resp); err != nil {
			return res, err
		}
		res.Latencies = append(res.Latencies, time.Since(t))
		res.Ops++
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// Pipelined keeps window requests in flight for d, then waits for the
// last answers; every response is checked.
func (s *Stdio) Pipelined(d time.Duration, window int, method string, params []byte, check Check) (Result, error) {
	slots := make(chan struct{}, window)
	// total is set, once the writer is done, to the number of requests
	// sent, counting a final ping whose answer ends the reading (so that
	// the reader never waits for an answer that will not come).
	var total atomic.Int64
	werr := make(chan error, 1)
	start := time.Now()
	go func() {
		var sent int64
		for time.Since(start) < d {
			slots <- struct{}{}
			s.id++
			if err := s.write(Request(s.id, method, params)); err != nil {
				werr <- err
				return
			}
			sent++
		}
		total.Store(sent + 1)
		if err := s.write(Request(-1, "ping", nil)); err != nil {
			werr <- err
		}
	}()
	var res Result
	var got int64
	for {
		resp, err := s.read()
		if err != nil {
			select {
			case werr := <-werr:
				err = errors.Join(err, werr)
			default:
			}
			return res, err
		}
		got++
		if !bytes.Contains(resp, []byte(`"id":-1`)) {
			if err := check(resp); err != nil {
				return res, err
			}
			res.Ops++
			<-slots
		}
		if n := total.Load(); n != 0 && got == n {
			res.Elapsed = time.Since(start)
			return res, nil
		}
	}
}

// An HTTPSession is one stateful streamable HTTP session.
type HTTPSession struct {
	c   *http.Client
	url string
	id  string // Mcp-Session-Id
	n   int64
	buf bytes.Buffer
}

// NewHTTPClient returns a keep-alive client for up to conns parallel
// connections.
func NewHTTPClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute},
		Timeout:   30 * time.Second,
	}
}

// OpenHTTP initializes a session at url.
func OpenHTTP(ctx context.Context, c *http.Client, url string) (*HTTPSession, error) {
	s := &HTTPSession{c: c, url: url}
	resp, hdr, err := s.post(ctx, Request(0, "initialize", initializeParams))
	if err != nil {
		return nil, err
	}
	if err := CheckInitialize(resp); err != nil {
		return nil, err
	}
	if s.id = hdr.Get("Mcp-Session-Id"); s.id == "" {
		return nil, errors.New("initialize answered without Mcp-Session-Id")
	}
	if _, _, err := s.post(ctx, initialized); err != nil {
		return nil, err
	}
	return s, nil
}

// post sends one message and returns the JSON-RPC response in the body
// (JSON, or the last data of an SSE stream; nil for 202 Accepted), valid
// until the next post.
func (s *HTTPSession) post(ctx context.Context, msg []byte) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(msg))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if s.id != "" {
		req.Header.Set("Mcp-Session-Id", s.id)
		req.Header.Set("Mcp-Protocol-Version", ProtocolVersion)
	}
	resp, err := s.c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	s.buf.Reset()
	if _, err := s.buf.ReadFrom(resp.Body); err != nil {
		return nil, nil, err
	}
	switch resp.StatusCode {
	case http.StatusAccepted:
		return nil, resp.Header, nil
	case http.StatusOK:
	default:
		return nil, nil, fmt.Errorf("status %s: %s", resp.Status, s.buf.Bytes())
	}
	body := s.buf.Bytes()
	if ct := resp.Header.Get("Content-Type"); len(ct) >= 17 && ct[:17] == "text/event-stream" {
		var data []byte
		for line := range bytes.SplitSeq(body, []byte("\n")) {
			if d, ok := bytes.CutPrefix(line, []byte("data:")); ok {
				if d = bytes.TrimSpace(d); isResponse(d) {
					data = d
				}
			}
		}
		if data == nil {
			return nil, nil, fmt.Errorf("SSE stream without a response: %s", body)
		}
		body = data
	}
	return body, resp.Header, nil
}

// Call sends one request in the session and returns its response.
func (s *HTTPSession) Call(ctx context.Context, method string, params []byte) ([]byte, error) {
	s.n++
	resp, _, err := s.post(ctx, Request(s.n, method, params))
	if err == nil && resp == nil {
		err = errors.New("request answered 202 Accepted")
	}
	return resp, err
}

// HTTP runs clients sessions in parallel against url for d, each sending
// one request at a time; every response is checked. Latencies are kept
// when clients is 1.
func HTTP(ctx context.Context, url string, clients int, d time.Duration, method string, params []byte, check Check) (Result, error) {
	c := NewHTTPClient(clients)
	defer c.Transport.(*http.Transport).CloseIdleConnections()
	sessions := make([]*HTTPSession, clients)
	for i := range sessions {
		s, err := OpenHTTP(ctx, c, url)
		if err != nil {
			return Result{}, err
		}
		sessions[i] = s
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		res  Result
		errs []error
	)
	start := time.Now()
	for _, s := range sessions {
		wg.Go(func() {
			var ops int
			var lat []time.Duration
			for time.Since(start) < d {
				t := time.Now()
				resp, err := s.Call(ctx, method, params)
				if err == nil {
					err = check(resp)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				if clients == 1 {
					lat = append(lat, time.Since(t))
				}
				ops++
			}
			mu.Lock()
			res.Ops += ops
			res.Latencies = append(res.Latencies, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res, errors.Join(errs...)
}
