package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// recorder is an Observer that writes down each message and outcome.
type recorder struct {
	mu       sync.Mutex
	seen     []string
	sessions []string
}

func (o *recorder) Message(ctx context.Context, r *Request) (context.Context, func(mcp.Result, error)) {
	http := r.HTTPRequest != nil
	line := fmt.Sprintf("%s name=%q id=%q transport=%s http=%v", r.Method, r.Name, r.ID, r.Transport, http)
	return ctx, func(res mcp.Result, err error) {
		var je *jsonrpc.Error
		switch {
		case errors.As(err, &je):
			line += fmt.Sprintf(" error=%d", je.Code)
		case err != nil:
			line += " error=" + err.Error()
		}
		if ctr, ok := res.(*CallToolResult); ok && ctr.IsError {
			line += " tool_error"
		}
		o.mu.Lock()
		o.seen = append(o.seen, line)
		o.mu.Unlock()
	}
}

func (o *recorder) Session(r *Request) func() {
	o.mu.Lock()
	o.sessions = append(o.sessions, "start "+r.Transport)
	o.mu.Unlock()
	return func() {
		o.mu.Lock()
		o.sessions = append(o.sessions, "end "+r.Transport)
		o.mu.Unlock()
	}
}

func (o *recorder) lines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.seen)
}

func observedServer(t *testing.T, opts *Options) (*Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	opts.Observer = rec
	s := NewServer(&Implementation{Name: "observed", Version: "1"}, opts)
	must(t, s.Add(&Components{Tools: []*Tool{
		tool("echo", "", text("hi")),
		tool("bad", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
			return ErrorResult(errors.New("no")), nil
		}),
	}}))
	return s, rec
}

// wantLines checks that got holds each of want, in any order, waiting a
// little for outcomes still being recorded.
func wantLines(t *testing.T, rec *recorder, want ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := rec.lines()
		var missing []string
		for _, w := range want {
			if !slices.Contains(got, w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("observer lacks\n  %s\ngot\n  %s", strings.Join(missing, "\n  "), strings.Join(got, "\n  "))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Every message reaches the observer with its JSON-RPC id and transport,
// over stdio, stateful HTTP and stateless HTTP (go-sdk's path and the
// fast path), with outcomes: results, tool errors and JSON-RPC errors.
func TestObserverSeesEveryMessage(t *testing.T) {
	t.Run("stdio", func(t *testing.T) {
		s, rec := observedServer(t, &Options{})
		cr, sw := io.Pipe()
		sr, cw := io.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- s.ServeIO(ctx, sr, sw) }()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, &mcp.IOTransport{Reader: cr, Writer: cw}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
		must(t, err)
		call(t, cs, "echo", nil)
		call(t, cs, "bad", nil)
		cs.CallTool(ctx, &mcp.CallToolParams{Name: "nope"})
		must(t, cs.Ping(ctx, nil))
		cs.Close()
		<-done
		wantLines(t, rec,
			`initialize name="" id="1" transport=stdio http=false`,
			`notifications/initialized name="" id="" transport=stdio http=false`,
			`tools/call name="echo" id="2" transport=stdio http=false`,
			`tools/call name="bad" id="3" transport=stdio http=false tool_error`,
			`tools/call name="nope" id="4" transport=stdio http=false error=-32602`,
			`ping name="" id="5" transport=stdio http=false`)
		deadline := time.Now().Add(5 * time.Second)
		for {
			rec.mu.Lock()
			got := fmt.Sprint(rec.sessions)
			rec.mu.Unlock()
			if got == "[start stdio end stdio]" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("sessions = %v, want one started and ended", got)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	for _, mode := range []string{"stateful", "stateless"} {
		t.Run(mode, func(t *testing.T) {
			s, rec := observedServer(t, &Options{Stateless: mode == "stateless", JSONResponse: mode == "stateless"})
			hs := httptest.NewServer(s.Handler())
			defer hs.Close()
			ctx := context.Background()
			// Stateful: a 2025-11-25 session, which initializes first (id
			// 1); stateless: 2026-07-28, which discovers first.
			var so *mcp.ClientSessionOptions
			if mode == "stateful" {
				so = &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}
			}
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: hs.URL, MaxRetries: -1}, so)
			must(t, err)
			call(t, cs, "echo", nil)
			call(t, cs, "bad", nil)
			cs.CallTool(ctx, &mcp.CallToolParams{Name: "nope"})
			_, err = cs.ListTools(ctx, nil)
			must(t, err)
			cs.Close()
			id := func(n int) int { return n + 1 }
			wantLines(t, rec,
				fmt.Sprintf(`tools/call name="echo" id="%d" transport=http http=true`, id(1)),
				fmt.Sprintf(`tools/call name="bad" id="%d" transport=http http=true tool_error`, id(2)),
				fmt.Sprintf(`tools/call name="nope" id="%d" transport=http http=true error=-32602`, id(3)),
				fmt.Sprintf(`tools/list name="" id="%d" transport=http http=true`, id(4)))
			if mode == "stateful" {
				// A notification may be handled after its POST was answered
				// (so without its HTTP request) or before.
				wantLines(t, rec, `initialize name="" id="1" transport=http http=true`)
				if !slices.ContainsFunc(rec.lines(), func(l string) bool {
					return strings.HasPrefix(l, `notifications/initialized name="" id="" transport=http http=`)
				}) {
					t.Errorf("no notifications/initialized: %v", rec.lines())
				}
			} else {
				wantLines(t, rec, `server/discover name="" id="1" transport=http http=true`)
			}
		})
	}
}

// On go-sdk's path a 2026-07-28 result travels wrapped (with its
// resultType); the observer still gets the runtime's *CallToolResult.
func TestObserverSeesToolErrorsOnGoSDKPath(t *testing.T) {
	s, rec := observedServer(t, &Options{Stateless: true, NoFastPath: true})
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: hs.URL, MaxRetries: -1}, nil)
	must(t, err)
	defer cs.Close()
	call(t, cs, "bad", nil)
	wantLines(t, rec, `tools/call name="bad" id="2" transport=http http=true tool_error`)
}

// panicky is an observer that panics in every method.
type panicky struct{}

func (panicky) Message(context.Context, *Request) (context.Context, func(mcp.Result, error)) {
	panic("observer bug")
}

func (panicky) Session(*Request) func() { panic("session observer bug") }

// lateBomb panics only when told the outcome.
type lateBomb struct{}

func (lateBomb) Message(ctx context.Context, _ *Request) (context.Context, func(mcp.Result, error)) {
	return ctx, func(mcp.Result, error) { panic("done bug") }
}

// An observer that panics never ends the process: the message is served
// unobserved, over stdio and over HTTP (go-sdk's path and the fast path).
func TestObserverPanicsAreContained(t *testing.T) {
	for _, obs := range []Observer{panicky{}, lateBomb{}} {
		name := fmt.Sprintf("%T", obs)
		t.Run(name+"/stdio", func(t *testing.T) {
			s := NewServer(&Implementation{Name: "p", Version: "1"}, &Options{Observer: obs})
			must(t, s.Add(&Components{Tools: []*Tool{tool("echo", "", text("hi"))}}))
			cr, sw := io.Pipe()
			sr, cw := io.Pipe()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go s.ServeIO(ctx, sr, sw)
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, &mcp.IOTransport{Reader: cr, Writer: cw}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
			must(t, err)
			defer cs.Close()
			if got := resultText(call(t, cs, "echo", nil)); got != "hi" {
				t.Errorf("echo = %q", got)
			}
		})
		for _, mode := range []string{"stateful", "fast"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				s := NewServer(&Implementation{Name: "p", Version: "1"}, &Options{Observer: obs, Stateless: mode == "fast", JSONResponse: mode == "fast"})
				must(t, s.Add(&Components{Tools: []*Tool{tool("echo", "", text("hi"))}}))
				hs := httptest.NewServer(s.Handler())
				defer hs.Close()
				cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: hs.URL, MaxRetries: -1}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
				must(t, err)
				defer cs.Close()
				for range 2 {
					if got := resultText(call(t, cs, "echo", nil)); got != "hi" {
						t.Errorf("echo = %q", got)
					}
				}
			})
		}
	}
}

// Request.ID is the id as JSON means it: escapes decoded the JSON way,
// numbers as written, nothing for null or no id.
func TestRawIDText(t *testing.T) {
	for raw, want := range map[string]string{
		`"req-1"`: "req-1", `"\u0041<"`: "A<", `"a\/b"`: "a/b", `7`: "7", `-3`: "-3", `null`: "", ``: "",
	} {
		if got := rawIDText([]byte(raw)); got != want {
			t.Errorf("rawIDText(%s) = %q, want %q", raw, got, want)
		}
	}
}
