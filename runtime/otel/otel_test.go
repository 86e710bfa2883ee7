package otel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/client"
	mcpotel "github.com/mcpgen/mcpgen/runtime/otel"
	"github.com/mcpgen/mcpgen/runtime/proxy"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// telemetry is an SDK tracer and meter with in-memory exporters.
type telemetry struct {
	spans  *tracetest.InMemoryExporter
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	inst   *mcpotel.Instrumentation
}

func newTelemetry(t *testing.T, opts *mcpotel.Options) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(tel.spans))
	if opts == nil {
		opts = &mcpotel.Options{}
	}
	opts.TracerProvider = tel.tp
	opts.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	opts.Propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	inst, err := mcpotel.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	tel.inst = inst
	return tel
}

// span returns the one ended span named name of the given kind.
func (tel *telemetry) span(t *testing.T, name string, kind trace.SpanKind) tracetest.SpanStub {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var found []tracetest.SpanStub
		for _, s := range tel.spans.GetSpans() {
			if s.Name == name && s.SpanKind == kind {
				found = append(found, s)
			}
		}
		if len(found) == 1 {
			return found[0]
		}
		if len(found) > 1 || time.Now().After(deadline) {
			var names []string
			for _, s := range tel.spans.GetSpans() {
				names = append(names, s.SpanKind.String()+" "+s.Name)
			}
			t.Fatalf("%d %s spans named %q; spans: %v", len(found), kind, name, names)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// spanName returns the name of the span with id, waiting a little for it
// to end (an HTTP request's span ends after its response is written).
func (tel *telemetry) spanName(id trace.SpanID) string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, sp := range tel.spans.GetSpans() {
			if sp.SpanContext.SpanID() == id {
				return sp.Name
			}
		}
		if time.Now().After(deadline) {
			return ""
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func attrs(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// checkAttrs compares a span's attributes with want exactly; a value "*"
// only has to be present and not empty.
func checkAttrs(t *testing.T, what string, got []attribute.KeyValue, want map[string]string) {
	t.Helper()
	g := attrs(got)
	var diffs []string
	for k, v := range want {
		switch gv, ok := g[k]; {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("missing %s=%s", k, v))
		case v == "*" && gv == "":
			diffs = append(diffs, fmt.Sprintf("%s is empty", k))
		case v != "*" && gv != v:
			diffs = append(diffs, fmt.Sprintf("%s=%s, want %s", k, gv, v))
		}
	}
	for k, v := range g {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("unexpected %s=%s", k, v))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("%s attributes:\n  %s", what, strings.Join(diffs, "\n  "))
	}
}

func server(t *testing.T, tel *telemetry, opts *runtime.Options) *runtime.Server {
	t.Helper()
	if opts == nil {
		opts = &runtime.Options{}
	}
	opts.Observer = tel.inst
	s := runtime.NewServer(&runtime.Implementation{Name: "traced", Version: "1"}, opts)
	schema := json.RawMessage(`{"type":"object","properties":{"x":{"type":"string"}}}`)
	err := s.Add(&runtime.Components{
		Tools: []*runtime.Tool{
			{Name: "echo", InputSchema: schema, Handler: func(_ context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.TextResult("echo " + string(args)), nil
			}},
			{Name: "fail", InputSchema: schema, Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.ErrorResult(errors.New("it failed")), nil
			}},
		},
		Completions: []*runtime.Completion{{Prompt: "greet", Argument: "who", Handler: func(context.Context, string, map[string]string) ([]string, error) {
			return []string{"Ada"}, nil
		}}},
		Prompts: []*runtime.Prompt{{Name: "greet", Arguments: []runtime.PromptArgument{{Name: "who"}}, Handler: func(context.Context, map[string]string) (*runtime.GetPromptResult, error) {
			return &runtime.GetPromptResult{Messages: []*runtime.PromptMessage{{Role: "user", Content: &runtime.TextContent{Text: "hi"}}}}, nil
		}}},
		Resources: []*runtime.Resource{{URI: "notes://1", Name: "n1", Handler: func(_ context.Context, uri string) (*runtime.ReadResourceResult, error) {
			return &runtime.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, Text: "one"}}}, nil
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tracedClient returns a go-sdk client whose requests carry the client
// telemetry's trace context.
func tracedClient(ctel *telemetry, target string) *mcp.Client {
	c := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil)
	c.AddSendingMiddleware(ctel.inst.ClientMiddleware(target))
	return c
}

// exercise sends one of each kind of request, and returns the ids the
// go-sdk client used for the tools/call of echo.
func exercise(t *testing.T, cs *mcp.ClientSession) {
	t.Helper()
	ctx := context.Background()
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"x": "1"}}); err != nil {
		t.Fatal(err)
	}
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "fail"}); err != nil || !res.IsError {
		t.Fatalf("fail = %v, %v", res, err)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "nope"}); err == nil {
		t.Fatal("unknown tool: no error")
	}
	if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "greet"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "notes://1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ListTools(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ListPrompts(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ListResources(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ListResourceTemplates(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "greet"}, Argument: mcp.CompleteParamsArgument{Name: "who", Value: "A"}}); err != nil {
		t.Fatal(err)
	}
}

// exerciseSession sends what is sent on a session only (stdio and
// stateful HTTP): go-sdk's client sends a 2026-07-28 ping without the
// _meta its own server requires, and the rest changes session state.
func exerciseSession(t *testing.T, cs *mcp.ClientSession) {
	t.Helper()
	ctx := context.Background()
	if err := cs.Ping(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
		t.Fatal(err)
	}
	if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: "notes://1"}); err != nil {
		t.Fatal(err)
	}
	if err := cs.Unsubscribe(ctx, &mcp.UnsubscribeParams{URI: "notes://1"}); err != nil {
		t.Fatal(err)
	}
}

// checkServerSpans checks every server span of exercise; network holds
// the transport's attributes, which every span carries.
func checkServerSpans(t *testing.T, tel, ctel *telemetry, protocol string, session bool, network map[string]string) {
	t.Helper()
	base := func(method string, extra map[string]string) map[string]string {
		m := map[string]string{"mcp.method.name": method, "jsonrpc.request.id": "*", "mcp.protocol.version": protocol}
		if session {
			m["mcp.session.id"] = "*"
		}
		for k, v := range network {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	echo := tel.span(t, "tools/call echo", trace.SpanKindServer)
	checkAttrs(t, "tools/call echo", echo.Attributes, base("tools/call", map[string]string{"gen_ai.tool.name": "echo", "gen_ai.operation.name": "execute_tool"}))
	if echo.Status.Code != codes.Unset {
		t.Errorf("echo status = %v", echo.Status)
	}
	// The client's span is the server span's parent, through _meta.
	cecho := ctel.span(t, "tools/call echo", trace.SpanKindClient)
	if echo.Parent.SpanID() != cecho.SpanContext.SpanID() || echo.SpanContext.TraceID() != cecho.SpanContext.TraceID() {
		t.Errorf("server span's parent %v, want the client span %v", echo.Parent, cecho.SpanContext)
	}

	fail := tel.span(t, "tools/call fail", trace.SpanKindServer)
	checkAttrs(t, "tools/call fail", fail.Attributes, base("tools/call", map[string]string{"gen_ai.tool.name": "fail", "gen_ai.operation.name": "execute_tool", "error.type": "tool_error"}))
	if fail.Status.Code != codes.Error || fail.Status.Description != "it failed" {
		t.Errorf("fail status = %+v", fail.Status)
	}

	nope := tel.span(t, "tools/call nope", trace.SpanKindServer)
	checkAttrs(t, "tools/call nope", nope.Attributes, base("tools/call", map[string]string{"gen_ai.tool.name": "nope", "gen_ai.operation.name": "execute_tool", "error.type": "-32602", "rpc.response.status_code": "-32602"}))
	if nope.Status.Code != codes.Error || !strings.Contains(nope.Status.Description, "nope") {
		t.Errorf("nope status = %+v", nope.Status)
	}

	checkAttrs(t, "prompts/get greet", tel.span(t, "prompts/get greet", trace.SpanKindServer).Attributes, base("prompts/get", map[string]string{"gen_ai.prompt.name": "greet"}))
	checkAttrs(t, "resources/read", tel.span(t, "resources/read", trace.SpanKindServer).Attributes, base("resources/read", map[string]string{"mcp.resource.uri": "notes://1"}))
	for _, m := range []string{"tools/list", "prompts/list", "resources/list", "resources/templates/list", "completion/complete"} {
		checkAttrs(t, m, tel.span(t, m, trace.SpanKindServer).Attributes, base(m, nil))
	}
	if session {
		for _, m := range []string{"ping", "logging/setLevel"} {
			checkAttrs(t, m, tel.span(t, m, trace.SpanKindServer).Attributes, base(m, nil))
		}
		for _, m := range []string{"resources/subscribe", "resources/unsubscribe"} {
			checkAttrs(t, m, tel.span(t, m, trace.SpanKindServer).Attributes, base(m, map[string]string{"mcp.resource.uri": "notes://1"}))
		}
		// A notification: no id.
		n := base("notifications/initialized", nil)
		delete(n, "jsonrpc.request.id")
		got := tel.span(t, "notifications/initialized", trace.SpanKindServer).Attributes
		if network["network.protocol.version"] != "" {
			// It may be handled after its POST was answered, when the HTTP
			// request is gone: its details are then unknown.
			for _, k := range []string{"network.protocol.version", "client.address", "client.port"} {
				delete(n, k)
				got = slices.DeleteFunc(slices.Clone(got), func(kv attribute.KeyValue) bool { return string(kv.Key) == k })
			}
		}
		checkAttrs(t, "notifications/initialized", got, n)
	}
}

// metricPoints returns the data points of the histogram name.
func metricPoints(t *testing.T, tel *telemetry, name string) []metricdata.HistogramDataPoint[float64] {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			if m.Unit != "s" {
				t.Errorf("%s unit %q", name, m.Unit)
			}
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok {
				t.Fatalf("%s is %T, not a histogram", name, m.Data)
			}
			return h.DataPoints
		}
	}
	return nil
}

// point returns the data point of name with exactly the attributes want.
func point(t *testing.T, tel *telemetry, name string, want map[string]string) metricdata.HistogramDataPoint[float64] {
	t.Helper()
	points := metricPoints(t, tel, name)
	var sets []string
	for _, p := range points {
		got := attrs(p.Attributes.ToSlice())
		if fmt.Sprint(got) == fmt.Sprint(want) {
			if !slices.Equal(p.Bounds, mcpotel.Buckets) {
				t.Errorf("%s bounds %v, want %v", name, p.Bounds, mcpotel.Buckets)
			}
			return p
		}
		sets = append(sets, fmt.Sprint(got))
	}
	t.Fatalf("%s has no point with %v; it has\n  %s", name, want, strings.Join(sets, "\n  "))
	return metricdata.HistogramDataPoint[float64]{}
}

func TestStdio(t *testing.T) {
	tel, ctel := newTelemetry(t, nil), newTelemetry(t, nil)
	s := server(t, tel, nil)
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.ServeIO(ctx, sr, sw) }()
	cs, err := tracedClient(ctel, "").Connect(ctx, &mcp.IOTransport{Reader: cr, Writer: cw}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	ctel.inst.TrackSession(cs, "")
	exercise(t, cs)
	exerciseSession(t, cs)
	cs.Close()
	<-served
	checkServerSpans(t, tel, ctel, "2025-11-25", true, map[string]string{"network.transport": "pipe"})
	checkAttrs(t, "initialize", tel.span(t, "initialize", trace.SpanKindServer).Attributes, map[string]string{
		"mcp.method.name": "initialize", "jsonrpc.request.id": "1", "mcp.protocol.version": "2025-11-25", "mcp.session.id": "*", "network.transport": "pipe"})
	checkAttrs(t, "client tools/call echo", ctel.span(t, "tools/call echo", trace.SpanKindClient).Attributes, map[string]string{
		"mcp.method.name": "tools/call", "gen_ai.tool.name": "echo", "gen_ai.operation.name": "execute_tool", "network.transport": "pipe"})

	p := point(t, tel, mcpotel.MetricServerOperationDuration, map[string]string{"mcp.method.name": "tools/call", "gen_ai.tool.name": "echo", "gen_ai.operation.name": "execute_tool", "mcp.protocol.version": "2025-11-25", "network.transport": "pipe"})
	if p.Count != 1 {
		t.Errorf("echo duration count %d", p.Count)
	}
	point(t, tel, mcpotel.MetricServerOperationDuration, map[string]string{"mcp.method.name": "tools/call", "gen_ai.tool.name": "nope", "gen_ai.operation.name": "execute_tool", "mcp.protocol.version": "2025-11-25", "network.transport": "pipe", "error.type": "-32602", "rpc.response.status_code": "-32602"})
	point(t, ctel, mcpotel.MetricClientOperationDuration, map[string]string{"mcp.method.name": "tools/call", "gen_ai.tool.name": "fail", "gen_ai.operation.name": "execute_tool", "network.transport": "pipe", "error.type": "tool_error"})
	deadline := time.Now().Add(5 * time.Second)
	for len(metricPoints(t, tel, mcpotel.MetricServerSessionDuration)) == 0 || len(metricPoints(t, ctel, mcpotel.MetricClientSessionDuration)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no session durations recorded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	point(t, tel, mcpotel.MetricServerSessionDuration, map[string]string{"mcp.protocol.version": "2025-11-25", "network.transport": "pipe"})
	point(t, ctel, mcpotel.MetricClientSessionDuration, map[string]string{"mcp.protocol.version": "2025-11-25", "network.transport": "pipe"})
}

// httpSpans wraps h as an HTTP instrumentation would: each request runs
// in a span of its own, which MCP server spans link to.
func httpSpans(tp trace.TracerProvider, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tp.Tracer("http").Start(r.Context(), "POST /mcp", trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func TestHTTP(t *testing.T) {
	for _, mode := range []string{"stateful", "stateless"} {
		t.Run(mode, func(t *testing.T) {
			tel, ctel := newTelemetry(t, nil), newTelemetry(t, nil)
			s := server(t, tel, &runtime.Options{Stateless: mode == "stateless", JSONResponse: mode == "stateless"})
			hs := httptest.NewServer(httpSpans(tel.tp, s.Handler()))
			defer hs.Close()
			ctx := context.Background()
			so := &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}
			protocol, session := "2025-11-25", true
			if mode == "stateless" {
				so, protocol, session = nil, "2026-07-28", false
			}
			cs, err := tracedClient(ctel, hs.URL).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: hs.URL, MaxRetries: -1}, so)
			if err != nil {
				t.Fatal(err)
			}
			exercise(t, cs)
			if session {
				exerciseSession(t, cs)
			}
			cs.Close()
			network := map[string]string{"network.transport": "tcp", "network.protocol.name": "http", "network.protocol.version": "1.1", "client.address": "127.0.0.1", "client.port": "*"}
			checkServerSpans(t, tel, ctel, protocol, session, network)

			// Parented on the client's span from _meta, linked to the
			// HTTP request's span.
			echo := tel.span(t, "tools/call echo", trace.SpanKindServer)
			if len(echo.Links) != 1 {
				t.Fatalf("echo links = %v, want the HTTP request's span", echo.Links)
			}
			if name := tel.spanName(echo.Links[0].SpanContext.SpanID()); name != "POST /mcp" {
				t.Errorf("echo's link is span %q, not the HTTP request's", name)
			}
			addr, port := strings.Split(strings.TrimPrefix(hs.URL, "http://"), ":")[0], strings.Split(hs.URL, ":")[2]
			checkAttrs(t, "client tools/call echo", ctel.span(t, "tools/call echo", trace.SpanKindClient).Attributes, map[string]string{
				"mcp.method.name": "tools/call", "gen_ai.tool.name": "echo", "gen_ai.operation.name": "execute_tool",
				"network.transport": "tcp", "network.protocol.name": "http", "server.address": addr, "server.port": port})
		})
	}
}

// Without a context in _meta, the server span is a child of the HTTP
// request's span, on the go-sdk path and on the fast path.
func TestParentWithoutMeta(t *testing.T) {
	for _, mode := range []string{"stateful", "stateless"} {
		t.Run(mode, func(t *testing.T) {
			tel := newTelemetry(t, nil)
			s := server(t, tel, &runtime.Options{Stateless: mode == "stateless", JSONResponse: mode == "stateless"})
			hs := httptest.NewServer(httpSpans(tel.tp, s.Handler()))
			defer hs.Close()
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: hs.URL, MaxRetries: -1}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "echo"}); err != nil {
				t.Fatal(err)
			}
			echo := tel.span(t, "tools/call echo", trace.SpanKindServer)
			if parent := tel.spanName(echo.Parent.SpanID()); parent != "POST /mcp" || len(echo.Links) != 0 {
				t.Errorf("echo's parent is span %q with links %v, want the HTTP request span and no link", parent, echo.Links)
			}
		})
	}
}

// Tool arguments and results are recorded only when opted in.
func TestRecordArgumentsOptIn(t *testing.T) {
	for _, optIn := range []bool{false, true} {
		tel := newTelemetry(t, &mcpotel.Options{RecordArguments: optIn, RecordResults: optIn})
		s := server(t, tel, &runtime.Options{Stateless: true, JSONResponse: true})
		hs := httptest.NewServer(s.Handler())
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: hs.URL, MaxRetries: -1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"x": "secret"}}); err != nil {
			t.Fatal(err)
		}
		cs.Close()
		hs.Close()
		a := attrs(tel.span(t, "tools/call echo", trace.SpanKindServer).Attributes)
		args, hasArgs := a["gen_ai.tool.call.arguments"]
		result, hasResult := a["gen_ai.tool.call.result"]
		if hasArgs != optIn || hasResult != optIn {
			t.Errorf("opt-in %v: arguments %v, result %v", optIn, hasArgs, hasResult)
		}
		if optIn && (args != `{"x":"secret"}` || !strings.Contains(result, `echo {\"x\":\"secret\"}`)) {
			t.Errorf("arguments %s, result %s", args, result)
		}
	}
}

// A nil Instrumentation (FromEnv with nothing configured) does nothing.
func TestNilInstrumentation(t *testing.T) {
	var inst *mcpotel.Instrumentation
	ctx, done := inst.Message(context.Background(), &runtime.Request{Method: "ping"})
	done(nil, nil)
	inst.Session(&runtime.Request{})()
	if ctx == nil {
		t.Fatal("nil context")
	}
	mw := inst.ClientMiddleware("")
	res, err := mw(func(context.Context, string, mcp.Request) (mcp.Result, error) { return nil, nil })(ctx, "ping", nil)
	if res != nil || err != nil {
		t.Fatalf("%v %v", res, err)
	}
}

// One trace across a client, a proxy and the upstream server: the
// runtime/client request's CLIENT span is the parent of the front
// server's SERVER span, whose forwarded request (the proxy's CLIENT span)
// is the parent of the upstream's SERVER span.
func TestTraceThroughProxy(t *testing.T) {
	upTel, frontTel, clientTel := newTelemetry(t, nil), newTelemetry(t, nil), newTelemetry(t, nil)
	up := httptest.NewServer(server(t, upTel, nil).Handler())
	defer up.Close()
	p, err := proxy.New(proxy.Target{URL: up.URL}, &proxy.Options{Middleware: []mcp.Middleware{frontTel.inst.ClientMiddleware(up.URL)}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	front := runtime.NewServer(&runtime.Implementation{Name: "front", Version: "1"}, &runtime.Options{Observer: frontTel.inst})
	if err := front.Mount(p); err != nil {
		t.Fatal(err)
	}
	fs := httptest.NewServer(front.Handler())
	defer fs.Close()
	cs, err := client.Connect(context.Background(), fs.URL, &client.Options{Middleware: []mcp.Middleware{clientTel.inst.ClientMiddleware(fs.URL)}})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "echo"}); err != nil {
		t.Fatal(err)
	}
	c := clientTel.span(t, "tools/call echo", trace.SpanKindClient)
	fsrv := frontTel.span(t, "tools/call echo", trace.SpanKindServer)
	fcli := frontTel.span(t, "tools/call echo", trace.SpanKindClient)
	usrv := upTel.span(t, "tools/call echo", trace.SpanKindServer)
	for _, link := range []struct {
		what          string
		child, parent tracetest.SpanStub
	}{
		{"front server ← client", fsrv, c},
		{"proxy client ← front server", fcli, fsrv},
		{"upstream server ← proxy client", usrv, fcli},
	} {
		if link.child.Parent.SpanID() != link.parent.SpanContext.SpanID() || link.child.SpanContext.TraceID() != c.SpanContext.TraceID() {
			t.Errorf("%s: parent %v, want %v in trace %v", link.what, link.child.Parent.SpanID(), link.parent.SpanContext.SpanID(), c.SpanContext.TraceID())
		}
	}
}
