package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/trace"
)

// records returns the JSON log records written so far.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// maskServer serves tools and resources failing in every way masking
// tells apart, logging JSON to logs.
func maskServer(t *testing.T, opts *Options, logs *syncBuffer) *Server {
	t.Helper()
	opts.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	s := NewServer(&Implementation{Name: "mask", Version: "1"}, opts)
	result := func(res *CallToolResult, err error) ToolHandler {
		return func(context.Context, json.RawMessage) (*CallToolResult, error) { return res, err }
	}
	slow := tool("slow", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		<-ctx.Done()
		return ErrorResult(ctx.Err()), nil
	})
	slow.Timeout = 10 * time.Millisecond
	read := func(err error) ResourceHandler {
		return func(context.Context, string) (*ReadResourceResult, error) { return nil, err }
	}
	must(t, s.Add(&Components{
		Tools: []*Tool{
			// What generated code returns for a tool's error.
			tool("fails", "", result(ErrorResult(errors.New("dial db: password hunter2 refused")), nil)),
			tool("marked", "", result(ErrorResult(ToolErrorf("no city named %q", "Atlantis")), nil)),
			tool("wrapped", "", result(ErrorResult(fmt.Errorf("lookup hunter2: %w", ToolErrorf("no such city"))), nil)),
			tool("own", "", result(&CallToolResult{IsError: true, Content: []Content{Text("try a smaller n")}}, nil)),
			tool("args", "", result(ArgumentsError(errors.New("n: must be at least 1")), nil)),
			tool("protocol", "", result(nil, errors.New("protocol hunter2"))),
			tool("marked_protocol", "", result(nil, ToolErrorf("shown as it is"))),
			tool("invalid", "", result(nil, InvalidParams("bad n"))),
			tool("boom", "", func(context.Context, json.RawMessage) (*CallToolResult, error) { panic("hunter2") }),
			slow,
		},
		Resources: []*Resource{
			{URI: "res://secret", Name: "secret", Handler: read(errors.New("open /etc/hunter2"))},
			{URI: "res://marked", Name: "marked", Handler: read(ToolErrorf("res://marked moved to res://other"))},
			{URI: "res://gone", Name: "gone", Handler: read(fmt.Errorf("gone: %w", ErrResourceNotFound))},
		},
	}))
	return s
}

// maskCase is one call and what the client sees, masked and not.
type maskCase struct {
	tool, uri        string
	plain, masked    string // the text, or the JSON-RPC error message
	code             int64  // 0: a tool result with isError
	logged           bool   // masking logs the real error
	loggedWhenPlain  bool   // logged even without masking (a panic)
	unmaskedContains string // the real error, in the log
}

var maskCases = []maskCase{
	{tool: "fails", plain: "dial db: password hunter2 refused", masked: `tool "fails" failed`, logged: true, unmaskedContains: "hunter2"},
	{tool: "marked", plain: `no city named "Atlantis"`, masked: `no city named "Atlantis"`},
	{tool: "wrapped", plain: "lookup hunter2: no such city", masked: "no such city"},
	{tool: "own", plain: "try a smaller n", masked: "try a smaller n"},
	{tool: "args", plain: "invalid arguments: n: must be at least 1", masked: "invalid arguments: n: must be at least 1"},
	{tool: "slow", plain: `tool "slow" timed out after 10ms`, masked: `tool "slow" timed out after 10ms`},
	{tool: "boom", plain: `tool "boom" panicked: hunter2`, masked: `tool "boom" failed with an internal error`, loggedWhenPlain: true, unmaskedContains: "hunter2"},
	{tool: "protocol", plain: "protocol hunter2", masked: `tool "protocol" failed`, code: -32603, logged: true, unmaskedContains: "hunter2"},
	{tool: "marked_protocol", plain: "shown as it is", masked: "shown as it is", code: -32603},
	{tool: "invalid", plain: "bad n", masked: "bad n", code: -32602},
	{uri: "res://secret", plain: "open /etc/hunter2", masked: `resource "res://secret" failed`, code: -32603, logged: true, unmaskedContains: "hunter2"},
	{uri: "res://marked", plain: "res://marked moved to res://other", masked: "res://marked moved to res://other", code: -32603},
	{uri: "res://gone", plain: "gone: resource not found", masked: "gone: resource not found", code: -32602},
}

// With Options.MaskErrors a tool's own error text, and any other error
// not meant for the client, is replaced by a message naming the
// component, and logged with the real error; ToolErrors, JSON-RPC errors,
// missing resources, results the tool built and the runtime's own messages
// are shown. Without it everything is shown. The same over go-sdk (an
// in-memory session) and on the stateless fast path and its go-sdk path.
func TestMaskErrors(t *testing.T) {
	for _, mask := range []bool{false, true} {
		t.Run(fmt.Sprint("mask=", mask), func(t *testing.T) {
			var logs syncBuffer
			cs := connect(t, maskServer(t, &Options{MaskErrors: mask}, &logs), nil)
			ctx := context.Background()
			for _, c := range maskCases {
				want := c.plain
				if mask {
					want = c.masked
				}
				var got string
				var code int64
				var err error
				if c.tool != "" {
					var r *mcp.CallToolResult
					if r, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: c.tool}); err == nil {
						if !r.IsError {
							t.Errorf("%s: not an error result", c.tool)
						}
						got = resultText(r)
					}
				} else {
					_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: c.uri})
				}
				var je *jsonrpc.Error
				if errors.As(err, &je) {
					got, code = je.Message, je.Code
				} else if err != nil {
					t.Fatalf("%s%s: %v", c.tool, c.uri, err)
				}
				if got != want || code != c.code {
					t.Errorf("%s%s: %d %q, want %d %q", c.tool, c.uri, code, got, c.code, want)
				}
			}
			checkMaskLogs(t, &logs, mask, "")
		})
	}
	for _, noFast := range []bool{false, true} {
		var logs syncBuffer
		s := maskServer(t, &Options{MaskErrors: true, Stateless: true, JSONResponse: true, NoFastPath: noFast}, &logs)
		srv := httptest.NewServer(s.Handler())
		for _, c := range maskCases {
			if c.tool == "" {
				continue
			}
			a := post(t, srv.URL, legacy(c.tool, `{"name":"`+c.tool+`","arguments":{}}`, true))
			msg := a.body.(map[string]any)
			var got string
			if e, ok := msg["error"].(map[string]any); ok {
				got = e["message"].(string)
			} else {
				content := msg["result"].(map[string]any)["content"].([]any)
				got = content[0].(map[string]any)["text"].(string)
			}
			if got != c.masked {
				t.Errorf("noFast=%v %s: %q, want %q", noFast, c.tool, got, c.masked)
			}
		}
		srv.Close()
	}
}

// checkMaskLogs checks that each masked error was logged once, with its
// real text, and trace, when wantTrace is set, with that trace id.
func checkMaskLogs(t *testing.T, logs *syncBuffer, mask bool, wantTrace string) {
	t.Helper()
	recs := logs.records(t)
	for _, c := range maskCases {
		name := c.tool + c.uri
		n := 0
		for _, rec := range recs {
			if rec["msg"] != "error masked from the client" && rec["msg"] != "tool panicked" || rec["name"] != name && rec["tool"] != name {
				continue // not about this case's error (a timeout's warning, say)
			}
			n++
			if js, _ := json.Marshal(rec); !strings.Contains(string(js), c.unmaskedContains) {
				t.Errorf("%s: the log lacks the real error: %s", name, js)
			}
			if wantTrace != "" && rec["trace_id"] != wantTrace {
				t.Errorf("%s: logged with trace %v, want %s", name, rec["trace_id"], wantTrace)
			}
		}
		want := 0
		if mask && c.logged || c.loggedWhenPlain {
			want = 1
		}
		if n != want {
			t.Errorf("mask=%v %s: logged %d times, want %d", mask, name, n, want)
		}
	}
}

// The log of a masked error carries the trace and span of the request's
// context: here one the HTTP server's instrumentation started, seen by the
// fast path.
func TestMaskedErrorsLogTheTrace(t *testing.T) {
	var logs syncBuffer
	s := maskServer(t, &Options{MaskErrors: true, Stateless: true, JSONResponse: true}, &logs)
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	h := s.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(trace.ContextWithSpanContext(r.Context(), sc)))
	}))
	defer srv.Close()
	post(t, srv.URL, legacy("fails", `{"name":"fails","arguments":{}}`, true))
	post(t, srv.URL, legacy("protocol", `{"name":"protocol","arguments":{}}`, true))
	recs := logs.records(t)
	if len(recs) != 2 {
		t.Fatalf("%d log records, want 2: %v", len(recs), recs)
	}
	for _, rec := range recs {
		if rec["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || rec["span_id"] != "00f067aa0ba902b7" {
			t.Errorf("masked error logged without its trace: %v", rec)
		}
	}
}

// Under MaskErrors a JSON-RPC error wrapped in the handler's own words
// shows only its own message, from a tool's error and a protocol error
// alike.
func TestMaskWrappedErrors(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{MaskErrors: true})
	must(t, s.Add(&Components{Tools: []*Tool{
		tool("protocol", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
			return nil, fmt.Errorf("query SELECT * FROM secrets: %w", InvalidParams("bad query"))
		}),
		tool("result", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
			return ErrorResult(fmt.Errorf("query SELECT * FROM secrets: %w", InvalidParams("bad query"))), nil
		}),
	}}))
	cs := connect(t, s, nil)
	_, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "protocol"})
	if err == nil || strings.Contains(err.Error(), "secrets") || !strings.Contains(err.Error(), "bad query") {
		t.Errorf("wrapped protocol error = %v", err)
	}
	res := call(t, cs, "result", nil)
	if got := resultText(res); strings.Contains(got, "secrets") || !strings.Contains(got, "bad query") {
		t.Errorf("wrapped tool error = %q", got)
	}
}
