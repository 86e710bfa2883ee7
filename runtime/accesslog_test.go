package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/trace"
)

// accessServer serves tools with every outcome, its access log and its
// diagnostics going to separate buffers.
func accessServer(t *testing.T, opts *Options, access, diag *syncBuffer) *Server {
	t.Helper()
	if access != nil {
		opts.AccessLog = slog.New(slog.NewJSONHandler(access, nil))
	}
	opts.Logger = slog.New(slog.NewJSONHandler(diag, nil))
	s := NewServer(&Implementation{Name: "access", Version: "1"}, opts)
	must(t, s.Add(&Components{
		Tools: []*Tool{
			tool("ok", "", text("fine")),
			tool("fails", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				return ErrorResult(errors.New("no luck")), nil
			}),
			tool("invalid", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
				return nil, InvalidParams("bad n")
			}),
			tool("ask", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
				_, err := Elicit(ctx, "ok", &ElicitParams{Message: "ok?", RequestedSchema: json.RawMessage(`{"type":"object","properties":{}}`)})
				return nil, err
			}),
		},
		Resources: []*Resource{{URI: "res://1", Name: "one", Handler: func(_ context.Context, uri string) (*ReadResourceResult, error) {
			return TextContents(uri, "text/plain", "one"), nil
		}}},
	}))
	return s
}

// With Options.AccessLog every request the catalogue answers is logged
// once, with its method, name, duration, outcome (and code and error for
// errors), session and protocol; unknown tools and missing resources
// included. Nothing reaches the diagnostics log.
func TestAccessLog(t *testing.T) {
	var access, diag syncBuffer
	s := accessServer(t, &Options{}, &access, &diag)
	cs := connect(t, s, nil)
	ctx := context.Background()
	cs.ListTools(ctx, nil)
	call(t, cs, "ok", nil)
	call(t, cs, "fails", nil)
	cs.CallTool(ctx, &mcp.CallToolParams{Name: "invalid"})
	cs.CallTool(ctx, &mcp.CallToolParams{Name: "nope"})
	cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "res://1"})
	cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "res://2"})
	// In process, a handler asking for input the caller cannot give.
	s.Serve(ctx, &Request{Method: MethodCallTool, Name: "ask"})

	type rec struct {
		method, name, outcome string
		code                  float64
		err                   string
		session               bool
	}
	want := []rec{
		{MethodListTools, "", OutcomeOK, 0, "", true},
		{MethodCallTool, "ok", OutcomeOK, 0, "", true},
		{MethodCallTool, "fails", OutcomeToolError, 0, "", true},
		{MethodCallTool, "invalid", OutcomeError, -32602, "bad n", true},
		{MethodCallTool, "nope", OutcomeError, -32602, `unknown tool "nope"`, true},
		{MethodReadResource, "res://1", OutcomeOK, 0, "", true},
		{MethodReadResource, "res://2", OutcomeError, -32602, "resource not found", true},
		{MethodCallTool, "ask", OutcomeInputRequired, 0, "", false},
	}
	got := access.records(t)
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		code, _ := g["code"].(float64)
		errText, _ := g["error"].(string)
		_, session := g["session"]
		if g["msg"] != "mcp request" || g["level"] != "INFO" || g["method"] != w.method || g["name"] != nilIfEmpty(w.name) ||
			g["outcome"] != w.outcome || code != w.code || errText != w.err || session != w.session {
			t.Errorf("record %d: %v\nwant %+v", i, g, w)
		}
		if d, ok := g["duration"].(float64); !ok || d <= 0 {
			t.Errorf("record %d: duration %v", i, g["duration"])
		}
		if w.session && g["protocol"] == nil {
			t.Errorf("record %d: no protocol: %v", i, g)
		}
	}
	for _, r := range diag.records(t) {
		if r["msg"] == "mcp request" {
			t.Errorf("an access record in the diagnostics log: %v", r)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// The access log is off by default; the AccessLog middleware installed
// with Use logs what reaches it (not calls of unknown tools, which never
// reach middleware).
func TestAccessLogOffAndAsMiddleware(t *testing.T) {
	var diag syncBuffer
	cs := connect(t, accessServer(t, &Options{}, nil, &diag), nil)
	call(t, cs, "ok", nil)
	for _, r := range diag.records(t) {
		if r["msg"] == "mcp request" {
			t.Errorf("logged without an access log: %v", r)
		}
	}

	var access syncBuffer
	s := accessServer(t, &Options{}, nil, &diag)
	s.Use(AccessLog(slog.New(slog.NewJSONHandler(&access, nil))))
	cs = connect(t, s, nil)
	call(t, cs, "ok", nil)
	cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "nope"})
	recs := access.records(t)
	if len(recs) != 1 || recs[0]["name"] != "ok" || recs[0]["outcome"] != OutcomeOK {
		t.Errorf("AccessLog with Use: %v", recs)
	}
}

// On the stateless fast path a record carries the trace and span of the
// request's span (here the HTTP server instrumentation's).
func TestAccessLogTrace(t *testing.T) {
	var access, diag syncBuffer
	s := accessServer(t, &Options{Stateless: true, JSONResponse: true}, &access, &diag)
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:  trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
	})
	h := s.Handler().(*httpGuard)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(trace.ContextWithSpanContext(r.Context(), sc)))
	}))
	defer srv.Close()
	post(t, srv.URL, legacy("ok", `{"name":"ok","arguments":{}}`, true))
	if h.fast.served.Load() != 1 {
		t.Fatal("not on the fast path")
	}
	recs := access.records(t)
	if len(recs) != 1 || recs[0]["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || recs[0]["span_id"] != "00f067aa0ba902b7" || recs[0]["outcome"] != OutcomeOK {
		t.Errorf("fast path record: %v", recs)
	}
	if _, ok := recs[0]["session"]; ok {
		t.Errorf("a sessionless request logged a session: %v", recs[0])
	}
}
