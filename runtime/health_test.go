package runtime

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// freeAddr returns a 127.0.0.1 address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type probe struct {
	status int
	body   string
	header http.Header
}

func get(t *testing.T, url string) probe {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return probe{resp.StatusCode, strings.TrimSpace(string(b)), resp.Header}
}

func postBody(t *testing.T, url, body string, header map[string]string) probe {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return probe{resp.StatusCode, strings.TrimSpace(string(b)), resp.Header}
}

// served runs ListenAndServe on a free port until the returned cancel is
// called; done receives its result and ready the endpoint once ready.
func served(t *testing.T, s *Server) (base string, ready <-chan string, done <-chan error, cancel func()) {
	t.Helper()
	addr := freeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	readyc, donec := make(chan string, 1), make(chan error, 1)
	go func() { donec <- s.ListenAndServe(ctx, addr, func(url string) { readyc <- url }) }()
	t.Cleanup(stop)
	base = "http://" + addr
	waitFor(t, "the listener", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return base, readyc, donec, stop
}

// While the lifespans start, /healthz is 200, /readyz 503 "starting" and
// /mcp 503 with a JSON-RPC error and Retry-After; once started, all serve.
func TestHealthWhileStarting(t *testing.T) {
	release := make(chan struct{})
	s := NewServer(&Implementation{Name: "h", Version: "1"}, &Options{Stateless: true, JSONResponse: true})
	must(t, s.Add(&Components{Tools: []*Tool{tool("ok", "", text("fine"))}}))
	must(t, s.AddLifespan(func(ctx context.Context) (func(context.Context) error, error) {
		<-release
		return nil, nil
	}))
	if s.Ready() {
		t.Fatal("ready before starting")
	}
	base, ready, done, stop := served(t, s)
	if p := get(t, base+"/healthz"); p.status != 200 || p.body != `{"status":"ok"}` {
		t.Errorf("liveness while starting: %+v", p)
	}
	if p := get(t, base+"/readyz"); p.status != 503 || p.body != `{"status":"starting"}` || p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("readiness while starting: %+v", p)
	}
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","arguments":{}}}`
	if p := postBody(t, base+"/mcp", call, map[string]string{"Mcp-Protocol-Version": "2025-11-25"}); p.status != 503 || p.header.Get("Retry-After") != "1" ||
		!strings.Contains(p.body, `"code":-32000`) || !strings.Contains(p.body, "Server starting") {
		t.Errorf("/mcp while starting: %+v", p)
	}
	select {
	case url := <-ready:
		t.Fatalf("ready (%s) before the lifespans started", url)
	default:
	}
	close(release)
	url := <-ready
	if p := get(t, base+"/readyz"); p.status != 200 || p.body != `{"status":"ok"}` || !s.Ready() {
		t.Errorf("readiness once started: %+v", p)
	}
	if p := postBody(t, url, call, map[string]string{"Mcp-Protocol-Version": "2025-11-25"}); p.status != 200 || !strings.Contains(p.body, "fine") {
		t.Errorf("call once started: %+v", p)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.Ready() {
		t.Error("ready after shutdown")
	}
}

// On shutdown a call in flight finishes and its client gets the result,
// while readiness is false and new requests get 503; then the sessions
// close (ending their SSE streams, so shutdown does not wait for its
// deadline) and the lifespans stop.
func TestGracefulShutdown(t *testing.T) {
	var running atomic.Int64
	release := make(chan struct{})
	var stopped atomic.Bool
	s := NewServer(&Implementation{Name: "h", Version: "1"}, &Options{ShutdownTimeout: time.Minute})
	must(t, s.Add(&Components{Tools: []*Tool{blockingTool("slow", &running, release), tool("ok", "", text("fine"))}}))
	must(t, s.AddLifespan(func(context.Context) (func(context.Context) error, error) {
		return func(context.Context) error { stopped.Store(true); return nil }, nil
	}))
	base, ready, done, stop := served(t, s)
	url := <-ready
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	type outcome struct {
		res *mcp.CallToolResult
		err error
	}
	result := make(chan outcome, 1)
	go func() {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "slow"})
		result <- outcome{res, err}
	}()
	waitFor(t, "the call to start", func() bool { return running.Load() == 1 })

	start := time.Now()
	stop()
	waitFor(t, "readiness to turn false", func() bool { return get(t, base+"/readyz").body == `{"status":"stopping"}` })
	if p := get(t, base+"/healthz"); p.status != 200 {
		t.Errorf("liveness while draining: %+v", p)
	}
	if p := postBody(t, url, initBody("2025-11-25"), nil); p.status != 503 || !strings.Contains(p.body, "Server shutting down") {
		t.Errorf("a new session while draining: %+v", p)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ok"}); err == nil {
		t.Error("a new call on a live session was served while draining")
	}
	select {
	case err := <-done:
		t.Fatalf("ListenAndServe returned (%v) with a call in flight", err)
	default:
	}
	close(release)
	o := <-result
	if o.err != nil || o.res.IsError || resultText(o.res) != "released" {
		t.Fatalf("the call in flight: %+v %v", o.res, o.err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("shutdown took %v: it waited for its deadline, not for the call", took)
	}
	if !stopped.Load() {
		t.Error("the lifespan was not stopped")
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		t.Error("still listening after shutdown")
	}
}

// A call that outlives Options.ShutdownTimeout is cancelled when the
// deadline passes, and shutdown ends.
func TestShutdownDeadline(t *testing.T) {
	cancelled := make(chan struct{})
	started := make(chan struct{})
	s := NewServer(&Implementation{Name: "h", Version: "1"}, &Options{ShutdownTimeout: 100 * time.Millisecond, Stateless: true, JSONResponse: true})
	must(t, s.Add(&Components{Tools: []*Tool{tool("forever", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	})}}))
	_, ready, done, stop := served(t, s)
	url := <-ready
	go rawPost(url, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"forever","arguments":{}}}`, 30*time.Second, map[string]string{"Mcp-Protocol-Version": "2025-11-25"}) // its connection is cut
	<-started
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("shutdown did not end after its deadline")
	}
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the call was not cancelled")
	}
}

// While draining, what belongs to work in flight passes: responses and
// notifications; requests, alone or in a batch, are refused.
func TestStartsWork(t *testing.T) {
	for body, want := range map[string]bool{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}`:             true,
		`{"jsonrpc":"2.0","id":"a","method":"ping"}`:                             true,
		`[{"jsonrpc":"2.0","method":"x"},{"jsonrpc":"2.0","id":2,"method":"y"}]`: true,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{}}`:       false,
		`{"jsonrpc":"2.0","id":7,"result":{"action":"accept"}}`:                  false,
		`{"jsonrpc":"2.0","id":7,"error":{"code":-1,"message":"no"}}`:            false,
		`[{"jsonrpc":"2.0","id":7,"result":{}}]`:                                 false,
	} {
		if got := startsWork([]byte(body)); got != want {
			t.Errorf("startsWork(%s) = %v, want %v", body, got, want)
		}
	}
}

// On stdio the end of ctx (SIGTERM under Run) drains the session: a new
// request gets -32000 "Server shutting down", the call in flight is
// answered, then the session ends.
func TestStdioGracefulShutdown(t *testing.T) {
	var running atomic.Int64
	release := make(chan struct{})
	s := NewServer(&Implementation{Name: "h", Version: "1"}, nil)
	must(t, s.Add(&Components{Tools: []*Tool{blockingTool("slow", &running, release)}}))
	ctx, cancel := context.WithCancel(context.Background())
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- s.serveIO(ctx, inR, outW, ioLimits{maxLine: 1 << 20, drain: time.Minute, maxInFlight: 8, shutdown: time.Minute})
		outW.Close()
	}()
	t.Cleanup(func() { inW.Close() })
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	ss := &stdioSession{t: t, in: inW, lines: lines, done: done}
	ss.initialize("2025-11-25")
	ss.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{}}}`)
	waitFor(t, "the call to start", func() bool { return running.Load() == 1 })
	cancel()
	time.Sleep(20 * time.Millisecond) // the drain starts on its own goroutine
	ss.send(`{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	ss.wantError("3", codeServerBusy, "Server shutting down")
	close(release)
	if r := ss.reply(); string(r.ID) != "2" || r.Error != nil || !strings.Contains(string(r.Result), "released") {
		t.Fatalf("the call in flight: %s %+v %s", r.ID, r.Error, r.Result)
	}
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not end after draining")
	}
}
