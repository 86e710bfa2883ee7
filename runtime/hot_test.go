package runtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The differential tests of the runtime's own path (hot.go): the same
// request corpus goes to a server that answers the hot methods itself and
// to one that leaves everything to go-sdk (Options.NoFastPath), and the raw
// responses, the notifications in between, and what observers and
// middleware saw must be the same.

// hotRecorder records what the observer and middleware see of each
// request, in a form that two servers can be compared by.
type hotRecorder struct {
	mu    sync.Mutex
	lines []string
	notes []string // notifications observed so far (compareObserved)
	// started is told when the tool "wait" starts, so that a test cancels
	// it only then (go-sdk answers a call cancelled before it started
	// without running it).
	started chan struct{}
}

func (h *hotRecorder) add(s string) {
	h.mu.Lock()
	h.lines = append(h.lines, s)
	h.mu.Unlock()
}

func (h *hotRecorder) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.lines
	h.lines = nil
	return out
}

// describe is what the recorder keeps of a request: everything the
// Request says about its transport, session and client, with the session
// id (random per server) reduced to whether there is one.
func describe(where string, r *Request) string {
	js := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	hd := "nil"
	if r.Header != nil {
		hd = fmt.Sprintf("%d headers, session %v", len(r.Header), r.Header.Get("Mcp-Session-Id") != "")
	}
	return fmt.Sprintf("%s %s name=%q version=%q args=%s cursor=%q meta=%s transport=%q id=%q proto=%q client=%s caps=%s header=%s session=%v http=%v",
		where, r.Method, r.Name, r.Version, r.Arguments, r.Cursor, js(r.Meta), r.Transport, r.ID, r.ProtocolVersion,
		js(r.ClientInfo), js(r.ClientCapabilities), hd, r.SessionID != "", r.HTTPRequest != nil)
}

type recordingObserver struct{ rec *hotRecorder }

func (o recordingObserver) Message(ctx context.Context, r *Request) (context.Context, func(mcp.Result, error)) {
	o.rec.add(describe("observe", r))
	return ctx, func(res mcp.Result, err error) {
		o.rec.add(fmt.Sprintf("observed %s %T %v", r.Method, res, err))
	}
}

// hotTestServer is a server with a component for every kind of outcome.
// noHot leaves every request to go-sdk.
func hotTestServer(t testing.TB, noHot bool, opts Options) (*Server, *hotRecorder) {
	t.Helper()
	rec := &hotRecorder{started: make(chan struct{}, 1)}
	opts.NoFastPath = noHot
	opts.Observer = recordingObserver{rec}
	opts.RequestStateKey = bytes.Repeat([]byte("k"), 32)
	s := NewServer(&Implementation{Name: "hot", Version: "1.0.0"}, &opts)
	s.Use(func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (mcp.Result, error) {
			rec.add(describe("middleware", r))
			return next(ctx, r)
		}
	})
	echo := func(_ context.Context, args json.RawMessage) (*CallToolResult, error) {
		if len(args) == 0 {
			return TextResult("no arguments"), nil
		}
		return TextResult(string(args)), nil
	}
	slow := tool("slow", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	slow.Timeout = 20 * time.Millisecond
	comps := &Components{
		Tools: []*Tool{
			tool("echo", "", echo),
			tool("structured", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				return StructuredResult([]byte(`{"n":1,"s":"<x> & é"}`)), nil
			}),
			tool("bad", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				return ArgumentsError(errors.New("n: must be at least 1")), nil
			}),
			tool("protocol_error", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				return nil, InvalidParams("no <such> thing")
			}),
			tool("plain_error", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				return nil, errors.New("plain <failure>")
			}),
			tool("boom", "", func(context.Context, json.RawMessage) (*CallToolResult, error) { panic("boom") }),
			slow,
			tool("wait", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
				select {
				case rec.started <- struct{}{}:
				default:
				}
				<-ctx.Done() // until cancelled
				return nil, ctx.Err()
			}),
			tool("ask", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
				res, err := Elicit(ctx, "ok", &ElicitParams{Message: "ok?", RequestedSchema: json.RawMessage(`{"type":"object","properties":{}}`)})
				if err != nil {
					return ErrorResult(err), nil
				}
				return TextResult(string(res.Action)), nil
			}),
			tool("meta", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				r := TextResult("with meta")
				r.Meta = map[string]any{"k": "v"}
				return r, nil
			}),
			tool("image", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				return &CallToolResult{Content: []Content{&ImageContent{Data: []byte{1, 2}, MIMEType: "image/png"}}}, nil
			}),
			tool("empty", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				return &CallToolResult{}, nil
			}),
			tool("progress", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
				Progress(ctx, 1, 2, "half")
				Log(ctx, 0, "working", map[string]any{"step": 1})
				Progress(ctx, 2, 2, "done")
				return TextResult("progressed"), nil
			}),
			tool("hide_echo", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
				if err := DisableComponents(ctx, Match{Names: []string{"echo"}}); err != nil {
					return nil, err
				}
				return TextResult("hidden"), nil
			}),
			tool("reset", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
				if err := ResetVisibility(ctx); err != nil {
					return nil, err
				}
				return TextResult("reset"), nil
			}),
			tool("versioned", "1.0", text("v1")), tool("versioned", "2.0", text("v2")),
			tool("hidden", "", text("hidden")),
		},
		Resources: []*Resource{
			{URI: "notes://a", Name: "a", MIMEType: "text/plain", Handler: func(context.Context, string) (*ReadResourceResult, error) {
				return &ReadResourceResult{Contents: []*ResourceContents{{Text: "note <a>"}}}, nil
			}},
			{URI: "notes://boom", Name: "boom", Handler: func(context.Context, string) (*ReadResourceResult, error) { panic("resource boom") }},
			{URI: "notes://gone", Name: "gone", Handler: func(context.Context, string) (*ReadResourceResult, error) { return nil, ErrResourceNotFound }},
		},
		ResourceTemplates: []*ResourceTemplate{
			{URITemplate: "users://{id}", Name: "user", MIMEType: "application/json", Handler: func(_ context.Context, uri string, vars []string) (*ReadResourceResult, error) {
				return &ReadResourceResult{Contents: []*ResourceContents{{Text: `{"id":"` + vars[0] + `"}`}}}, nil
			}},
		},
		Prompts: []*Prompt{
			{Name: "greet", Arguments: []PromptArgument{{Name: "who", Required: true}}, Handler: func(_ context.Context, args map[string]string) (*GetPromptResult, error) {
				return &GetPromptResult{Description: "greeting", Messages: []*PromptMessage{{Role: "user", Content: &TextContent{Text: "hello " + args["who"]}}}}, nil
			}},
			{Name: "empty", Handler: func(context.Context, map[string]string) (*GetPromptResult, error) { return &GetPromptResult{}, nil }},
			{Name: "boom", Handler: func(context.Context, map[string]string) (*GetPromptResult, error) { panic("prompt boom") }},
		},
		Completions: []*Completion{
			{Prompt: "greet", Argument: "who", Handler: func(_ context.Context, value string, _ map[string]string) ([]string, error) {
				return []string{value + "1", value + "2"}, nil
			}},
			{ResourceTemplate: "users://{id}", Argument: "id", Handler: func(context.Context, string, map[string]string) ([]string, error) {
				return nil, errors.New("completion failed")
			}},
		},
	}
	if err := s.Add(comps); err != nil {
		t.Fatal(err)
	}
	s.AddTransform(TransformFunc(func(_ context.Context, in *Components) (*Components, error) {
		return ApplyRules(in, Rule{Match: Match{Names: []string{"hidden"}}}), nil
	}))
	return s, rec
}

// A hotStep is one request of the corpus, or a notification.
type hotStep struct {
	name string
	send string
	// id is the raw id of the response that ends the step; "" for a
	// notification, which gets none.
	id string
	// then is sent right after send, before reading (a cancellation).
	then string
	// answer answers a request of the server's (elicitation), by method.
	answer map[string]string
	// hot says that the runtime's own path must answer the request.
	hot bool
}

const (
	metaTriple  = `"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}`
	metaAskable = `"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"io.modelcontextprotocol/clientCapabilities":{"elicitation":{}}`
)

// hotCorpus is the request corpus of an era. For 2026-07-28, requests
// carry the SEP-2575 _meta and there is no initialize.
func hotCorpus(era string, paged bool) []hotStep {
	return hotCorpusCaps(era, paged, `{"elicitation":{}}`)
}

// hotCorpusCaps is hotCorpus for a client that declares caps at
// initialization.
func hotCorpusCaps(era string, paged bool, caps string) []hotStep {
	modern := era == statelessVersion
	n := 0
	// req builds a request; meta is the _meta content besides the triple.
	req := func(method, params, meta string) (string, string) {
		n++
		id := fmt.Sprint(n)
		if !modern {
			meta = strings.ReplaceAll(meta, "ASK", "")
		}
		if modern {
			triple := metaTriple
			if strings.Contains(meta, "ASK") {
				triple, meta = metaAskable, strings.ReplaceAll(meta, "ASK", "")
			}
			if meta != "" {
				meta = triple + "," + meta
			} else {
				meta = triple
			}
		}
		p := params
		if meta != "" {
			if p == "" {
				p = `{"_meta":{` + meta + `}}`
			} else {
				p = strings.TrimSuffix(p, "}")
				if !strings.HasSuffix(p, "{") {
					p += ","
				}
				p += `"_meta":{` + meta + `}}`
			}
		}
		line := `{"jsonrpc":"2.0","id":` + id + `,"method":"` + method + `"`
		if p != "" {
			line += `,"params":` + p
		}
		return line + "}", id
	}
	step := func(name, method, params, meta string, hot bool) hotStep {
		line, id := req(method, params, meta)
		return hotStep{name: name, send: line, id: id, hot: hot}
	}
	var steps []hotStep
	if !modern {
		steps = append(steps,
			hotStep{name: "initialize", send: `{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"` + era + `","capabilities":` + caps + `,"clientInfo":{"name":"c","version":"1","title":"Client"}}}`, id: `"init"`},
			hotStep{name: "initialized", send: `{"jsonrpc":"2.0","method":"notifications/initialized"}`},
			hotStep{name: "set level", send: `{"jsonrpc":"2.0","id":"lvl","method":"logging/setLevel","params":{"level":"info"}}`, id: `"lvl"`},
			step("ping", "ping", "", "", true),
			step("ping with params", "ping", `{}`, "", true),
		)
	} else {
		// go-sdk records the first 2026-07-28 request as the session's
		// initialization; the runtime leaves it to go-sdk.
		steps = append(steps, step("first request", "tools/list", "", "", false))
	}
	steps = append(steps,
		step("tools/list", "tools/list", "", "", true),
		step("tools/list with params", "tools/list", `{}`, "", true),
		step("resources/list", "resources/list", "", "", true),
		step("resources/templates/list", "resources/templates/list", "", "", true),
		step("prompts/list", "prompts/list", "", "", true),
		step("call", "tools/call", `{"name":"echo","arguments":{"b":[1, 2],"a":"\u00e9 <&>"}}`, "", true),
		step("call without arguments", "tools/call", `{"name":"echo"}`, "", true),
		step("structured", "tools/call", `{"name":"structured","arguments":{}}`, "", true),
		step("error result", "tools/call", `{"name":"bad","arguments":{"n":0}}`, "", true),
		step("protocol error", "tools/call", `{"name":"protocol_error","arguments":{}}`, "", true),
		step("plain error", "tools/call", `{"name":"plain_error","arguments":{}}`, "", true),
		step("panic", "tools/call", `{"name":"boom","arguments":{}}`, "", true),
		step("timeout", "tools/call", `{"name":"slow","arguments":{}}`, "", true),
		step("result meta", "tools/call", `{"name":"meta","arguments":{}}`, "", true),
		step("image", "tools/call", `{"name":"image","arguments":{}}`, "", true),
		step("empty result", "tools/call", `{"name":"empty","arguments":{}}`, "", true),
		step("highest version", "tools/call", `{"name":"versioned","arguments":{}}`, "", true),
		step("version asked", "tools/call", `{"name":"versioned","arguments":{}}`, `"mcpgen":{"version":"1.0"}`, true),
		step("unknown version", "tools/call", `{"name":"versioned","arguments":{}}`, `"mcpgen":{"version":"9"}`, true),
		step("unknown tool", "tools/call", `{"name":"nope","arguments":{}}`, "", true),
		step("disabled tool", "tools/call", `{"name":"hidden","arguments":{}}`, "", true),
		step("trace context", "tools/call", `{"name":"echo","arguments":{}}`, `"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"a=b"`, true),
		step("progress", "tools/call", `{"name":"progress","arguments":{}}`, `"progressToken":"p1"`, true),
		step("numeric progress token", "tools/call", `{"name":"progress","arguments":{}}`, `"progressToken":7`, true),
		step("progress without token", "tools/call", `{"name":"progress","arguments":{}}`, "", true),
		// Left to go-sdk: its shape is not one the runtime reads.
		step("arguments not an object", "tools/call", `{"name":"echo","arguments":[1]}`, "", false),
		step("name not a string", "tools/call", `{"name":7}`, "", false),
		step("missing params", "tools/call", "", "", modern), // 2026-07-28: params with only _meta
		step("extra params field", "tools/call", `{"name":"echo","task":{}}`, "", false),
		step("escaped meta", "tools/call", `{"name":"echo"}`, `"k":"\u0041"`, false),
		step("read", "resources/read", `{"uri":"notes://a"}`, "", true),
		step("read template", "resources/read", `{"uri":"users://42"}`, "", true),
		step("read unknown", "resources/read", `{"uri":"notes://nope"}`, "", true),
		step("read not found", "resources/read", `{"uri":"notes://gone"}`, "", true),
		step("read panic", "resources/read", `{"uri":"notes://boom"}`, "", true),
		step("read without uri", "resources/read", `{}`, "", true),
		step("get", "prompts/get", `{"name":"greet","arguments":{"who":"<world>"}}`, "", true),
		step("get null arguments", "prompts/get", `{"name":"greet","arguments":null}`, "", true),
		step("get empty", "prompts/get", `{"name":"empty"}`, "", true),
		step("get panic", "prompts/get", `{"name":"boom"}`, "", true),
		step("get unknown", "prompts/get", `{"name":"nope"}`, "", true),
		step("get argument not a string", "prompts/get", `{"name":"greet","arguments":{"who":1}}`, "", false),
		step("complete", "completion/complete", `{"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"who","value":"a"}}`, "", true),
		step("complete with context", "completion/complete", `{"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"who","value":"b"},"context":{"arguments":{"x":"y"}}}`, "", true),
		step("complete failing", "completion/complete", `{"ref":{"type":"ref/resource","uri":"users://{id}"},"argument":{"name":"id","value":"1"}}`, "", true),
		step("complete unknown", "completion/complete", `{"ref":{"type":"ref/prompt","name":"nope"},"argument":{"name":"who","value":""}}`, "", true),
		step("complete no handler", "completion/complete", `{"ref":{"type":"ref/prompt","name":"empty"},"argument":{"name":"x","value":""}}`, "", true),
		step("complete bad ref", "completion/complete", `{"ref":{"type":"ref/other","name":"x"},"argument":{"name":"x","value":""}}`, "", false),
		step("complete without ref", "completion/complete", `{"argument":{"name":"x","value":""}}`, "", false),
		step("string id", "tools/call", `{"name":"echo","arguments":{}}`, "", true),
	)
	last := &steps[len(steps)-1]
	last.send = strings.Replace(last.send, `"id":`+last.id, `"id":"req-1 é"`, 1)
	last.id = `"req-1 é"`
	steps = append(steps,
		hotStep{name: "escaped id", send: `{"jsonrpc":"2.0","id":"\u0041","method":"ping"}`, id: `"A"`},
		hotStep{name: "fractional id", send: `{"jsonrpc":"2.0","id":1.5,"method":"ping"}`, id: `1`},
	)
	if modern {
		steps[len(steps)-2].send = strings.Replace(steps[len(steps)-2].send, `"method":"ping"`, `"method":"tools/list","params":{"_meta":{`+metaTriple+`}}`, 1)
		steps[len(steps)-1].send = strings.Replace(steps[len(steps)-1].send, `"method":"ping"`, `"method":"tools/list","params":{"_meta":{`+metaTriple+`}}`, 1)
	}

	// Cancellation: the call waits on its context until cancelled.
	cancel := step("cancelled", "tools/call", `{"name":"wait","arguments":{}}`, "", true)
	cancel.then = `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":` + cancel.id + `,"reason":"test"}}`
	steps = append(steps, cancel)

	// Input: a client before 2026-07-28 is asked over the session; one of
	// 2026-07-28 gets the input requests in the result.
	ask := step("input", "tools/call", `{"name":"ask","arguments":{}}`, "ASK", true)
	ask.answer = map[string]string{"elicitation/create": `{"action":"accept","content":{}}`}
	steps = append(steps, ask)

	// Visibility: a call hides echo from this session, which is told its
	// list changed; echo is then neither listed nor callable.
	steps = append(steps,
		step("hide", "tools/call", `{"name":"hide_echo","arguments":{}}`, "", true),
		step("list after hiding", "tools/list", "", "", true),
		step("call hidden", "tools/call", `{"name":"echo","arguments":{}}`, "", true),
		step("reset", "tools/call", `{"name":"reset","arguments":{}}`, "", true),
		step("call after reset", "tools/call", `{"name":"echo","arguments":{}}`, "", true),
	)
	if paged {
		steps = append(steps,
			step("page 2", "tools/list", `{"cursor":"eyJvIjoyfQ"}`, "", true),
			step("page past the end", "tools/list", `{"cursor":"eyJvIjo5OX0"}`, "", true),
			step("invalid cursor", "tools/list", `{"cursor":"nope"}`, "", true),
			step("prompts page 2", "prompts/list", `{"cursor":"eyJvIjoyfQ"}`, "", true),
		)
	}
	if !modern {
		steps = append(steps, hotStep{name: "duplicate initialize", send: `{"jsonrpc":"2.0","id":"init2","method":"initialize","params":{"protocolVersion":"` + era + `","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`, id: `"init2"`})
	}
	return steps
}

// normalize replaces what legitimately differs between two servers: signed
// request states (they expire by the second).
var requestStateRE = regexp.MustCompile(`"requestState":"[^"]*"`)

func normalize(s string) string {
	return requestStateRE.ReplaceAllString(s, `"requestState":"<signed>"`)
}

// stdioClient drives one stdio session.
type stdioClient struct {
	t     *testing.T
	in    *io.PipeWriter
	lines chan string
}

// startHotStdio serves one stdio session of s; at the end of input it
// waits up to drain for the calls in flight.
func startHotStdio(t *testing.T, s *Server, drain time.Duration) (*stdioClient, func()) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	done := make(chan error, 1)
	go func() {
		done <- s.serveIO(ctx, inR, outW, ioLimits{maxLine: maxLine, drain: drain, maxInFlight: DefaultMaxInFlight})
		outW.Close()
	}()
	c := &stdioClient{t: t, in: inW, lines: make(chan string, 64)}
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	return c, func() {
		inW.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ServeIO: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("ServeIO did not return at the end of input")
		}
		cancel()
	}
}

func (c *stdioClient) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

// run sends a step and returns every line the server wrote until the
// step's response (none for a notification).
func (c *stdioClient) run(st hotStep, rec *hotRecorder) []string {
	c.t.Helper()
	c.send(st.send)
	if st.then != "" {
		select {
		case <-rec.started:
		case <-time.After(20 * time.Second):
			c.t.Fatalf("%s: the call did not start", st.name)
		}
		c.send(st.then)
	}
	if st.id == "" {
		return nil
	}
	var got []string
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("%s: the session ended; read %q", st.name, got)
			}
			got = append(got, line)
			id, request, response := idAndKind([]byte(line))
			if request && id != nil {
				var m struct{ Method string }
				json.Unmarshal([]byte(line), &m)
				res, ok := st.answer[m.Method]
				if !ok {
					c.t.Fatalf("%s: unexpected request from the server: %s", st.name, line)
				}
				c.send(`{"jsonrpc":"2.0","id":` + string(id) + `,"result":` + res + `}`)
				continue
			}
			if response && string(id) == st.id {
				return got
			}
		case <-timeout:
			c.t.Fatalf("%s: no response; read %q", st.name, got)
		}
	}
}

// TestStdioHotMatchesGoSDK runs the corpus of every era over stdio,
// through the runtime's own path and through go-sdk's, and compares the
// bytes written, and what the observer and middleware saw.
func TestStdioHotMatchesGoSDK(t *testing.T) {
	for _, era := range []string{"2025-03-26", "2025-06-18", "2025-11-25", statelessVersion} {
		for _, paged := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s paged=%v", era, paged), func(t *testing.T) {
				opts := Options{}
				if paged {
					opts.PageSize = 2
				}
				hot, hotRec := hotTestServer(t, false, opts)
				sdk, sdkRec := hotTestServer(t, true, opts)
				hc, hstop := startHotStdio(t, hot, 30*time.Second)
				sc, sstop := startHotStdio(t, sdk, 30*time.Second)
				for _, st := range hotCorpus(era, paged) {
					before := hot.hotServed.Load()
					got := hc.run(st, hotRec)
					took := hot.hotServed.Load() > before
					want := sc.run(st, sdkRec)
					if took != st.hot {
						t.Errorf("%s: the runtime's path answered: %v, want %v", st.name, took, st.hot)
					}
					if sdk.hotServed.Load() != 0 {
						t.Fatalf("%s: the runtime's path answered with NoFastPath", st.name)
					}
					compareLines(t, st.name, got, want)
					compareObserved(t, st.name, hotRec, sdkRec, false)
				}
				hstop()
				sstop()
				compareObserved(t, "the session", hotRec, sdkRec, true)
			})
		}
	}
}

// compareObserved compares what the observer and middleware of both
// servers saw during a step. Notifications have no response to wait for,
// and go-sdk handles them in its own order: they are compared over the
// whole session (final), the rest step by step.
func compareObserved(t *testing.T, what string, hot, sdk *hotRecorder, final bool) {
	t.Helper()
	split := func(lines []string) (requests, notes []string) {
		for _, l := range lines {
			if strings.Contains(l, " notifications/") {
				// go-sdk answers a notification's POST (202) before it
				// handles it: whether its HTTP request is still known
				// then is a matter of timing, on go-sdk's path too.
				l = strings.Replace(strings.Replace(l, " http=true", " http=?", 1), " http=false", " http=?", 1)
				notes = append(notes, l)
			} else {
				requests = append(requests, l)
			}
		}
		return requests, notes
	}
	hr, hn := split(hot.take())
	sr, sn := split(sdk.take())
	compareLines(t, what+" (observed)", hr, sr)
	hot.mu.Lock()
	sdk.mu.Lock()
	hot.notes, sdk.notes = append(hot.notes, hn...), append(sdk.notes, sn...)
	hn, sn = hot.notes, sdk.notes
	hot.mu.Unlock()
	sdk.mu.Unlock()
	if final {
		slices.Sort(hn)
		slices.Sort(sn)
		compareLines(t, what+" (notifications observed)", hn, sn)
	}
}

// compareLines compares two transcripts: byte for byte once normalized,
// and valid UTF-8 alike.
func compareLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d lines, go-sdk %d\nruntime: %q\ngo-sdk:  %q", what, len(got), len(want), got, want)
		return
	}
	for i := range got {
		if utf8.ValidString(got[i]) != utf8.ValidString(want[i]) {
			t.Errorf("%s: UTF-8 validity differs\nruntime: %q\ngo-sdk:  %q", what, got[i], want[i])
		}
		if normalize(got[i]) != normalize(want[i]) {
			t.Errorf("%s: line %d differs\nruntime: %s\ngo-sdk:  %s", what, i, got[i], want[i])
		}
	}
}

// FuzzStdioHot sends any line to an initialized stdio session of each
// path, then a ping, and compares what both wrote (as sets of lines: calls
// are answered concurrently on both paths) and what their observers saw.
func FuzzStdioHot(f *testing.F) {
	for _, era := range []string{"2025-03-26", "2025-11-25", statelessVersion} {
		for _, st := range hotCorpus(era, false) {
			f.Add([]byte(st.send), era == statelessVersion)
		}
	}
	for _, s := range hostileSeeds() {
		f.Add([]byte(s), false)
	}
	hot, hotRec := hotTestServer(f, false, Options{})
	sdk, sdkRec := hotTestServer(f, true, Options{})
	session := func(t *testing.T, s *Server, rec *hotRecorder, line []byte, modern bool) []string {
		// A call still in flight at the end of input (one that waits for
		// its cancellation, or for the client's answer) is cancelled after
		// a second, unanswered on both paths.
		c, stop := startHotStdio(t, s, time.Second)
		setup := []hotStep{{name: "first", send: `{"jsonrpc":"2.0","id":"f0","method":"tools/list","params":{"_meta":{` + metaTriple + `}}}`, id: `"f0"`}}
		if !modern {
			setup = []hotStep{
				{name: "initialize", send: `{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`, id: `"init"`},
				{name: "initialized", send: `{"jsonrpc":"2.0","method":"notifications/initialized"}`},
				{name: "set level", send: `{"jsonrpc":"2.0","id":"lvl","method":"logging/setLevel","params":{"level":"debug"}}`, id: `"lvl"`},
			}
		}
		for _, st := range setup {
			c.run(st, rec)
		}
		c.send(string(line))
		c.send(`{"jsonrpc":"2.0","id":"fuzz-ping","method":"ping"}`)
		c.in.Close() // the session answers what it read, then ends
		var lines []string
		for l := range c.lines {
			lines = append(lines, normalize(l))
		}
		stop()
		slices.Sort(lines)
		return lines
	}
	f.Fuzz(func(t *testing.T, line []byte, modern bool) {
		if bytes.ContainsAny(line, "\r\n") {
			return // one line
		}
		got := session(t, hot, hotRec, line, modern)
		want := session(t, sdk, sdkRec, line, modern)
		compareLines(t, fmt.Sprintf("%q", line), got, want)
		h, s := hotRec.take(), sdkRec.take()
		slices.Sort(h)
		slices.Sort(s)
		compareLines(t, fmt.Sprintf("%q (observed)", line), h, s)
	})
}

// Attack: a client pipelines calls of the runtime's path, reusing ids
// while they are in flight and cancelling some, then hangs up. Every call
// is answered or refused once, duplicates as go-sdk refuses them, and the
// session's workers and calls are all gone once ServeIO returns.
func TestStdioHotFloodLeavesNothing(t *testing.T) {
	s, _ := hotTestServer(t, false, Options{MaxInFlight: 8})
	baseline := runtime.NumGoroutine()
	var in strings.Builder
	in.WriteString(initBody("2025-11-25") + "\n" + `{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n")
	for i := range 200 {
		id := i % 50 // ids reused while they may be in flight
		switch i % 4 {
		case 0:
			fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"slow","arguments":{}}}`+"\n", id)
		case 1:
			fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%d,"method":"tools/list"}`+"\n", id)
		case 2:
			fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"progress","arguments":{},"_meta":{"progressToken":%d}}}`+"\n", id, i)
		case 3:
			fmt.Fprintf(&in, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":%d}}`+"\n", id-3)
		}
	}
	var out syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.serveIO(ctx, strings.NewReader(in.String()), &out, ioLimits{maxLine: maxLine, drain: 10 * time.Second, maxInFlight: 8}); err != nil {
		t.Fatal(err)
	}
	answered, refused := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !utf8.ValidString(line) || !json.Valid([]byte(line)) {
			t.Fatalf("not a JSON line: %q", line)
		}
		switch {
		case strings.Contains(line, "already in flight"):
			refused++
		case strings.Contains(line, `"result"`) || strings.Contains(line, `"error"`):
			answered++
		}
	}
	// 150 requests, and the initialize.
	if answered+refused != 151 || s.hotServed.Load() == 0 {
		t.Errorf("%d answered and %d refused of 151 requests; %d on the runtime's path", answered, refused, s.hotServed.Load())
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > baseline+2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the session, %d before", runtime.NumGoroutine(), baseline)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
