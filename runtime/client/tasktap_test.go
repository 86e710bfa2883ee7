package client

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// An SSE event longer than maxTapEvent passes through the tap as it came,
// without being read whole first; the events after it are tapped again.
func TestSSETapBoundsEvents(t *testing.T) {
	defer func(v int) { maxTapEvent = v }(maxTapEvent)
	maxTapEvent = 64 << 10
	huge := "data: " + strings.Repeat("x", 8<<20) + "\n\n"
	task := `{"jsonrpc":"2.0","id":2,"result":{"resultType":"task","taskId":"t9","status":"working"}}`
	src := &countingReader{r: io.MultiReader(strings.NewReader("event: message\n"+huge), strings.NewReader("data: "+task+"\n\n"))}
	ts, sess := &Tasks{}, &roundTrip{}
	ts.outbound(sess, json.RawMessage(`2`), "tools/call", json.RawMessage(`{"name":"job","_meta":{"`+metaTasks+`":true}}`))
	tap := &sseTap{ts: ts, sess: sess, body: io.NopCloser(nil), in: bufio.NewReader(src)}

	first := make([]byte, 100)
	n, err := tap.Read(first)
	if err != nil || n == 0 {
		t.Fatalf("first Read = %d, %v", n, err)
	}
	if got := src.n.Load(); got > int64(maxTapEvent)+64<<10 {
		t.Fatalf("the tap read %d bytes of an event before passing any on (bound %d)", got, maxTapEvent)
	}
	rest, err := io.ReadAll(tap)
	if err != nil {
		t.Fatal(err)
	}
	out := append(first[:n], rest...)
	want := "event: message\n" + huge
	if !bytes.HasPrefix(out, []byte(want)) {
		t.Fatalf("the long event changed (%d bytes out, want %d first)", len(out), len(want))
	}
	after := string(out[len(want):])
	if !strings.Contains(after, metaTask) || !strings.Contains(after, `"taskId":"t9"`) {
		t.Errorf("the event after the long one was not tapped: %q", after)
	}
}

// Only the calls that follow tasks declare the tasks extension, in their
// own client capabilities; tasks/* and the listen stream declare it too;
// other requests, and requests of older protocols, are left alone.
func TestTapDeclaresTasksPerRequest(t *testing.T) {
	ts, sess := &Tasks{}, &roundTrip{}
	caps := `"` + mcp.MetaKeyClientCapabilities + `":{"roots":{"listChanged":true}}`
	declared := func(params json.RawMessage) bool {
		var p struct {
			Meta map[string]struct {
				Extensions map[string]any `json:"extensions"`
			} `json:"_meta"`
		}
		json.Unmarshal(params, &p)
		_, ok := p.Meta[mcp.MetaKeyClientCapabilities].Extensions[TasksExtension]
		return ok
	}
	for _, tc := range []struct {
		method, params string
		want           bool
	}{
		{"tools/call", `{"name":"a","_meta":{` + caps + `,"` + metaTasks + `":true}}`, true},
		{"tools/call", `{"name":"a","_meta":{` + caps + `}}`, false},
		{"tasks/get", `{"taskId":"t","_meta":{` + caps + `}}`, true},
		{methodListen, `{"notifications":{"taskIds":["t"]},"_meta":{` + caps + `,"` + metaListen + `":"1"}}`, true},
		{"tools/list", `{"_meta":{` + caps + `}}`, false},
	} {
		_, out, _ := ts.outbound(sess, json.RawMessage(`7`), tc.method, json.RawMessage(tc.params))
		if got := declared(out); got != tc.want {
			t.Errorf("%s %s: declared %v, want %v (%s)", tc.method, tc.params, got, tc.want, out)
		}
		if strings.Contains(string(out), "mcpgen.client/") {
			t.Errorf("%s: a mark went out: %s", tc.method, out)
		}
	}
	// 2025-11-25: no capabilities in _meta, none added; the mark goes.
	_, out, _ := ts.outbound(sess, json.RawMessage(`8`), "tools/call", json.RawMessage(`{"name":"a","_meta":{"`+metaTasks+`":true}}`))
	if string(out) != `{"name":"a"}` {
		t.Errorf("2025-11-25 call: %s", out)
	}
}

// A task result is rewritten only for a tools/call of the same session:
// for one that follows tasks into the marked result StartCall reads, for
// one that does not into an isError result naming the task; the answer
// of another method, or of another session's request of the same id,
// passes as it came.
func TestTapRewritesOnlyToolCalls(t *testing.T) {
	ts := &Tasks{}
	a, b := &roundTrip{}, &roundTrip{}
	task := json.RawMessage(`{"resultType":"task","taskId":"t1","status":"working"}`)
	ts.outbound(a, json.RawMessage(`1`), "tools/call", json.RawMessage(`{"name":"x","_meta":{"`+metaTasks+`":true}}`))
	ts.outbound(a, json.RawMessage(`2`), "tools/call", json.RawMessage(`{"name":"x"}`))
	ts.outbound(b, json.RawMessage(`1`), "resources/read", json.RawMessage(`{"uri":"x:/"}`))

	if out := ts.inbound(b, json.RawMessage(`1`), "", nil, task); out != nil {
		t.Errorf("the answer of resources/read (session b, id 1) was rewritten: %s", out)
	}
	out := ts.inbound(a, json.RawMessage(`1`), "", nil, task)
	var res mcp.CallToolResult
	if out == nil || json.Unmarshal(out, &res) != nil || res.Meta[metaTask] == nil || res.IsError {
		t.Errorf("the answer of a call that follows tasks: %s", out)
	}
	out = ts.inbound(a, json.RawMessage(`2`), "", nil, task)
	res = mcp.CallToolResult{}
	if out == nil || json.Unmarshal(out, &res) != nil || !res.IsError || len(res.Content) != 1 {
		t.Fatalf("the answer of a call that does not follow tasks: %s", out)
	}
	if text := res.Content[0].(*mcp.TextContent).Text; !strings.Contains(text, `"t1"`) || !strings.Contains(text, "runtime/client") {
		t.Errorf("its text: %q", text)
	}
	legacy := json.RawMessage(`{"task":{"taskId":"t2","status":"working"}}`)
	ts.outbound(a, json.RawMessage(`3`), "tools/call", json.RawMessage(`{"name":"x"}`))
	if out := ts.inbound(a, json.RawMessage(`3`), "", nil, legacy); !strings.Contains(string(out), `\"t2\"`) {
		t.Errorf("a 2025-11-25 task for a call that does not follow tasks: %s", out)
	}
	// Answered: a second answer of the same id is no call's.
	if out := ts.inbound(a, json.RawMessage(`1`), "", nil, task); out != nil {
		t.Errorf("a second answer of id 1 was rewritten: %s", out)
	}
	if len(ts.calls) != 0 {
		t.Errorf("calls left in flight: %v", ts.calls)
	}
}

// Two sessions of one Tasks number their requests alike: each listen
// stream's messages reach the Task of its own session.
func TestTapListensPerSession(t *testing.T) {
	ts := &Tasks{}
	a, b := &roundTrip{}, &roundTrip{}
	ta, cha := ts.listen()
	tb, chb := ts.listen()
	ts.outbound(a, json.RawMessage(`4`), methodListen, json.RawMessage(`{"_meta":{"`+metaListen+`":"`+ta+`"}}`))
	ts.outbound(b, json.RawMessage(`4`), methodListen, json.RawMessage(`{"_meta":{"`+metaListen+`":"`+tb+`"}}`))
	note := func(task string) json.RawMessage {
		return json.RawMessage(`{"_meta":{"` + mcp.MetaKeySubscriptionID + `":4},"taskId":"` + task + `","status":"working"}`)
	}
	ts.inbound(a, nil, "notifications/tasks", note("ta"), nil)
	ts.inbound(b, nil, "notifications/tasks", note("tb"), nil)
	for name, c := range map[string]struct {
		ch   chan listenEvent
		want string
	}{"a": {cha, "ta"}, "b": {chb, "tb"}} {
		select {
		case ev := <-c.ch:
			if ev.state == nil || ev.state.ID != c.want {
				t.Errorf("session %s got %+v", name, ev)
			}
		default:
			t.Errorf("session %s got nothing", name)
		}
		select {
		case ev := <-c.ch:
			t.Errorf("session %s got another's: %+v", name, ev.state)
		default:
		}
	}
}
