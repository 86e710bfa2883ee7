//go:build linux

// Package attack replays the attacks of issue 12 against a real server
// binary (attackserver) over stdio and over HTTP on 127.0.0.1, in every
// HTTP mode, and checks after each that the process is alive, that its
// resident memory stayed under rssBound, that its goroutines came back to
// their baseline, and that the right error came back. TestLoad runs 64
// clients for 15 seconds of mixed calls with no transport error. Run it
// alone with `make attack`; make test runs it too. Linux only (it reads
// /proc).
package attack

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// rssBound is the most resident memory the server may use during any
// attack. Before issue 12, 32 concurrent 16 MiB POSTs took it to 1.05 GB
// and 54k unread stdio requests to 659 MB.
const rssBound = 200 << 20

// goroutineSlack is how far above its baseline the server's goroutine
// count may stay once an attack is over (idle keep-alive connections of
// the test's own clients, timers).
const goroutineSlack = 12

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mcpgen-attack")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "attackserver")
	if out, err := exec.Command("go", "build", "-o", bin, "./attackserver").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./attackserver: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running attackserver.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	exited chan error
	maxRSS atomic.Int64
	stop   chan struct{}
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	p := &proc{t: t, cmd: cmd, exited: make(chan error, 1), stop: make(chan struct{})}
	return p
}

// watch samples the process's RSS every 20 ms until it ends.
func (p *proc) watch() {
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
				if rss := p.rss(); rss > p.maxRSS.Load() {
					p.maxRSS.Store(rss)
				}
			}
		}
	}()
	go func() { p.exited <- p.cmd.Wait(); close(p.stop) }()
}

// rss reads the process's resident set size from /proc.
func (p *proc) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

// fds counts the process's open file descriptors.
func (p *proc) fds() int {
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	return len(entries)
}

// alive fails the test if the process has exited.
func (p *proc) alive(what string) {
	p.t.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err
		p.t.Fatalf("after %s the server exited: %v", what, err)
	default:
	}
}

// checkRSS fails the test if the process ever used more than rssBound.
func (p *proc) checkRSS(what string) {
	p.t.Helper()
	if max := p.maxRSS.Load(); max > rssBound {
		p.t.Errorf("%s: resident memory reached %d MB, over the bound of %d MB", what, max>>20, rssBound>>20)
	}
	p.t.Logf("%s: peak RSS %d MB", what, p.maxRSS.Load()>>20)
}

func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.stop
}

// stats is what the attackserver's stats tool reports.
type stats struct {
	Goroutines int `json:"goroutines"`
	Abandoned  int `json:"abandoned"`
}

// settle polls get until the goroutines are back within goroutineSlack of
// base, failing after 10 seconds.
func settle(t *testing.T, what string, base int, get func() stats) stats {
	t.Helper()
	var st stats
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		st = get()
		if st.Goroutines <= base+goroutineSlack {
			return st
		}
		if time.Now().After(deadline) {
			t.Errorf("%s: %d goroutines 10 s later, baseline %d", what, st.Goroutines, base)
			return st
		}
	}
}

// --- stdio -----------------------------------------------------------

// stdioProc is an attackserver serving stdio.
type stdioProc struct {
	*proc
	in     io.WriteCloser
	lines  chan string
	paused atomic.Bool   // the reader stops reading stdout
	resume chan struct{} // and goes on when this is closed
}

func startStdio(t *testing.T) *stdioProc {
	t.Helper()
	p := start(t)
	in, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.watch()
	sp := &stdioProc{proc: p, in: in, lines: make(chan string, 1024), resume: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 32<<20)
		for sc.Scan() {
			sp.lines <- sc.Text()
			if sp.paused.Load() {
				<-sp.resume
			}
		}
		close(sp.lines)
	}()
	t.Cleanup(p.kill)
	return sp
}

func (s *stdioProc) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		s.t.Fatalf("write: %v", err)
	}
}

func (s *stdioProc) next() string {
	s.t.Helper()
	select {
	case l, ok := <-s.lines:
		if !ok {
			s.alive("reading")
			s.t.Fatal("stdout closed")
		}
		return l
	case <-time.After(10 * time.Second):
		s.t.Fatal("no reply in 10 s")
	}
	return ""
}

// expect reads replies up to the first containing wants[0] (others, such
// as the answer to a cancelled call, are skipped) and checks it contains
// each of wants.
func (s *stdioProc) expect(what string, wants ...string) string {
	s.t.Helper()
	got := s.next()
	for i := 0; i < 50 && !strings.Contains(got, wants[0]); i++ {
		got = s.next()
	}
	for _, w := range wants {
		if !strings.Contains(got, w) {
			s.t.Errorf("%s: %.300s\nwant %s", what, got, w)
		}
	}
	return got
}

func (s *stdioProc) call(id any, tool string) string {
	js, _ := json.Marshal(id)
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, js, tool)
}

func (s *stdioProc) stats() stats {
	s.t.Helper()
	s.send(s.call("stats", "stats"))
	return parseStats(s.t, s.expect("stats", `"id":"stats"`))
}

func parseStats(t *testing.T, reply string) stats {
	t.Helper()
	var r struct {
		Result mcp.CallToolResult `json:"result"`
	}
	var st stats
	if err := json.Unmarshal([]byte(reply), &r); err != nil || len(r.Result.Content) == 0 {
		t.Fatalf("stats: %v %s", err, reply)
	}
	if err := json.Unmarshal([]byte(r.Result.Content[0].(*mcp.TextContent).Text), &st); err != nil {
		t.Fatalf("stats: %v %s", err, reply)
	}
	return st
}

func initLine(id int, version string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"attacker","version":"1"}}}`, id, version)
}

func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// Every stdio attack of issue 12 on one session, then the end of input.
func TestStdioAttacks(t *testing.T) {
	s := startStdio(t)
	s.send(initLine(1, "2025-11-25"))
	s.expect("initialize", `"protocolVersion":"2025-11-25"`)
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	base := s.stats().Goroutines

	// 1. Deep lines.
	s.send(`{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":` + nested(1000) + `}}`)
	s.expect("deep ping", `"id":2,"error":{"code":-32600`, "nested deeper than 1000")
	s.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"x":` + nested(998) + `}}}`)
	s.expect("deep arguments", `"id":3,"error":{"code":-32600`)
	s.alive("deep lines")

	// 3. Panics and results that cannot be sent.
	for tool, want := range map[string]string{
		"panic":          `tool \"panic\" panicked`,
		"mw_panic":       `"code":-32603,"message":"internal error: middleware panicked on purpose"`,
		"nil_content":    `empty content entry`,
		"bad_structured": `cannot be encoded as JSON`,
		"fail":           `failed on purpose`,
	} {
		s.send(s.call(tool, tool))
		s.expect(tool, `"id":"`+tool+`"`, want)
	}
	s.alive("panics")

	// 6. A duplicate in-flight id.
	s.send(s.call(7, "wait"))
	time.Sleep(50 * time.Millisecond)
	s.send(s.call(7, "echo"))
	s.expect("duplicate id", `"id":7,"error":{"code":-32600`, "already in flight")
	s.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}`)

	// 7. A refused second initialize, then a batch.
	s.send(initLine(8, "2025-03-26"))
	s.expect("second initialize", `"id":8,"error"`)
	s.send(`[{"jsonrpc":"2.0","id":9,"method":"ping"}]`)
	s.expect("batch after a refused initialize", `"code":-32600`, "not supported in protocol version 2025-11-25")
	s.alive("duplicate initialize")

	// 13. Params of the wrong shape: no Go in the message.
	s.send(`{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":1,"arguments":{}}}`)
	if got := s.expect("bad params", `"id":10,"error":{"code":-32602`); strings.Contains(got, "mcp.") || strings.Contains(got, "Go ") {
		t.Errorf("bad params: the message names Go types: %s", got)
	}

	// 12. A tool that ignores its context: abandoned calls are bounded.
	refused := 0
	for i := range 20 {
		s.send(s.call(100+i, "stuck"))
		if strings.Contains(s.expect("stuck", fmt.Sprintf(`"id":%d`, 100+i)), "is unavailable") {
			refused++
		}
	}
	if st := s.stats(); st.Abandoned != 16 || refused != 4 {
		t.Errorf("stuck tool: %d abandoned calls, %d refused; want 16 and 4", st.Abandoned, refused)
	}

	s.send(`{"jsonrpc":"2.0","id":11,"method":"ping"}`)
	s.expect("ping", `{"jsonrpc":"2.0","id":11,"result":{}}`)
	s.checkRSS("stdio attacks")
	_ = base

	// 6. The end of input does not wait for unanswerable requests.
	start := time.Now()
	s.in.Close()
	select {
	case err := <-s.exited:
		if err != nil {
			t.Errorf("exit: %v", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("the server took %v to exit after its input ended", took)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("the server did not exit after its input ended")
	}
}

// 11. A client that writes 50,000 requests and reads nothing: the server
// stops reading (bounded memory), then answers them all once read.
func TestStdioBackpressure(t *testing.T) {
	s := startStdio(t)
	s.send(initLine(1, "2025-11-25"))
	s.expect("initialize", `"protocolVersion"`)
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	base := s.stats().Goroutines
	// Stop the reader: take over stdout ourselves only after writing.
	const n = 50000
	var buf bytes.Buffer
	for i := range n {
		fmt.Fprintf(&buf, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"i":%d}}}`+"\n", 1000+i, i)
	}
	s.paused.Store(true) // stdout goes unread
	wrote := make(chan error, 1)
	go func() { _, err := s.in.Write(buf.Bytes()); wrote <- err }()
	time.Sleep(3 * time.Second)
	s.alive("50,000 requests with stdout unread")
	s.checkRSS("50,000 requests with stdout unread")
	select {
	case err := <-wrote:
		t.Errorf("the server read all 50,000 requests (%v) while its output went unread", err)
	default:
	}
	s.paused.Store(false)
	close(s.resume)
	got := 0
	deadline := time.After(60 * time.Second)
	for got < n {
		select {
		case l := <-s.lines:
			if strings.Contains(l, `"result"`) {
				got++
			}
		case <-deadline:
			t.Fatalf("%d of %d requests answered", got, n)
		}
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	settle(t, "after 50,000 requests", base, s.stats)
	s.checkRSS("50,000 requests")
}

// --- HTTP -------------------------------------------------------------

// httpProc is an attackserver serving HTTP on 127.0.0.1.
type httpProc struct {
	*proc
	url, addr string
	stateless bool
	client    *http.Client
	sid       string       // the session of stats calls, when stateful
	authLogs  atomic.Int64 // stderr lines about authorization checks
}

func startHTTP(t *testing.T, args ...string) *httpProc {
	t.Helper()
	return startHTTPEnv(t, nil, args...)
}

// startHTTPEnv is startHTTP with variables added to the server's
// environment.
func startHTTPEnv(t *testing.T, env []string, args ...string) *httpProc {
	t.Helper()
	p := start(t, append([]string{"-http", "127.0.0.1:0"}, args...)...)
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.watch()
	t.Cleanup(p.kill)
	urls := make(chan string, 1)
	h := &httpProc{proc: p, client: &http.Client{Timeout: 30 * time.Second}}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if _, url, ok := strings.Cut(sc.Text(), "serving MCP on "); ok {
				urls <- url
			}
			if strings.Contains(sc.Text(), "authorization check") {
				h.authLogs.Add(1)
			}
		}
	}()
	select {
	case h.url = <-urls:
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not say where it serves")
	}
	h.addr = strings.TrimSuffix(strings.TrimPrefix(h.url, "http://"), "/mcp")
	for _, a := range args {
		h.stateless = h.stateless || a == "-stateless"
	}
	if !h.stateless {
		h.sid = h.initialize(t)
	}
	return h
}

// post sends body with the usual headers plus extra, returning status and
// body.
func (h *httpProc) post(ctx context.Context, body string, extra map[string]string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func (h *httpProc) session() map[string]string {
	if h.sid == "" {
		return nil
	}
	return map[string]string{"Mcp-Session-Id": h.sid}
}

func (h *httpProc) initialize(t *testing.T) string {
	t.Helper()
	return h.initializeAs(t, "")
}

// initializeAs opens a session with a bearer token ("" for none).
func (h *httpProc) initializeAs(t *testing.T, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url, strings.NewReader(initLine(1, "2025-11-25")))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	auth := map[string]string{}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
		auth["Authorization"] = "Bearer " + token
	}
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || sid == "" {
		t.Fatalf("initialize: %d %q", resp.StatusCode, sid)
	}
	auth["Mcp-Session-Id"] = sid
	h.post(context.Background(), `{"jsonrpc":"2.0","method":"notifications/initialized"}`, auth)
	return sid
}

func callBody(id any, tool string) string {
	js, _ := json.Marshal(id)
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, js, tool)
}

// sseData returns the JSON of an SSE response, or body itself.
func sseData(body string) string {
	for _, l := range strings.Split(body, "\n") {
		if d, ok := strings.CutPrefix(l, "data: "); ok {
			return d
		}
	}
	return body
}

func (h *httpProc) stats(t *testing.T) stats {
	t.Helper()
	code, body, err := h.post(context.Background(), callBody("stats", "stats"), h.session())
	if err != nil || code != 200 {
		t.Fatalf("stats: %d %v %s", code, err, body)
	}
	return parseStats(t, sseData(body))
}

// rawRequest writes a request's head and part of its body on a new
// connection and returns the status line the server answers with.
func rawRequest(addr, head string, body []byte) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	go func() { c.Write([]byte(head)); c.Write(body) }()
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

var httpModes = []struct {
	name string
	args []string
}{
	{"stateful", nil},
	{"stateless-sse", []string{"-stateless"}},
	{"stateless-json", []string{"-stateless", "-json-response"}}, // the fast path
}

// Every HTTP attack of issue 12, in each mode.
func TestHTTPAttacks(t *testing.T) {
	for _, mode := range httpModes {
		t.Run(mode.name, func(t *testing.T) {
			h := startHTTP(t, append([]string{"-read-timeout", "3s", "-idle-timeout", "1s", "-max-connections", "64"}, mode.args...)...)
			ctx := context.Background()
			base := h.stats(t).Goroutines

			// 1. Deep bodies: 400 with a JSON-RPC error on every path.
			for _, body := range []string{
				`{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":` + nested(1000) + `}}`,
				`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"x":` + nested(998) + `}}}`,
			} {
				code, got, err := h.post(ctx, body, h.session())
				if err != nil || code != 400 || !strings.HasPrefix(got, `{"jsonrpc":"2.0","id":2,"error":{"code":-32600`) {
					t.Errorf("deep body: %d %v %.200s", code, err, got)
				}
			}

			// 2. 32 concurrent 16 MiB bodies with a Content-Length, and 32
			// chunked 5 MiB ones: refused, memory bounded.
			var wg sync.WaitGroup
			var wrong atomic.Int64
			chunk := bytes.Repeat([]byte("x"), 1<<20)
			for i := range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var head string
					var body []byte
					if i%2 == 0 {
						head = fmt.Sprintf("POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: %d\r\n\r\n", h.addr, 16<<20)
						body = bytes.Repeat(chunk, 16)
					} else {
						head = fmt.Sprintf("POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n", h.addr)
						for range 5 {
							body = append(body, fmt.Sprintf("%x\r\n", len(chunk))...)
							body = append(body, chunk...)
							body = append(body, "\r\n"...)
						}
					}
					// 413, or 503 once the bodies being read use all of
					// MaxBodyMemory.
					if status, err := rawRequest(h.addr, head, body); err != nil || !strings.Contains(status, " 413 ") && !strings.Contains(status, " 503 ") {
						wrong.Add(1)
						t.Logf("large body: %q %v", status, err)
					}
				}()
			}
			wg.Wait()
			if n := wrong.Load(); n > 0 {
				t.Errorf("%d of 64 oversized bodies were not refused with 413 or 503", n)
			}
			h.alive("oversized bodies")
			h.checkRSS(mode.name + " oversized bodies")

			// 3. Panics and results that cannot be sent.
			for tool, want := range map[string]string{
				"panic":          `panicked`,
				"mw_panic":       `"code":-32603`,
				"nil_content":    `empty content entry`,
				"bad_structured": `cannot be encoded as JSON`,
			} {
				code, got, err := h.post(ctx, callBody(tool, tool), h.session())
				if err != nil || code != 200 || !strings.Contains(got, want) {
					t.Errorf("%s: %d %v %.300s", tool, code, err, got)
				}
			}
			h.alive("panics")

			// 4. 32 clients hang up on a tool waiting on its context.
			for i := range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
					defer cancel()
					h.post(ctx, callBody(1000+i, "wait"), h.session())
				}()
			}
			wg.Wait()
			settle(t, "after 32 clients hung up", base, func() stats { return h.stats(t) })

			// 5. A string id with invalid UTF-8.
			if code, got, _ := h.post(ctx, "{\"jsonrpc\":\"2.0\",\"id\":\"a\xffb\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{}}}", h.session()); code != 200 || !utf8.ValidString(got) {
				t.Errorf("invalid UTF-8 id: %d %q", code, got)
			}

			// 10. A cross-origin request.
			if code, got, _ := h.post(ctx, callBody(3, "echo"), map[string]string{"Origin": "https://evil.example", "Mcp-Session-Id": h.sid}); code != 403 || !strings.Contains(got, `"code":-32600`) {
				t.Errorf("cross-origin request: %d %s", code, got)
			}

			// 8. A never-ending chunked body and 200 idle connections: at
			// most 64 connections open, all closed within the timeouts.
			var conns []net.Conn
			for range 200 {
				c, err := net.Dial("tcp", h.addr) // beyond the cap they wait in the backlog
				if err != nil {
					break
				}
				conns = append(conns, c)
			}
			fmt.Fprintf(conns[0], "POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"jso\r\n", h.addr)
			time.Sleep(300 * time.Millisecond)
			if n := h.fds(); n > 64+16 {
				t.Errorf("%d descriptors open with 200 connections and a cap of 64", n)
			}
			for _, c := range conns {
				c.Close()
			}
			code, got, err := h.post(ctx, callBody(4, "echo"), h.session())
			if err != nil || code != 200 {
				t.Errorf("call after the connection flood: %d %v %s", code, err, got)
			}

			// 12. A tool that ignores its context: bounded abandoned calls.
			for i := range 20 {
				h.post(ctx, callBody(2000+i, "stuck"), h.session())
			}
			if st := h.stats(t); st.Abandoned != 16 {
				t.Errorf("%d abandoned calls, want the cap of 16", st.Abandoned)
			}
			h.alive(mode.name + " attacks")
			h.checkRSS(mode.name + " attacks")
		})
	}
}

// 9. Sessions beyond the cap get 503 with a JSON-RPC error; idle ones
// time out and make room.
func TestHTTPSessions(t *testing.T) {
	// The timeout leaves a loaded machine time for the 45 initializes.
	h := startHTTP(t, "-max-sessions", "40", "-session-timeout", "4s")
	ctx := context.Background()
	ok, busy := 1, 0 // startHTTP opened one
	for range 45 {
		code, got, _ := h.post(ctx, initLine(1, "2025-11-25"), nil)
		switch {
		case code == 200:
			ok++
		case code == 503 && strings.Contains(got, `"code":-32000`):
			busy++
		default:
			t.Errorf("initialize: %d %s", code, got)
		}
	}
	if ok != 40 || busy != 6 {
		t.Errorf("%d sessions opened and %d refused with a cap of 40; want 40 and 6", ok, busy)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, _, _ := h.post(ctx, initLine(1, "2025-11-25"), nil)
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("initialize after idle sessions timed out: %d", code)
		}
		time.Sleep(250 * time.Millisecond)
	}
	h.alive("the sessions")
	h.checkRSS("the sessions")
}

// TestLoad runs 64 clients for 15 seconds, each calling echo, panic,
// slow and fail in turn on its own session: no call may fail at the
// transport, and afterwards the goroutines return to their baseline.
func TestLoad(t *testing.T) {
	h := startHTTP(t)
	base := h.stats(t).Goroutines
	ctx := context.Background()
	end := time.Now().Add(15 * time.Second)
	var calls, transportErrors, wrong atomic.Int64
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := mcp.NewClient(&mcp.Implementation{Name: fmt.Sprintf("load-%d", i), Version: "1"}, nil)
			cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: h.url}, nil)
			if err != nil {
				transportErrors.Add(1)
				t.Errorf("client %d: connect: %v", i, err)
				return
			}
			defer cs.Close()
			tools := []string{"echo", "panic", "slow", "fail"}
			for n := 0; time.Now().Before(end); n++ {
				tool := tools[(i+n)%len(tools)]
				ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: map[string]any{"n": n}})
				cancel()
				calls.Add(1)
				switch {
				case err != nil:
					if transportErrors.Add(1) <= 3 {
						t.Errorf("client %d: %s: %v", i, tool, err)
					}
				case res.IsError != (tool == "panic" || tool == "fail"):
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d calls in 15 s from 64 clients", calls.Load())
	if n := transportErrors.Load(); n > 0 {
		t.Errorf("%d transport errors", n)
	}
	if n := wrong.Load(); n > 0 {
		t.Errorf("%d calls with the wrong outcome", n)
	}
	h.alive("the load")
	h.checkRSS("the load")
	settle(t, "after the load", base, func() stats { return h.stats(t) })
}
