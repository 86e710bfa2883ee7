package runtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Tests of input meant to end the process, grow it or leak from it
// (issue 12). Each names the attack it replays.

// stdioSession is one ServeIO session driven line by line.
type stdioSession struct {
	t     *testing.T
	in    *io.PipeWriter
	lines chan string
	done  chan error
}

func startStdio(t *testing.T, s *Server, limits ioLimits) *stdioSession {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ss := &stdioSession{t: t, in: inW, lines: make(chan string, 1024), done: make(chan error, 1)}
	go func() { ss.done <- s.serveIO(context.Background(), inR, outW, limits); outW.Close() }()
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 32<<20)
		for sc.Scan() {
			ss.lines <- sc.Text()
		}
		close(ss.lines)
	}()
	t.Cleanup(func() { inW.Close() })
	return ss
}

func (ss *stdioSession) send(line string) {
	ss.t.Helper()
	if _, err := io.WriteString(ss.in, line+"\n"); err != nil {
		ss.t.Fatalf("write: %v", err)
	}
}

type rpcReply struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// next returns the next line the server writes, failing after 10 seconds
// or if the session ended.
func (ss *stdioSession) next() string {
	ss.t.Helper()
	select {
	case l, ok := <-ss.lines:
		if !ok {
			ss.t.Fatalf("the session ended: %v", <-ss.done)
		}
		return l
	case <-time.After(10 * time.Second):
		ss.t.Fatal("no reply in 10s")
	}
	return ""
}

func (ss *stdioSession) reply() rpcReply {
	ss.t.Helper()
	l := ss.next()
	var r rpcReply
	if err := json.Unmarshal([]byte(l), &r); err != nil {
		ss.t.Fatalf("reply %.200s: %v", l, err)
	}
	return r
}

// wantError reads the next reply and checks its id, code and message.
func (ss *stdioSession) wantError(id string, code int, msg string) {
	ss.t.Helper()
	r := ss.reply()
	if r.Error == nil || r.Error.Code != code || string(r.ID) != id || !strings.Contains(r.Error.Message, msg) {
		ss.t.Fatalf("got id %s error %+v result %.100s; want id %s code %d with %q", r.ID, r.Error, r.Result, id, code, msg)
	}
}

// ping checks the session still answers.
func (ss *stdioSession) ping(id int) {
	ss.t.Helper()
	ss.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"ping"}`, id))
	if r := ss.reply(); string(r.ID) != fmt.Sprint(id) || r.Error != nil {
		ss.t.Fatalf("ping %d: id %s error %+v", id, r.ID, r.Error)
	}
}

func (ss *stdioSession) initialize(version string) {
	ss.t.Helper()
	ss.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + version + `","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`)
	if r := ss.reply(); r.Error != nil || !strings.Contains(string(r.Result), version) {
		ss.t.Fatalf("initialize: %+v %s", r.Error, r.Result)
	}
	ss.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
}

// nested returns JSON of depth n: n-1 arrays around an empty array.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// The runtime's depth limit is go-sdk's: a message at the limit decodes,
// one level more does not.
func TestDepthLimitIsGoSDKs(t *testing.T) {
	msg := func(depth int) []byte { // the object itself is one level
		return []byte(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":` + nested(depth-2) + `}}`)
	}
	if _, err := jsonrpc.DecodeMessage(msg(maxDepth)); err != nil {
		t.Errorf("go-sdk refuses depth %d: %v", maxDepth, err)
	}
	if _, err := jsonrpc.DecodeMessage(msg(maxDepth + 1)); err == nil {
		t.Errorf("go-sdk accepts depth %d", maxDepth+1)
	}
	if tooDeep(msg(maxDepth)) || !tooDeep(msg(maxDepth+1)) {
		t.Errorf("tooDeep disagrees with go-sdk at the limit %d", maxDepth)
	}
	if checkMessage(msg(maxDepth)) != nil {
		t.Errorf("checkMessage refuses depth %d", maxDepth)
	}
}

// Attack: one line nested 1000 deep (in params, in tool arguments, in a
// batch element) ended the process, since go-sdk ends the session on it.
func TestStdioDeepLines(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	must(t, s.Add(&Components{Tools: []*Tool{tool("echo", "", text("hi"))}}))
	for _, version := range []string{"2025-11-25", "2025-03-26"} {
		t.Run(version, func(t *testing.T) {
			ss := startStdio(t, s, defaultIOLimits)
			ss.initialize(version)
			deep := nested(1000)
			ss.send(`{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":` + deep + `}}`)
			ss.wantError("2", codeInvalidRequest, "nested deeper than 1000")
			ss.send(`{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":{"x":` + nested(998) + `}}}`)
			ss.wantError(`"a"`, codeInvalidRequest, "nested deeper than 1000")
			ss.send(`{"jsonrpc":"2.0","id":3,"method":"ping","params":{"x":` + strings.Repeat("[", 20000) + `}}`)
			ss.wantError("null", codeInvalidRequest, "nested deeper") // not valid JSON either: no id to echo
			ss.ping(4)
			if version == "2025-03-26" {
				ss.send(`[{"jsonrpc":"2.0","id":5,"method":"ping","params":{"x":` + nested(998) + `}}]`)
				ss.wantError("null", codeInvalidRequest, "nested deeper than 1000")
				ss.send(`[{"jsonrpc":"2.0","id":6,"method":"ping"},{"jsonrpc":"2.0","id":7,"method":"ping"}]`)
				if l := ss.next(); !strings.HasPrefix(l, `[{"jsonrpc":"2.0","id":6,"result":{}}`) {
					t.Fatalf("batch: %s", l)
				}
			}
			// At the limit, a call goes through.
			ss.send(`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"echo","arguments":{"x":` + nested(996) + `}}}`)
			if r := ss.reply(); string(r.ID) != "8" || r.Error != nil {
				t.Fatalf("call at the depth limit: %s %+v", r.ID, r.Error)
			}
			ss.ping(9)
		})
	}
}

// blockingTool returns a tool that counts its running calls and returns
// when release is closed.
func blockingTool(name string, running *atomic.Int64, release <-chan struct{}) *Tool {
	return tool(name, "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		running.Add(1)
		defer running.Add(-1)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return TextResult("released"), nil
	})
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Attack: a request reusing an id in flight. go-sdk drops it unanswered,
// so the client waits forever and the end of input waited 30 seconds for
// an answer that would never come.
func TestStdioDuplicateInFlightID(t *testing.T) {
	var running atomic.Int64
	release := make(chan struct{})
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	must(t, s.Add(&Components{Tools: []*Tool{blockingTool("block", &running, release)}}))
	ss := startStdio(t, s, defaultIOLimits) // the real 30 s drain
	ss.initialize("2025-11-25")
	call := `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"block","arguments":{}}}`
	ss.send(call)
	waitFor(t, "the first call to start", func() bool { return running.Load() == 1 })
	ss.send(call)
	ss.wantError("5", codeInvalidRequest, "already in flight")
	ss.send(`{"jsonrpc":"2.0","id":5.0,"method":"ping"}`) // the same id to go-sdk
	ss.wantError("5.0", codeInvalidRequest, "already in flight")
	close(release)
	if r := ss.reply(); string(r.ID) != "5" || r.Error != nil || !strings.Contains(string(r.Result), "released") {
		t.Fatalf("first call: %s %+v %s", r.ID, r.Error, r.Result)
	}
	ss.send(call) // answered, so the id is free again
	if r := ss.reply(); string(r.ID) != "5" || r.Error != nil {
		t.Fatalf("reused id: %s %+v", r.ID, r.Error)
	}
	start := time.Now()
	ss.in.Close()
	select {
	case err := <-ss.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeIO did not return within 10s of the end of input")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("end of input took %v: the drain waited for an unanswerable request", took)
	}
}

// Attack: a second initialize, which go-sdk refuses, changed the filter's
// batch rule; the batch that followed reached go-sdk, which ended the
// session.
func TestStdioRefusedInitializeKeepsBatchRule(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	for _, tc := range []struct{ first, second, batch string }{
		{"2025-11-25", "2025-03-26", "refused"},
		{"2025-03-26", "2025-11-25", "answered"},
	} {
		t.Run(tc.first, func(t *testing.T) {
			ss := startStdio(t, s, defaultIOLimits)
			ss.initialize(tc.first)
			ss.send(`{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"` + tc.second + `","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`)
			if r := ss.reply(); r.Error == nil {
				t.Fatalf("second initialize accepted: %s", r.Result)
			}
			ss.send(`[{"jsonrpc":"2.0","id":3,"method":"ping"}]`)
			l := ss.next()
			switch tc.batch {
			case "refused":
				if !strings.Contains(l, `"code":-32600`) || !strings.Contains(l, "not supported in protocol version "+tc.first) {
					t.Fatalf("batch under %s: %s", tc.first, l)
				}
			case "answered":
				if l != `[{"jsonrpc":"2.0","id":3,"result":{}}]` {
					t.Fatalf("batch under %s: %s", tc.first, l)
				}
			}
			ss.ping(4)
		})
	}
}

// Before the initialize response, the batch rule is unknown: a batch is
// refused rather than risk go-sdk ending the session.
func TestStdioBatchDuringInitialize(t *testing.T) {
	p := newInflight()
	if _, refused := p.batchesRefused(); refused {
		t.Fatal("batch refused before any initialize (go-sdk takes it)")
	}
	p.admit([]string{"n1"}, map[string]string{"n1": "2025-03-26"}, 10)
	if why, refused := p.batchesRefused(); refused {
		t.Fatalf("batch refused during an initialize for 2025-03-26: %s", why)
	}
	p.admit([]string{"n2"}, map[string]string{"n2": "2099-01-01"}, 10) // go-sdk would negotiate its latest
	if why, refused := p.batchesRefused(); !refused || !strings.Contains(why, "before the initialize request is answered") {
		t.Fatalf("batch during initialize: %v %q", refused, why)
	}
	p.wrote([]byte(`{"jsonrpc":"2.0","id":2,"error":{"code":1,"message":"no"}}`))
	p.wrote([]byte(`{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-03-26"}}`))
	if why, refused := p.batchesRefused(); refused {
		t.Fatalf("batch refused under 2025-03-26: %s", why)
	}
	p.admit([]string{"n3"}, map[string]string{"n3": "2025-11-25"}, 10) // refused by go-sdk: already initialized
	p.wrote([]byte(`{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"no"}}`))
	if why, refused := p.batchesRefused(); refused {
		t.Fatalf("batch refused after a refused initialize: %s", why)
	}
}

// Attack: requests written by a client that never reads its output. Every
// one became a running handler (54k requests: 659 MB, 19k goroutines); now
// at most MaxInFlight run and the rest stay unread.
func TestStdioBackpressure(t *testing.T) {
	var running atomic.Int64
	release := make(chan struct{})
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	must(t, s.Add(&Components{Tools: []*Tool{blockingTool("block", &running, release)}}))
	ss := startStdio(t, s, ioLimits{maxLine: maxLine, drain: time.Minute, maxInFlight: 4})
	ss.initialize("2025-11-25")
	go func() {
		for i := range 40 {
			io.WriteString(ss.in, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"block","arguments":{}}}`+"\n", 100+i))
		}
	}()
	waitFor(t, "4 calls to run", func() bool { return running.Load() == 4 })
	time.Sleep(200 * time.Millisecond)
	if n := running.Load(); n != 4 {
		t.Fatalf("%d calls running with MaxInFlight 4", n)
	}
	close(release)
	seen := map[string]bool{}
	for len(seen) < 40 {
		r := ss.reply()
		if r.Error != nil {
			t.Fatalf("call %s: %+v", r.ID, r.Error)
		}
		seen[string(r.ID)] = true
	}
	ss.ping(1000)
}

// rawPost posts body to url with headers, giving up after timeout; it
// returns the status, the Mcp-Session-Id and the body read so far.
func rawPost(url, body string, timeout time.Duration, header map[string]string) (int, string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Mcp-Session-Id"), string(b), err
}

func initBody(version string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + version + `","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`
}

// Attack: clients that call a tool waiting on its context and hang up
// after 200 ms. On go-sdk's path the handlers went on running (1,600
// handlers, 4,807 goroutines on stateless SSE); every mode and protocol
// version now cancels them.
func TestHTTPDisconnectCancelsHandler(t *testing.T) {
	type mode struct {
		name string
		opts Options
	}
	modes := []mode{
		{"stateful-sse", Options{}},
		{"stateful-json", Options{JSONResponse: true}},
		{"stateless-sse", Options{Stateless: true}},
		{"stateless-json-gosdk", Options{Stateless: true, JSONResponse: true, NoFastPath: true}},
		{"stateless-json-fast", Options{Stateless: true, JSONResponse: true}},
	}
	for _, m := range modes {
		for _, version := range []string{"2025-03-26", "2025-11-25", statelessVersion} {
			if version == statelessVersion && !m.opts.Stateless {
				continue
			}
			t.Run(m.name+"/"+version, func(t *testing.T) {
				t.Parallel()
				var running, cancelled atomic.Int64
				s := NewServer(&Implementation{Name: "t", Version: "1"}, &m.opts)
				must(t, s.Add(&Components{Tools: []*Tool{tool("wait", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
					running.Add(1)
					defer running.Add(-1)
					select {
					case <-ctx.Done():
						cancelled.Add(1)
					case <-time.After(20 * time.Second):
					}
					return TextResult("done"), nil
				})}}))
				srv := httptest.NewServer(s.Handler())
				defer srv.Close()
				header := map[string]string{"Mcp-Protocol-Version": version}
				if !m.opts.Stateless {
					code, sid, body, err := rawPost(srv.URL, initBody(version), 5*time.Second, nil)
					if err != nil || code != 200 || sid == "" {
						t.Fatalf("initialize: %d %q %v %s", code, sid, err, body)
					}
					header["Mcp-Session-Id"] = sid
					rawPost(srv.URL, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, 5*time.Second, header)
				}
				call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wait","arguments":{}}}`
				if version == statelessVersion {
					call = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wait","arguments":{},` + modernMeta + `}}`
					header["Mcp-Method"], header["Mcp-Name"] = "tools/call", "wait"
				}
				const clients = 8
				var wg sync.WaitGroup
				for i := range clients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						body := strings.Replace(call, `"id":2`, fmt.Sprintf(`"id":%d`, 10+i), 1)
						// Long enough for the handler to start on a loaded
						// machine; the tool waits far longer.
						if _, _, _, err := rawPost(srv.URL, body, 1500*time.Millisecond, header); err == nil {
							t.Errorf("call %d finished before its client hung up", i)
						}
					}()
				}
				wg.Wait()
				waitFor(t, "every handler to be cancelled", func() bool { return cancelled.Load() == clients && running.Load() == 0 })
			})
		}
	}
}

// Attack: deep JSON over HTTP. go-sdk answered in plain text, and the fast
// path ran the tool (200); every path now answers 400 with a JSON-RPC
// error.
func TestHTTPDeepBodies(t *testing.T) {
	for _, opts := range []Options{{}, {Stateless: true}, {Stateless: true, JSONResponse: true}, {Stateless: true, JSONResponse: true, NoFastPath: true}} {
		s := NewServer(&Implementation{Name: "t", Version: "1"}, &opts)
		must(t, s.Add(&Components{Tools: []*Tool{tool("echo", "", text("hi"))}}))
		srv := httptest.NewServer(s.Handler())
		header := map[string]string{"Mcp-Protocol-Version": "2025-11-25"}
		for _, body := range []string{
			`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"x":` + nested(998) + `}}}`,
			`{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":` + nested(1000) + `}}`,
		} {
			code, _, got, err := rawPost(srv.URL, body, 5*time.Second, header)
			want := `{"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"Invalid Request: JSON nested deeper than 1000 levels"}}`
			if err != nil || code != http.StatusBadRequest || got != want {
				t.Errorf("%+v: %d %v %s", opts, code, err, got)
			}
		}
		srv.Close()
	}
}

// countingBody counts the bytes read from it.
type countingBody struct {
	r    io.Reader
	read atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c *countingBody) Close() error { return nil }

// Attack: 32 concurrent 16 MiB POSTs. The guard buffered each whole body
// before go-sdk's 4 MiB limit applied (RSS 1.05 GB); now a Content-Length
// over the limit is refused unread, and a body without one is read no
// further than the limit.
func TestHTTPBodyLimit(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{MaxBodyBytes: 1 << 20})
	h := s.Handler()
	big := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 16<<20) + `"}}`
	for _, declared := range []bool{true, false} {
		body := &countingBody{r: strings.NewReader(big)}
		req := httptest.NewRequest(http.MethodPost, "/", nil)
		req.Body = body
		req.ContentLength = -1
		if declared {
			req.ContentLength = int64(len(big))
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"code":-32600`) || !strings.Contains(rec.Body.String(), "exceeds the limit") {
			t.Errorf("declared=%v: %d %s", declared, rec.Code, rec.Body.String())
		}
		switch n := body.read.Load(); {
		case declared && n != 0:
			t.Errorf("read %d bytes of a body whose Content-Length is over the limit", n)
		case !declared && n > 1<<20+64<<10:
			t.Errorf("read %d bytes of a body over the 1 MiB limit", n)
		}
	}
	// A body within the limit is served.
	srv := httptest.NewServer(h)
	defer srv.Close()
	if code, _, body, err := rawPost(srv.URL, initBody("2025-11-25"), 5*time.Second, nil); err != nil || code != 200 {
		t.Errorf("initialize: %d %v %s", code, err, body)
	}
}

// Risk: Origin was not validated, though the specification says servers
// MUST. Cross-origin requests are refused on every path, fast path
// included, unless allowed.
func TestHTTPOrigin(t *testing.T) {
	for _, opts := range []Options{{}, {Stateless: true, JSONResponse: true}, {AllowedOrigins: []string{"https://app.example"}}, {AllowedOrigins: []string{"*"}}} {
		s := NewServer(&Implementation{Name: "t", Version: "1"}, &opts)
		must(t, s.Add(&Components{Tools: []*Tool{tool("echo", "", text("hi"))}}))
		srv := httptest.NewServer(s.Handler())
		host := strings.TrimPrefix(srv.URL, "http://")
		call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{}}}`
		body := call
		if !opts.Stateless {
			body = initBody("2025-11-25")
		}
		for origin, allowed := range map[string]bool{
			"":                     true,
			"http://" + host:       true,
			"https://evil.example": len(opts.AllowedOrigins) > 0 && opts.AllowedOrigins[0] == "*",
			"https://app.example":  len(opts.AllowedOrigins) > 0,
			"null":                 len(opts.AllowedOrigins) > 0 && opts.AllowedOrigins[0] == "*",
		} {
			header := map[string]string{"Mcp-Protocol-Version": "2025-11-25"}
			if origin != "" {
				header["Origin"] = origin
			}
			code, _, got, err := rawPost(srv.URL, body, 5*time.Second, header)
			if err != nil {
				t.Fatal(err)
			}
			if allowed && code != 200 || !allowed && (code != http.StatusForbidden || !strings.Contains(got, `"code":-32600`)) {
				t.Errorf("%+v origin %q: %d %s", opts.AllowedOrigins, origin, code, got)
			}
		}
		srv.Close()
	}
}

// Risk: sessions were unbounded (20,000 opened in 16 s, kept forever).
// Beyond MaxSessions an initialize gets 503 with a JSON-RPC error; ending
// a session makes room; idle sessions close after SessionTimeout.
func TestHTTPSessionLimits(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{MaxSessions: 3, SessionTimeout: 2 * time.Second})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	var ids []string
	for i := range 3 {
		code, sid, body, err := rawPost(srv.URL, initBody("2025-11-25"), 5*time.Second, nil)
		if err != nil || code != 200 || sid == "" {
			t.Fatalf("session %d: %d %v %s", i, code, err, body)
		}
		ids = append(ids, sid)
	}
	code, _, body, err := rawPost(srv.URL, initBody("2025-11-25"), 5*time.Second, nil)
	if err != nil || code != http.StatusServiceUnavailable || !strings.Contains(body, `"code":-32000`) || !strings.Contains(body, "3 sessions") {
		t.Fatalf("fourth session: %d %v %s", code, err, body)
	}
	// A live session still works.
	if code, _, body, _ := rawPost(srv.URL, `{"jsonrpc":"2.0","id":5,"method":"ping"}`, 5*time.Second, map[string]string{"Mcp-Session-Id": ids[0], "Mcp-Protocol-Version": "2025-11-25"}); code != 200 {
		t.Fatalf("ping in a live session: %d %s", code, body)
	}
	// Idle sessions time out and make room.
	waitFor(t, "idle sessions to close", func() bool { return s.liveSessions() == 0 })
	if code, _, body, _ := rawPost(srv.URL, initBody("2025-11-25"), 5*time.Second, nil); code != 200 {
		t.Fatalf("session after the others timed out: %d %s", code, body)
	}
}

// The default session timeout is 30 minutes, and a negative one keeps
// sessions.
func TestSessionTimeoutDefault(t *testing.T) {
	if got := orDefault(0, DefaultSessionTimeout); got != 30*time.Minute {
		t.Errorf("default session timeout %v", got)
	}
	if got := orDefault(-1, DefaultSessionTimeout); got != 0 {
		t.Errorf("negative session timeout %v, want none", got)
	}
}

// Risk: a tool that ignores its context and never returns leaked a
// goroutine per call after its timeout, uncounted. Such calls are counted
// and, beyond MaxAbandonedCalls, the tool is refused until they return.
func TestAbandonedCalls(t *testing.T) {
	release := make(chan struct{})
	stuck := tool("stuck", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
		<-release // ignores its context
		return TextResult("back"), nil
	})
	stuck.Timeout = 20 * time.Millisecond
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{MaxAbandonedCalls: 3})
	must(t, s.Add(&Components{Tools: []*Tool{stuck, tool("echo", "", text("hi"))}}))
	cs := connect(t, s, nil)
	for i := range 3 {
		res := call(t, cs, "stuck", map[string]any{})
		if !res.IsError || !strings.Contains(resultText(res), "timed out") {
			t.Fatalf("call %d: %s", i, resultText(res))
		}
	}
	if n, all := s.AbandonedCalls("stuck"), s.AbandonedCalls(""); n != 3 || all != 3 {
		t.Fatalf("abandoned: %d of stuck, %d in all; want 3", n, all)
	}
	res := call(t, cs, "stuck", map[string]any{})
	if !res.IsError || !strings.Contains(resultText(res), `tool "stuck" is unavailable: 3 of its calls are still running`) {
		t.Fatalf("fourth call: %s", resultText(res))
	}
	if res := call(t, cs, "echo", map[string]any{}); res.IsError { // other tools are unaffected
		t.Fatalf("echo: %s", resultText(res))
	}
	close(release)
	waitFor(t, "the abandoned calls to return", func() bool { return s.AbandonedCalls("") == 0 })
	if res := call(t, cs, "stuck", map[string]any{}); res.IsError || resultText(res) != "back" {
		t.Fatalf("after the calls returned: %s", resultText(res))
	}
}

// serveHTTP runs ListenAndServe on 127.0.0.1 and returns its address.
func serveHTTP(t *testing.T, s *Server) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- s.ListenAndServe(ctx, "127.0.0.1:0", func(url string) {
			addr <- strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/mcp")
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ListenAndServe: %v", err)
		}
	})
	select {
	case a := <-addr:
		return a
	case err := <-done:
		t.Fatalf("ListenAndServe: %v", err)
	}
	return ""
}

// Risk: ListenAndServe set only ReadHeaderTimeout, so a never-ending body
// or idle connections held a goroutine and a descriptor each, without
// bound. Bodies must arrive within ReadTimeout, idle connections close, and
// at most MaxConnections are open; the server serves again once the
// attackers' connections are gone.
func TestListenAndServeLimits(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{
		Stateless: true, JSONResponse: true, MaxConnections: 4,
		ReadTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond,
	})
	must(t, s.Add(&Components{Tools: []*Tool{tool("echo", "", text("hi"))}}))
	addr := serveHTTP(t, s)
	url := "http://" + addr + "/mcp"
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{}}}`
	header := map[string]string{"Mcp-Protocol-Version": "2025-11-25"}

	// A chunked body that never ends is cut after the read timeout.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"jso\r\n", addr)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("a stalled body held its connection open: %v", err)
	}

	// Connections beyond the cap wait; idle ones close and make room.
	var idle []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	start := time.Now()
	if code, _, body, err := rawPost(url, call, 5*time.Second, header); err != nil || code != 200 {
		t.Fatalf("call while 4 idle connections are open: %d %v %s", code, err, body)
	}
	if waited := time.Since(start); waited < 200*time.Millisecond {
		t.Errorf("call served after %v, with all 4 connections taken", waited)
	}
	for _, c := range idle {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadAll(c); err != nil {
			t.Errorf("an idle connection stayed open: %v", err)
		}
	}
}

// Every limit has a flag and an environment variable; flags win over the
// environment, which wins over Options.
func TestRunArgsLimits(t *testing.T) {
	t.Setenv("MCPGEN_MAX_SESSIONS", "7")
	t.Setenv("MCPGEN_SESSION_TIMEOUT", "5m")
	t.Setenv("MCPGEN_MAX_IN_FLIGHT", "3")
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{MaxInFlight: 99, IdleTimeout: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // serve and stop at once
	err := s.RunArgs(ctx, []string{"-http", "127.0.0.1:0", "-max-in-flight", "11", "-allowed-origins", "https://a.example, https://b.example", "-max-body-bytes", "1000"})
	if err != nil {
		t.Fatal(err)
	}
	o := s.opts
	if o.MaxSessions != 7 || o.SessionTimeout != 5*time.Minute || o.MaxInFlight != 11 || o.MaxBodyBytes != 1000 ||
		o.IdleTimeout != time.Second || o.WriteTimeout != DefaultWriteTimeout || o.MaxConnections != DefaultMaxConnections ||
		strings.Join(o.AllowedOrigins, " ") != "https://a.example https://b.example" {
		t.Errorf("options after flags and environment: %+v", o)
	}
	t.Setenv("MCPGEN_MAX_SESSIONS", "many")
	if err := NewServer(&Implementation{Name: "t", Version: "1"}, nil).RunArgs(ctx, []string{"-http", "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "MCPGEN_MAX_SESSIONS") {
		t.Errorf("malformed environment: %v", err)
	}
}

// misbehavingServer has tools whose results cannot be sent as they are,
// and middleware that panics or breaks results, for the named tools.
func misbehavingServer(t *testing.T, opts *Options) *Server {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, opts)
	ok := func(context.Context, json.RawMessage) (*CallToolResult, error) { return TextResult("fine"), nil }
	must(t, s.Add(&Components{
		Tools: []*Tool{
			tool("nil_content", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				return &CallToolResult{Content: []Content{(*TextContent)(nil)}}, nil
			}),
			tool("bad_structured", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				return &CallToolResult{Content: []Content{&TextContent{Text: "x"}}, StructuredContent: json.RawMessage(`{"broken":`)}, nil
			}),
			tool("mw_panic", "", ok), tool("mw_nil_content", "", ok), tool("echo", "", ok),
		},
		Prompts: []*Prompt{{Name: "nil_message", Handler: func(context.Context, map[string]string) (*GetPromptResult, error) {
			return &GetPromptResult{Messages: []*PromptMessage{{Role: "user", Content: (*TextContent)(nil)}}}, nil
		}}},
	}))
	s.Use(func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (mcp.Result, error) {
			switch r.Name {
			case "mw_panic":
				panic("middleware boom")
			case "mw_nil_content":
				return &CallToolResult{Content: []Content{&TextContent{Text: "a"}, (*ImageContent)(nil)}}, nil
			}
			return next(ctx, r)
		}
	})
	return s
}

// Attack: a panic outside a tool handler (in middleware, or in go-sdk
// encoding a result with a nil content entry) ended every session on
// stdio, stateful and stateless SSE; malformed structured content got no
// reply at all. Each now gets an error and the server goes on.
func TestResultsThatCannotBeSent(t *testing.T) {
	want := map[string]string{
		"nil_content":    `"isError":true`,
		"bad_structured": `cannot be encoded as JSON`,
		"mw_panic":       `"code":-32603,"message":"internal error: middleware boom"`,
		"mw_nil_content": `cannot be encoded as JSON`,
	}
	check := func(t *testing.T, name, got string) {
		t.Helper()
		if !strings.Contains(got, want[name]) {
			t.Errorf("%s: %s\nwant %s", name, got, want[name])
		}
		if name == "nil_content" && !strings.Contains(got, "empty content entry (content[0])") {
			t.Errorf("%s: %s", name, got)
		}
	}
	callLine := func(id int, name string) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, id, name)
	}
	t.Run("stdio", func(t *testing.T) {
		ss := startStdio(t, misbehavingServer(t, nil), defaultIOLimits)
		ss.initialize("2025-11-25")
		id := 10
		for name := range want {
			id++
			ss.send(callLine(id, name))
			check(t, name, ss.next())
			ss.ping(1000 + id)
		}
		ss.send(`{"jsonrpc":"2.0","id":5,"method":"prompts/get","params":{"name":"nil_message"}}`)
		ss.wantError("5", -32603, "could not be encoded")
		ss.ping(6)
	})
	for _, opts := range []Options{{}, {Stateless: true}, {Stateless: true, JSONResponse: true}, {Stateless: true, JSONResponse: true, NoFastPath: true}} {
		t.Run(fmt.Sprintf("http %+v", opts), func(t *testing.T) {
			srv := httptest.NewServer(misbehavingServer(t, &opts).Handler())
			defer srv.Close()
			header := map[string]string{"Mcp-Protocol-Version": "2025-11-25"}
			if !opts.Stateless {
				_, sid, _, err := rawPost(srv.URL, initBody("2025-11-25"), 5*time.Second, nil)
				if err != nil || sid == "" {
					t.Fatalf("initialize: %v", err)
				}
				header["Mcp-Session-Id"] = sid
			}
			for name := range want {
				code, _, got, err := rawPost(srv.URL, callLine(2, name), 5*time.Second, header)
				if err != nil || code != 200 {
					t.Fatalf("%s: %d %v %s", name, code, err, got)
				}
				check(t, name, got)
			}
			if code, _, got, _ := rawPost(srv.URL, callLine(3, "echo"), 5*time.Second, header); code != 200 || !strings.Contains(got, "fine") {
				t.Fatalf("echo after the others: %d %s", code, got)
			}
		})
	}
}

// Risk: errors named Go types and quoted the whole params
// ("unmarshaling ... into a *mcp.CallToolParamsRaw: ... of type string").
// Every transport now says what is wrong in JSON terms.
func TestParamsErrorsForClients(t *testing.T) {
	cases := map[string]string{
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":1,"arguments":{}}}`:            `{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Invalid params: params.name: expected a string, got a number"}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":"x"}`:                                  `{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Invalid params: params: expected an object, got a string"}}`,
		`{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":[5]}}`:                      `{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Invalid params: params.uri: expected a string, got an array"}}`,
		`{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"p","arguments":{"a":true}}}`: `{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Invalid params: params.arguments: expected a string, got a boolean"}}`,
	}
	t.Run("stdio", func(t *testing.T) {
		ss := startStdio(t, NewServer(&Implementation{Name: "t", Version: "1"}, nil), defaultIOLimits)
		ss.initialize("2025-11-25")
		for line, want := range cases {
			ss.send(line)
			if got := ss.next(); got != want {
				t.Errorf("%s:\ngot  %s\nwant %s", line, got, want)
			}
		}
		ss.ping(9)
	})
	for _, opts := range []Options{{}, {Stateless: true}, {Stateless: true, JSONResponse: true}} {
		t.Run(fmt.Sprintf("http %+v", opts), func(t *testing.T) {
			srv := httptest.NewServer(NewServer(&Implementation{Name: "t", Version: "1"}, &opts).Handler())
			defer srv.Close()
			header := map[string]string{"Mcp-Protocol-Version": "2025-11-25"}
			if !opts.Stateless {
				_, sid, _, _ := rawPost(srv.URL, initBody("2025-11-25"), 5*time.Second, nil)
				header["Mcp-Session-Id"] = sid
			}
			for line, want := range cases {
				code, _, got, err := rawPost(srv.URL, line, 5*time.Second, header)
				if err != nil || code != 200 || got != want {
					t.Errorf("%s:\ngot  %d %v %s\nwant %s", line, code, err, got, want)
				}
			}
		})
	}
}

// hostileSeeds reach the limits: deep nesting around the depth limit, in
// params, arguments and batches; invalid UTF-8 in ids, methods and
// arguments; duplicate ids; batches; huge numbers.
func hostileSeeds() []string {
	return []string{
		`{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":` + nested(997) + `}}`,
		`{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":` + nested(998) + `}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"x":` + nested(996) + `}}}`,
		`[{"jsonrpc":"2.0","id":5,"method":"ping","params":{"x":` + nested(997) + `}}]`,
		strings.Repeat("[", 1200),
		strings.Repeat(`{"a":`, 1001) + "1" + strings.Repeat("}", 1001),
		"{\"jsonrpc\":\"2.0\",\"id\":\"a\xffb\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{}}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"ec\xc3ho\",\"arguments\":{\"s\":\"\xed\xa0\x80\"}}}",
		`{"jsonrpc":"2.0","id":"\ud800","method":"ping"}`,
		`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":1,"method":"ping"}]`,
		`{"jsonrpc":"2.0","id":1e400,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":"x","_meta":{"progressToken":{}}}}`,
		`{"jsonrpc":"2.0","id":1,"result":{}}`,
	}
}

// FuzzStdioFilter feeds any line to a stdio session after initialization:
// the session must answer a ping after it, whatever it was.
func FuzzStdioFilter(f *testing.F) {
	for _, s := range hostileSeeds() {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	if err := s.Add(&Components{Tools: []*Tool{tool("echo", "", text("hi"))}}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line []byte, old bool) {
		if bytes.ContainsAny(line, "\r\n") {
			return // one line
		}
		version := "2025-11-25"
		if old {
			version = "2025-03-26"
		}
		in := initBody(version) + "\n" + `{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n" + string(line) + "\n" + `{"jsonrpc":"2.0","id":"fuzz-ping","method":"ping"}` + "\n"
		var out syncBuffer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := s.serveIO(ctx, strings.NewReader(in), &out, ioLimits{maxLine: 1 << 20, drain: 2 * time.Second, maxInFlight: 8})
		if err != nil {
			t.Fatalf("the session ended: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), `{"jsonrpc":"2.0","id":"fuzz-ping","result":{}}`) {
			t.Fatalf("no answer to the ping after %q:\n%s", line, out.String())
		}
	})
}

// FuzzHTTPGuard posts any body to every kind of stateless HTTP server: a
// body that is not a JSON-RPC message gets 400 with a JSON-RPC error (never
// go-sdk's plain text), any response is valid UTF-8, and the server answers
// a ping after it.
func FuzzHTTPGuard(f *testing.F) {
	for _, s := range hostileSeeds() {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(2))
	}
	var handlers []http.Handler
	for _, opts := range []Options{{Stateless: true}, {Stateless: true, JSONResponse: true}, {Stateless: true, JSONResponse: true, NoFastPath: true}} {
		s := NewServer(&Implementation{Name: "t", Version: "1"}, &opts)
		if err := s.Add(&Components{Tools: []*Tool{tool("echo", "", text("hi"))}}); err != nil {
			f.Fatal(err)
		}
		handlers = append(handlers, s.Handler())
	}
	post := func(h http.Handler, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-03-26")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		h := handlers[int(which)%len(handlers)]
		rec := post(h, body)
		malformed := len(bytes.TrimSpace(body)) == 0 || checkMessage(body) != nil
		if malformed && (rec.Code != http.StatusBadRequest || rec.Header().Get("Content-Type") != "application/json") {
			t.Fatalf("malformed body %q: %d %s %s", body, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
		if !utf8.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid UTF-8 in the response to %q: %q", body, rec.Body.String())
		}
		if rec := post(h, []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)); rec.Code != 200 {
			t.Fatalf("ping after %q: %d %s", body, rec.Code, rec.Body.String())
		}
	})
}

// Bodies being read share MaxBodyMemory beyond their first 64 KiB, so that
// many large bodies at once cannot exhaust memory: one that would exceed
// it gets 503, and the memory is given back when a request is done.
func TestHTTPBodyMemory(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{Stateless: true, MaxBodyMemory: 1 << 20})
	h := s.Handler()
	post := func(size int) *httptest.ResponseRecorder {
		body := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", size) + `"}}`
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for range 3 {
		if rec := post(2 << 20); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "too many large request bodies") {
			t.Fatalf("2 MiB body with 1 MiB of body memory: %d %s", rec.Code, rec.Body.String())
		}
		if rec := post(512 << 10); rec.Code != 200 {
			t.Fatalf("512 KiB body: %d %s", rec.Code, rec.Body.String())
		}
	}
	if n := h.(*httpGuard).bodyMemory.Load(); n != 0 {
		t.Errorf("%d bytes of body memory still drawn after the requests", n)
	}
}

// While MaxInFlight requests are in flight and the server waits for the
// client's answer to a request of its own (which is behind the line held),
// the filter refuses the held line as busy rather than wait forever.
func TestStdioBusyWhileServerWaits(t *testing.T) {
	p := newInflight()
	if got := p.admit([]string{"n1", "n2"}, nil, 2); got != admitOK {
		t.Fatalf("admit: %v", got)
	}
	p.wrote([]byte(`{"jsonrpc":"2.0","id":1,"method":"elicitation/create","params":{}}`)) // the server asks the client
	if got := p.admit([]string{"n3"}, nil, 2); got != admitBusy {
		t.Fatalf("full, with the server waiting on the client: %v, want busy", got)
	}
	p.answered("n1") // the client answered the server's request
	done := make(chan admission, 1)
	go func() { done <- p.admit([]string{"n3"}, nil, 2) }()
	select {
	case got := <-done:
		t.Fatalf("full: admitted at once (%v); want a wait", got)
	case <-time.After(50 * time.Millisecond):
	}
	p.wrote([]byte(`{"jsonrpc":"2.0","id":1,"result":{}}`)) // n1 answered
	if got := <-done; got != admitOK {
		t.Fatalf("after an answer: %v", got)
	}
}

// The other order: the filter already waits for room when the server asks
// the client something; the line it holds is refused as busy, so that the
// client's answer behind it is read.
func TestStdioServerAsksWhileFilterWaits(t *testing.T) {
	p := newInflight()
	if got := p.admit([]string{"n1"}, nil, 1); got != admitOK {
		t.Fatalf("admit: %v", got)
	}
	done := make(chan admission, 1)
	go func() { done <- p.admit([]string{"n2"}, nil, 1) }()
	select {
	case got := <-done:
		t.Fatalf("full: admitted at once (%v); want a wait", got)
	case <-time.After(50 * time.Millisecond):
	}
	p.wrote([]byte(`{"jsonrpc":"2.0","id":7,"method":"elicitation/create","params":{}}`))
	select {
	case got := <-done:
		if got != admitBusy {
			t.Fatalf("after the server asked: %v, want busy", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting filter was not woken by the server's request")
	}
}
