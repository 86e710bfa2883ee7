// Package otel traces and measures MCP servers and clients with
// OpenTelemetry, following the semantic conventions for the Model Context
// Protocol: open-telemetry/semantic-conventions-genai, docs/gen-ai/mcp.md,
// release v0.1.0 (status Development; names may still change).
//
// On the server, an *Instrumentation is a runtime.Observer: set it in
// runtime.Options.Observer and every message the server receives (every
// method, every transport, the fast path included) gets a SERVER span and
// an mcp.server.operation.duration measurement, and every session an
// mcp.server.session.duration one:
//
//	inst, err := otel.New(&otel.Options{TracerProvider: tp, MeterProvider: mp})
//	...
//	srv := runtime.NewServer(impl, &runtime.Options{Observer: inst})
//
// FromEnv builds one from the standard OTEL_* environment variables with
// the OTLP/HTTP exporters, for a main that serves with Run.
//
// On the client, ClientMiddleware is a go-sdk sending middleware: each
// request gets a CLIENT span and an mcp.client.operation.duration
// measurement, and carries the span's context in params._meta
// (traceparent, tracestate, baggage) with the configured propagator;
// TrackSession measures mcp.client.session.duration. runtime/client
// (Options.Middleware), the typed clients (any *mcp.ClientSession) and
// runtime/proxy (Options.Middleware) take it.
//
// # Spans
//
// A span is named "{mcp.method.name} {target}", the target being the tool
// of a tools/call or the prompt of a prompts/get, or "{mcp.method.name}"
// alone. A server span's parent is the context extracted from the
// request's params._meta; the context the message arrived in (an HTTP
// request's span, for one) is then a link. Without one in _meta, the span
// is a child of the context it arrived in.
//
// Attributes, when they apply: mcp.method.name; gen_ai.tool.name and
// gen_ai.operation.name=execute_tool (tools/call); gen_ai.prompt.name
// (prompts/get); mcp.resource.uri (resources/read, subscribe,
// unsubscribe); jsonrpc.request.id; mcp.protocol.version; mcp.session.id;
// network.transport (pipe on stdio, tcp on HTTP); network.protocol.name
// and network.protocol.version (HTTP); client.address and client.port
// (server side), server.address and server.port (client side). On failure
// error.type is the JSON-RPC error code (also rpc.response.status_code),
// "tool_error" for a tool result with isError, or "_OTHER", and the span's
// status is Error with the error's message. Tool arguments
// (gen_ai.tool.call.arguments) and results (gen_ai.tool.call.result) are
// recorded only when Options.RecordArguments / RecordResults opt in: they
// may hold sensitive data. Methods the convention does not list yet
// (server/discover, subscriptions/listen) keep their wire names.
//
// # Metrics
//
// mcp.server.operation.duration, mcp.server.session.duration,
// mcp.client.operation.duration and mcp.client.session.duration are
// histograms in seconds with the convention's bucket boundaries, with
// mcp.method.name, error.type, gen_ai.tool.name, gen_ai.prompt.name,
// rpc.response.status_code, gen_ai.operation.name, mcp.protocol.version,
// network.transport, network.protocol.name and network.protocol.version
// (sessions: the last four and error.type).
package otel

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans and metrics.
const ScopeName = "github.com/mcpgen/mcpgen/runtime/otel"

// Attribute keys of the MCP semantic conventions.
const (
	AttrMethodName       = attribute.Key("mcp.method.name")
	AttrProtocolVersion  = attribute.Key("mcp.protocol.version")
	AttrSessionID        = attribute.Key("mcp.session.id")
	AttrResourceURI      = attribute.Key("mcp.resource.uri")
	AttrToolName         = attribute.Key("gen_ai.tool.name")
	AttrPromptName       = attribute.Key("gen_ai.prompt.name")
	AttrOperationName    = attribute.Key("gen_ai.operation.name")
	AttrToolArguments    = attribute.Key("gen_ai.tool.call.arguments")
	AttrToolResult       = attribute.Key("gen_ai.tool.call.result")
	AttrRequestID        = attribute.Key("jsonrpc.request.id")
	AttrStatusCode       = attribute.Key("rpc.response.status_code")
	AttrErrorType        = attribute.Key("error.type")
	AttrNetworkTransport = attribute.Key("network.transport")
	AttrNetworkProtocol  = attribute.Key("network.protocol.name")
	AttrNetworkVersion   = attribute.Key("network.protocol.version")
	AttrClientAddress    = attribute.Key("client.address")
	AttrClientPort       = attribute.Key("client.port")
	AttrServerAddress    = attribute.Key("server.address")
	AttrServerPort       = attribute.Key("server.port")
)

// Metric names of the MCP semantic conventions.
const (
	MetricServerOperationDuration = "mcp.server.operation.duration"
	MetricServerSessionDuration   = "mcp.server.session.duration"
	MetricClientOperationDuration = "mcp.client.operation.duration"
	MetricClientSessionDuration   = "mcp.client.session.duration"
)

// The span kinds, as start options made once.
var (
	serverKind  = trace.WithSpanKind(trace.SpanKindServer)
	clientKind  = trace.WithSpanKind(trace.SpanKindClient)
	serverStart = []trace.SpanStartOption{serverKind}
)

// maxNames bounds the span names kept (see Instrumentation.spanName):
// names come from the catalogue, but a client may send any.
const maxNames = 4096

// spanName is op.spanName(), kept per method and target so that a
// request does not build its span's name.
func (in *Instrumentation) spanName(op *operation) string {
	if op.target == "" {
		return op.method
	}
	key := nameKey{op.method, op.target}
	if v, ok := in.names.Load(key); ok {
		return v.(string)
	}
	name := op.spanName()
	if in.nameCount.Load() < maxNames {
		if _, loaded := in.names.LoadOrStore(key, name); !loaded {
			in.nameCount.Add(1)
		}
	}
	return name
}

type nameKey struct{ method, target string }

// Buckets are the explicit bucket boundaries, in seconds, the convention
// gives every MCP duration histogram.
var Buckets = []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300}

// Options configure an Instrumentation. The zero value uses the global
// providers and propagator (otel.GetTracerProvider, GetMeterProvider,
// GetTextMapPropagator), which export nothing until the program sets them.
type Options struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	Propagator     propagation.TextMapPropagator
	// RecordArguments and RecordResults opt in to recording tool call
	// arguments and results on spans (gen_ai.tool.call.arguments and
	// .result), which may hold sensitive data.
	RecordArguments, RecordResults bool
}

// Instrumentation traces and measures MCP messages. It is a
// runtime.SessionObserver for servers; ClientMiddleware instruments
// clients. Create one with New; it is safe for concurrent use.
type Instrumentation struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
	opts   Options

	serverOp, serverSession, clientOp, clientSession metric.Float64Histogram

	names     sync.Map // nameKey → span name
	nameCount atomic.Int64
}

var _ runtime.SessionObserver = (*Instrumentation)(nil)

// New returns an Instrumentation configured by opts (nil for the zero
// Options).
func New(opts *Options) (*Instrumentation, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.TracerProvider == nil {
		o.TracerProvider = otel.GetTracerProvider()
	}
	if o.MeterProvider == nil {
		o.MeterProvider = otel.GetMeterProvider()
	}
	if o.Propagator == nil {
		o.Propagator = otel.GetTextMapPropagator()
	}
	in := &Instrumentation{tracer: o.TracerProvider.Tracer(ScopeName), prop: o.Propagator, opts: o}
	meter := o.MeterProvider.Meter(ScopeName)
	for _, h := range []struct {
		dst        *metric.Float64Histogram
		name, desc string
	}{
		{&in.serverOp, MetricServerOperationDuration, "MCP request or notification duration as observed on the receiver from the time it was received until the result or ack is sent."},
		{&in.serverSession, MetricServerSessionDuration, "The duration of the MCP session as observed on the MCP server."},
		{&in.clientOp, MetricClientOperationDuration, "The duration of the MCP request or notification as observed on the sender from the time it was sent until the response or ack is received."},
		{&in.clientSession, MetricClientSessionDuration, "The duration of the MCP session as observed on the MCP client."},
	} {
		var err error
		if *h.dst, err = meter.Float64Histogram(h.name, metric.WithUnit("s"), metric.WithDescription(h.desc), metric.WithExplicitBucketBoundaries(Buckets...)); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// operation is what a span and a duration measurement say about one
// message, on either side.
type operation struct {
	method, target, toolName, promptName, uri string
	protocol, session, id                     string
	transport, netName, netVersion            string
	peerAddr                                  string
	peerPort                                  int
	args                                      json.RawMessage
}

// spanName is "{mcp.method.name} {target}", or the method alone.
func (op *operation) spanName() string {
	if op.target == "" {
		return op.method
	}
	return op.method + " " + op.target
}

// attributes are the span attributes of op, peer being client.* on the
// server and server.* on the client.
func (op *operation) attributes(peerAddr, peerPort attribute.Key, recordArgs bool) []attribute.KeyValue {
	a := op.componentAttributes(make([]attribute.KeyValue, 0, 16))
	a = addString(a, AttrResourceURI, op.uri)
	a = addString(a, AttrRequestID, op.id)
	a = addString(a, AttrProtocolVersion, op.protocol)
	a = addString(a, AttrSessionID, op.session)
	a = op.appendNetwork(a)
	a = op.appendPeer(a, peerAddr, peerPort)
	if recordArgs && len(op.args) > 0 {
		a = append(a, AttrToolArguments.String(string(op.args)))
	}
	return a
}

// componentAttributes appends mcp.method.name and what names the tool or
// prompt.
func (op *operation) componentAttributes(a []attribute.KeyValue) []attribute.KeyValue {
	a = append(a, AttrMethodName.String(op.method))
	if op.toolName != "" {
		a = append(a, AttrToolName.String(op.toolName), AttrOperationName.String("execute_tool"))
	}
	return addString(a, AttrPromptName, op.promptName)
}

func (op *operation) appendNetwork(a []attribute.KeyValue) []attribute.KeyValue {
	a = addString(a, AttrNetworkTransport, op.transport)
	a = addString(a, AttrNetworkProtocol, op.netName)
	return addString(a, AttrNetworkVersion, op.netVersion)
}

// appendPeer appends the peer's address and port under the given keys.
func (op *operation) appendPeer(a []attribute.KeyValue, addrKey, portKey attribute.Key) []attribute.KeyValue {
	if op.peerAddr == "" {
		return a
	}
	a = append(a, addrKey.String(op.peerAddr))
	if op.peerPort > 0 {
		a = append(a, portKey.Int(op.peerPort))
	}
	return a
}

// addString appends k=v unless v is empty.
func addString(a []attribute.KeyValue, k attribute.Key, v string) []attribute.KeyValue {
	if v == "" {
		return a
	}
	return append(a, k.String(v))
}

// outcome is how a message ended, as the conventions name it.
type outcome struct {
	errorType, statusCode, message string
}

// outcomeOf classifies a result and error.
func outcomeOf(res mcp.Result, err error) outcome {
	if err == nil {
		return toolOutcome(res)
	}
	je, ok := err.(*jsonrpc.Error)
	if !ok {
		errors.As(err, &je)
	}
	switch {
	case je != nil:
		code := strconv.FormatInt(je.Code, 10)
		return outcome{errorType: code, statusCode: code, message: je.Message}
	default:
		return outcome{errorType: "_OTHER", message: err.Error()}
	}
}

// toolOutcome classifies a result: a tool result with isError is a
// tool_error.
func toolOutcome(res mcp.Result) outcome {
	if ctr, ok := res.(*mcp.CallToolResult); ok && ctr != nil && ctr.IsError {
		msg := "tool error"
		for _, c := range ctr.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				msg = tc.Text
				break
			}
		}
		return outcome{errorType: "tool_error", message: msg}
	}
	return outcome{}
}

// finish ends span with the outcome and records the duration.
func (in *Instrumentation) finish(ctx context.Context, span trace.Span, h metric.Float64Histogram, op *operation, start time.Time, res mcp.Result, err error) {
	out := outcomeOf(res, err)
	if span.IsRecording() {
		if out.errorType != "" {
			span.SetAttributes(AttrErrorType.String(out.errorType))
			if out.statusCode != "" {
				span.SetAttributes(AttrStatusCode.String(out.statusCode))
			}
			span.SetStatus(codes.Error, out.message)
		}
		if in.opts.RecordResults && op.toolName != "" && out.errorType == "" {
			if js, err := json.Marshal(res); err == nil {
				span.SetAttributes(AttrToolResult.String(string(js)))
			}
		}
	}
	span.End()
	if h.Enabled(ctx) {
		h.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(op.metricAttributes(out)...))
	}
}

// metricAttributes are the attributes of an operation duration.
func (op *operation) metricAttributes(out outcome) []attribute.KeyValue {
	a := op.componentAttributes(make([]attribute.KeyValue, 0, 10))
	a = addString(a, AttrErrorType, out.errorType)
	a = addString(a, AttrStatusCode, out.statusCode)
	a = addString(a, AttrProtocolVersion, op.protocol)
	return op.appendNetwork(a)
}

// serverOperation describes a received message.
func serverOperation(r *runtime.Request) *operation {
	op := &operation{method: r.Method, protocol: r.ProtocolVersion, session: r.SessionID, id: r.ID}
	switch r.Method {
	case runtime.MethodCallTool:
		op.target, op.toolName, op.args = r.Name, r.Name, r.Arguments
	case runtime.MethodGetPrompt:
		op.target, op.promptName = r.Name, r.Name
	case runtime.MethodReadResource, "resources/subscribe", "resources/unsubscribe":
		op.uri = r.Name
	}
	switch r.Transport {
	case runtime.TransportStdio:
		op.transport = "pipe"
	case runtime.TransportHTTP:
		op.transport, op.netName = "tcp", "http"
		if hr := r.HTTPRequest; hr != nil {
			op.netVersion = httpVersion(hr)
			op.peerAddr, op.peerPort = splitHostPort(hr.RemoteAddr)
		}
	}
	return op
}

// httpVersion is the network.protocol.version of an HTTP request: "1.1",
// "2".
func httpVersion(r *http.Request) string {
	if r.ProtoMinor == 0 && r.ProtoMajor >= 2 {
		return strconv.Itoa(r.ProtoMajor)
	}
	return strconv.Itoa(r.ProtoMajor) + "." + strconv.Itoa(r.ProtoMinor)
}

func splitHostPort(addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	p, _ := strconv.Atoi(port)
	return host, p
}

// Message starts the SERVER span of a received message (runtime.Observer).
// A nil Instrumentation observes nothing.
func (in *Instrumentation) Message(ctx context.Context, r *runtime.Request) (context.Context, func(mcp.Result, error)) {
	if in == nil {
		return ctx, func(mcp.Result, error) {}
	}
	start := time.Now()
	op := serverOperation(r)
	// The transport's context: the span the message arrived in, or the
	// HTTP request's.
	ambient := trace.SpanContextFromContext(ctx)
	if !ambient.IsValid() && r.HTTPRequest != nil {
		ambient = trace.SpanContextFromContext(r.HTTPRequest.Context())
	}
	parent := ctx
	opts := serverStart
	if hasTraceContext(r.Meta) {
		parent = in.prop.Extract(ctx, metaCarrier(r.Meta))
		if remote := trace.SpanContextFromContext(parent); remote.IsValid() && ambient.IsValid() && !remote.Equal(ambient) {
			opts = []trace.SpanStartOption{serverKind, trace.WithLinks(trace.Link{SpanContext: ambient})}
		}
	} else if ambient.IsValid() && !trace.SpanContextFromContext(ctx).IsValid() {
		parent = trace.ContextWithSpanContext(ctx, ambient)
	}
	ctx, span := in.tracer.Start(parent, in.spanName(op), opts...)
	if span.IsRecording() {
		span.SetAttributes(op.attributes(AttrClientAddress, AttrClientPort, in.opts.RecordArguments)...)
	}
	return ctx, func(res mcp.Result, err error) { in.finish(ctx, span, in.serverOp, op, start, res, err) }
}

// Session measures a server session (runtime.SessionObserver).
func (in *Instrumentation) Session(r *runtime.Request) func() {
	if in == nil {
		return func() {}
	}
	start := time.Now()
	op := serverOperation(r)
	return func() {
		ctx := context.Background()
		if !in.serverSession.Enabled(ctx) {
			return
		}
		a := addString(make([]attribute.KeyValue, 0, 4), AttrProtocolVersion, op.protocol)
		in.serverSession.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(op.appendNetwork(a)...))
	}
}

// hasTraceContext reports whether _meta carries a propagated context.
func hasTraceContext(meta map[string]any) bool {
	if meta == nil {
		return false
	}
	_, tp := meta["traceparent"]
	_, bg := meta["baggage"]
	return tp || bg
}

// metaCarrier reads and writes propagation keys in a _meta map (string
// values only; other values are not propagation's).
type metaCarrier map[string]any

func (m metaCarrier) Get(key string) string {
	s, _ := m[key].(string)
	return s
}

func (m metaCarrier) Set(key, value string) { m[key] = value }

func (m metaCarrier) Keys() []string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if _, ok := v.(string); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// serviceNameKey is the resource attribute service.name.
const serviceNameKey = attribute.Key("service.name")
