package e2e

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP receiver on 127.0.0.1 that keeps the names
// of the spans and metrics it is sent, with their service.name.
type otlpReceiver struct {
	mu      sync.Mutex
	spans   []string // "service span-name"
	metrics []string // "service metric-name"
	full    []receivedSpan
}

// receivedSpan is what the receiver keeps of each span.
type receivedSpan struct {
	service, name                 string
	kind                          tracepb.Span_SpanKind
	traceID, spanID, parentSpanID string
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var resp proto.Message
	switch r.URL.Path {
	case "/v1/traces":
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		o.mu.Lock()
		for _, rs := range req.ResourceSpans {
			svc := serviceName(rs.Resource.GetAttributes())
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					o.spans = append(o.spans, svc+" "+sp.Name)
					o.full = append(o.full, receivedSpan{svc, sp.Name, sp.Kind, hex.EncodeToString(sp.TraceId), hex.EncodeToString(sp.SpanId), hex.EncodeToString(sp.ParentSpanId)})
				}
			}
		}
		o.mu.Unlock()
		resp = &coltracepb.ExportTraceServiceResponse{}
	case "/v1/metrics":
		var req colmetricpb.ExportMetricsServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		o.mu.Lock()
		for _, rm := range req.ResourceMetrics {
			svc := serviceName(rm.Resource.GetAttributes())
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					o.metrics = append(o.metrics, svc+" "+m.Name)
				}
			}
		}
		o.mu.Unlock()
		resp = &colmetricpb.ExportMetricsServiceResponse{}
	default:
		http.NotFound(w, r)
		return
	}
	out, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

func serviceName(attrs []*commonpb.KeyValue) string {
	for _, kv := range attrs {
		if kv.Key == "service.name" {
			return kv.Value.GetStringValue()
		}
	}
	return ""
}

// examples/weather exports its traces and metrics over OTLP/HTTP when the
// standard variables say where: a tools/call over stdio arrives at a
// receiver on 127.0.0.1 as a span and a duration, under service weather.
func TestWeatherExportsOTLP(t *testing.T) {
	t.Parallel()
	recv := &otlpReceiver{}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	bin := buildBinary(t, "../examples/weather/cmd/weather")
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "OTEL_EXPORTER_OTLP_ENDPOINT="+hs.URL, "OTEL_SERVICE_NAME=", "OTEL_BSP_SCHEDULE_DELAY=50")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "otel-e2e", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "forecast", Arguments: map[string]any{"city": "Paris", "days": 1}})
	if err != nil || res.IsError {
		t.Fatalf("forecast: %v %v", res, err)
	}
	cs.Close() // the server exits and flushes its exporters
	deadline := time.Now().Add(15 * time.Second)
	for {
		recv.mu.Lock()
		spans, metrics := slices.Clone(recv.spans), slices.Clone(recv.metrics)
		recv.mu.Unlock()
		if slices.Contains(spans, "weather tools/call forecast") && slices.Contains(metrics, "weather mcp.server.operation.duration") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver got spans %v and metrics %v", spans, metrics)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// One trace across two processes: mcpgen call, with the standard
// variables set, sends its CLIENT span's context in _meta, and the weather
// server's SERVER span (started by mcpgen over stdio, inheriting the
// environment) is its child; both arrive at the receiver.
func TestCLITraceReachesServer(t *testing.T) {
	t.Parallel()
	recv := &otlpReceiver{}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	weather := buildBinary(t, "../examples/weather/cmd/weather")
	env := []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + hs.URL, "OTEL_SERVICE_NAME=", "OTEL_BSP_SCHEDULE_DELAY=50"}
	out, errOut, code := runIn(t, t.TempDir(), env, mcpgenBinary(t), "call", "forecast", "city=Paris", "days=1", "--", weather)
	if code != 0 {
		t.Fatalf("mcpgen call: exit %d\n%s\n%s", code, out, errOut)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		recv.mu.Lock()
		spans := slices.Clone(recv.full)
		recv.mu.Unlock()
		var client, server *receivedSpan
		for i := range spans {
			sp := &spans[i]
			switch {
			case sp.service == "mcpgen" && sp.name == "tools/call forecast" && sp.kind == tracepb.Span_SPAN_KIND_CLIENT:
				client = sp
			case sp.service == "weather" && sp.name == "tools/call forecast" && sp.kind == tracepb.Span_SPAN_KIND_SERVER:
				server = sp
			}
		}
		if client != nil && server != nil {
			if server.traceID != client.traceID || server.parentSpanID != client.spanID {
				t.Fatalf("server span %+v is not the child of client span %+v", *server, *client)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver got %+v", spans)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
