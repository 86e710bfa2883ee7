package runtime

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
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
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
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
