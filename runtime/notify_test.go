package runtime

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// notifyServer has a tool that sends the session a notification of its
// own, and a subscriptions/listen member "widgets" served by a plug-in:
// it agrees to the widgets it knows (a, c) and sends one notification
// before the acknowledgement.
type notifyServer struct {
	s     *Server
	mu    sync.Mutex
	l     *Listener
	ctx   context.Context
	ready chan struct{}
}

func newNotifyServer(t *testing.T) *notifyServer {
	t.Helper()
	n := &notifyServer{ready: make(chan struct{}, 8)}
	n.s = NewServer(&Implementation{Name: "notify", Version: "1"}, nil)
	must(t, n.s.Add(&Components{Tools: []*Tool{
		tool("poke", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
			err := n.s.NotifySession(SessionID(ctx), "notifications/poked", map[string]any{"by": "poke"})
			if err != nil {
				return TextResult("not sent: " + err.Error()), nil
			}
			return TextResult("sent"), nil
		}),
	}}))
	must(t, n.s.HandleListen("widgets", func(ctx context.Context, r *Request, value json.RawMessage, l *Listener) (any, error) {
		var want []string
		if err := json.Unmarshal(value, &want); err != nil {
			return nil, &jsonrpc.Error{Code: -32602, Message: "widgets: " + err.Error()}
		}
		if slices.Contains(want, "boom") {
			return nil, &jsonrpc.Error{Code: -32021, Message: "no widgets for you"}
		}
		var agreed []string
		for _, w := range want {
			if w == "a" || w == "c" {
				agreed = append(agreed, w)
			}
		}
		if agreed == nil {
			return nil, nil
		}
		if err := l.Notify("notifications/widgets", map[string]any{"widget": agreed[0], "early": true}); err != nil {
			t.Errorf("Notify before the acknowledgement: %v", err)
		}
		n.mu.Lock()
		n.l, n.ctx = l, ctx
		n.mu.Unlock()
		n.ready <- struct{}{}
		return agreed, nil
	}))
	return n
}

func (n *notifyServer) listener() (*Listener, context.Context) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.l, n.ctx
}

func TestHandleListenRefusesSDKMembers(t *testing.T) {
	s := NewServer(&Implementation{Name: "x", Version: "1"}, nil)
	h := func(context.Context, *Request, json.RawMessage, *Listener) (any, error) { return nil, nil }
	if err := s.HandleListen("toolsListChanged", h); err == nil {
		t.Error("HandleListen of a member go-sdk serves succeeded")
	}
	must(t, s.HandleListen("x", h))
	if err := s.HandleListen("x", h); err == nil {
		t.Error("HandleListen of the same member twice succeeded")
	}
}

// sseEvents reads the data of each SSE event of body.
func sseEvents(t *testing.T, body io.Reader) <-chan map[string]any {
	ch := make(chan map[string]any, 16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var m map[string]any
				if err := json.Unmarshal([]byte(data), &m); err != nil {
					t.Errorf("event data %q: %v", data, err)
					continue
				}
				ch <- m
			}
		}
	}()
	return ch
}

func next(t *testing.T, ch <-chan map[string]any) map[string]any {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("the stream ended")
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message within 10 s")
	}
	return nil
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A 2026-07-28 client listens for list changes and for a plug-in's
// member at once over HTTP: one acknowledgement carries both, the
// plug-in's notifications follow it on the same stream with the
// subscription's id, list changes arrive too, and the plug-in's handler
// ends when the client closes the stream.
func TestListenWithPluginMembersHTTP(t *testing.T) {
	n := newNotifyServer(t)
	srv := httptest.NewServer(n.s.Handler())
	t.Cleanup(srv.Close)
	post := func(ctx context.Context, body string, method ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(body))
		must(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", append(method, "subscriptions/listen")[0])
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		return resp
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := post(ctx, `{"jsonrpc":"2.0","id":7,"method":"subscriptions/listen","params":{"_meta":{`+metaTriple+`},"notifications":{"toolsListChanged":true,"widgets":["a","b"]}}}`)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := sseEvents(t, resp.Body)
	ack := next(t, events)
	if ack["method"] != "notifications/subscriptions/acknowledged" {
		t.Fatalf("first message %s, want the acknowledgement", jsonOf(ack))
	}
	params := ack["params"].(map[string]any)
	if got := jsonOf(params["notifications"]); got != `{"toolsListChanged":true,"widgets":["a"]}` {
		t.Errorf("acknowledged %s", got)
	}
	if got := jsonOf(params["_meta"]); got != `{"io.modelcontextprotocol/subscriptionId":7}` {
		t.Errorf("acknowledgement _meta %s", got)
	}
	early := next(t, events)
	if jsonOf(early) != `{"jsonrpc":"2.0","method":"notifications/widgets","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":7},"early":true,"widget":"a"}}` {
		t.Errorf("queued notification %s", jsonOf(early))
	}
	<-n.ready
	l, hctx := n.listener()
	must(t, l.Notify("notifications/widgets", map[string]any{"widget": "a", "_meta": map[string]any{"mine": 1}}))
	if got := jsonOf(next(t, events)); got != `{"jsonrpc":"2.0","method":"notifications/widgets","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":7,"mine":1},"widget":"a"}}` {
		t.Errorf("notification %s", got)
	}
	// go-sdk's own member on the same stream (once the catalogue is built:
	// a catalogue nobody listed has no changes to tell of).
	list := post(context.Background(), `{"jsonrpc":"2.0","id":70,"method":"tools/list","params":{"_meta":{`+metaTriple+`}}}`, "tools/list")
	io.Copy(io.Discard, list.Body)
	list.Body.Close()
	must(t, n.s.Add(&Components{Tools: []*Tool{tool("later", "", func(context.Context, json.RawMessage) (*CallToolResult, error) { return TextResult(""), nil })}}))
	if got := next(t, events); got["method"] != "notifications/tools/list_changed" {
		t.Errorf("after a tool was added: %s", jsonOf(got))
	}
	cancel()
	select {
	case <-hctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's context did not end with the client's stream")
	}
	waitFor(t, "Notify to fail after the stream ended", func() bool { return errors.Is(l.Notify("notifications/widgets", map[string]any{}), ErrNoStream) })

	// A handler's error fails the request before any acknowledgement.
	resp2 := post(context.Background(), `{"jsonrpc":"2.0","id":8,"method":"subscriptions/listen","params":{"_meta":{`+metaTriple+`},"notifications":{"widgets":["boom"]}}}`)
	defer resp2.Body.Close()
	b, _ := io.ReadAll(resp2.Body)
	if !strings.Contains(string(b), `"code":-32021`) || strings.Contains(string(b), "acknowledged") {
		t.Errorf("refused listen answered %d %s", resp2.StatusCode, b)
	}
	// Nothing agreed and nothing of go-sdk's asked: the listen ends at once
	// with go-sdk's acknowledgement of nothing.
	resp3 := post(context.Background(), `{"jsonrpc":"2.0","id":9,"method":"subscriptions/listen","params":{"_meta":{`+metaTriple+`},"notifications":{"widgets":["z"]}}}`)
	defer resp3.Body.Close()
	b, _ = io.ReadAll(resp3.Body)
	if !strings.Contains(string(b), `"notifications":{}`) || !strings.Contains(string(b), `"id":9,"result"`) {
		t.Errorf("listen of nothing answered %s", b)
	}
}

// The same over stdio: the acknowledgement, then the plug-in's
// notifications, on the session's output.
func TestListenWithPluginMembersStdio(t *testing.T) {
	n := newNotifyServer(t)
	c, stop := startHotStdio(t, n.s, time.Second)
	defer stop()
	c.send(`{"jsonrpc":"2.0","id":"s1","method":"subscriptions/listen","params":{"_meta":{` + metaTriple + `},"notifications":{"widgets":["c"]}}}`)
	read := func() map[string]any {
		t.Helper()
		select {
		case line := <-c.lines:
			var m map[string]any
			must(t, json.Unmarshal([]byte(line), &m))
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("no line within 10 s")
		}
		return nil
	}
	ack := read()
	if got := jsonOf(ack["params"]); got != `{"_meta":{"io.modelcontextprotocol/subscriptionId":"s1"},"notifications":{"widgets":["c"]}}` {
		t.Errorf("acknowledgement %s", got)
	}
	if got := jsonOf(read()); got != `{"jsonrpc":"2.0","method":"notifications/widgets","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":"s1"},"early":true,"widget":"c"}}` {
		t.Errorf("notification %s", got)
	}
	<-n.ready
	l, hctx := n.listener()
	must(t, l.Notify("notifications/widgets", map[string]any{"widget": "c"}))
	if got := read(); got["method"] != "notifications/widgets" {
		t.Errorf("notification %s", jsonOf(got))
	}
	// The handler's part ends: the listen answers, and the session's
	// output still carries its other notifications.
	l.Close()
	if got := read(); got["id"] != "s1" || got["result"] == nil {
		t.Fatalf("after the listener closed: %s", jsonOf(got))
	}
	c.send(`{"jsonrpc":"2.0","id":"p1","method":"tools/call","params":{"name":"poke","_meta":{` + metaTriple + `}}}`)
	if got := []string{jsonOf(read()), jsonOf(read())}; !slices.Contains(got, `{"jsonrpc":"2.0","method":"notifications/poked","params":{"by":"poke"}}`) {
		t.Errorf("the session's notifications after a listen ended: %q", got)
	}
	// Another listen, which the client cancels: the handler's context ends.
	c.send(`{"jsonrpc":"2.0","id":"s2","method":"subscriptions/listen","params":{"_meta":{` + metaTriple + `},"notifications":{"widgets":["c"]}}}`)
	read()
	read()
	<-n.ready
	_, hctx = n.listener()
	c.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"s2"}}`)
	select {
	case <-hctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's context did not end when the client cancelled the listen")
	}
}

// NotifySession reaches a stdio session, and a stateful HTTP session on
// its standalone stream; without a stream it says so.
func TestNotifySession(t *testing.T) {
	t.Run("stdio", func(t *testing.T) {
		n := newNotifyServer(t)
		c, stop := startHotStdio(t, n.s, time.Second)
		defer stop()
		c.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`)
		<-c.lines
		c.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		c.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"poke"}}`)
		// The notification goes out from a writer of its own: before or
		// after the call's response.
		got := []string{<-c.lines, <-c.lines}
		slices.Sort(got)
		if got[1] != `{"jsonrpc":"2.0","method":"notifications/poked","params":{"by":"poke"}}` || !strings.Contains(got[0], `"text":"sent"`) {
			t.Errorf("read %q", got)
		}
	})
	t.Run("http", func(t *testing.T) {
		n := newNotifyServer(t)
		srv := httptest.NewServer(n.s.Handler())
		t.Cleanup(srv.Close)
		do := func(ctx context.Context, method, sid, body string) *http.Response {
			t.Helper()
			req, err := http.NewRequestWithContext(ctx, method, srv.URL, strings.NewReader(body))
			must(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if sid != "" {
				req.Header.Set("Mcp-Session-Id", sid)
				req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
			}
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			return resp
		}
		resp := do(context.Background(), http.MethodPost, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`)
		sid := resp.Header.Get("Mcp-Session-Id")
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if sid == "" {
			t.Fatal("no session")
		}
		resp = do(context.Background(), http.MethodPost, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		resp.Body.Close()
		poke := func() string {
			resp := do(context.Background(), http.MethodPost, sid, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"poke"}}`)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		if got := poke(); !strings.Contains(got, "not sent: "+ErrNoStream.Error()) {
			t.Errorf("without a GET stream: %s", got)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		get := do(ctx, http.MethodGet, sid, "")
		defer get.Body.Close()
		if get.StatusCode != http.StatusOK {
			t.Fatalf("GET: %d", get.StatusCode)
		}
		events := sseEvents(t, get.Body)
		waitFor(t, "the GET stream to take notifications", func() bool { return strings.Contains(poke(), `"text":"sent"`) })
		if got := jsonOf(next(t, events)); got != `{"jsonrpc":"2.0","method":"notifications/poked","params":{"by":"poke"}}` {
			t.Errorf("on the GET stream: %s", got)
		}
		// A second GET of the session is refused by go-sdk (409) and takes
		// nothing from the first, which still carries notifications.
		get2 := do(context.Background(), http.MethodGet, sid, "")
		io.Copy(io.Discard, get2.Body)
		get2.Body.Close()
		if get2.StatusCode == http.StatusOK {
			t.Fatalf("a second GET of the session: %d", get2.StatusCode)
		}
		if got := poke(); !strings.Contains(got, `"text":"sent"`) {
			t.Errorf("after a refused second GET: %s", got)
		}
		if got := jsonOf(next(t, events)); got != `{"jsonrpc":"2.0","method":"notifications/poked","params":{"by":"poke"}}` {
			t.Errorf("on the first GET stream after a refused second: %s", got)
		}
		if err := n.s.NotifySession(sid, "tools/list", nil); err == nil {
			t.Error("NotifySession of a request method succeeded")
		}
		if err := n.s.NotifySession("no-such-session", "notifications/poked", nil); !errors.Is(err, ErrNoStream) {
			t.Errorf("NotifySession of an unknown session: %v", err)
		}
	})
}

// Attack: a client that listens and never reads. The plug-in's Notify
// never waits for it (what does not fit the stream's bounded queue is
// dropped), and another client's stream goes on.
func TestSlowListenerHoldsUpOnlyItself(t *testing.T) {
	n := newNotifyServer(t)
	srv := httptest.NewServer(n.s.Handler())
	t.Cleanup(srv.Close)
	body := `{"jsonrpc":"2.0","id":1,"method":"subscriptions/listen","params":{"_meta":{` + metaTriple + `},"notifications":{"widgets":["a"]}}}`
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	must(t, err)
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"+
		"Mcp-Protocol-Version: 2026-07-28\r\nMcp-Method: subscriptions/listen\r\nContent-Length: %d\r\n\r\n%s", srv.Listener.Addr(), len(body), body)
	select {
	case <-n.ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the listen did not reach the handler")
	}
	slow, _ := n.listener()

	big := map[string]any{"widget": "a", "blob": strings.Repeat("x", 64<<10)}
	done := make(chan int)
	go func() {
		dropped := 0
		for range 2000 { // 128 MB, far beyond any socket buffer
			if err := slow.Notify("notifications/widgets", big); errors.Is(err, ErrQueueFull) {
				dropped++
			}
		}
		done <- dropped
	}()
	select {
	case dropped := <-done:
		if dropped == 0 {
			t.Error("nothing was dropped for a client that never reads")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Notify waited for a client that never reads")
	}

	// Another client listens meanwhile and hears at once.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(strings.Replace(body, `"id":1`, `"id":2`, 1)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "subscriptions/listen")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	events := sseEvents(t, resp.Body)
	next(t, events) // the acknowledgement
	if got := next(t, events); got["method"] != "notifications/widgets" {
		t.Errorf("the other client got %s", jsonOf(got))
	}
}
