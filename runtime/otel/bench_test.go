package otel_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
	mcpotel "github.com/mcpgen/mcpgen/runtime/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// BenchmarkFastPathTracing is a stateless fast-path tools/call served in
// process (no network), with no observer, with tracing configured but
// not sampled (and metrics off), and sampled with metrics. Compare off and
// unsampled: the budget is 5%.
func BenchmarkFastPathTracing(b *testing.B) { benchTracing(b, false) }

// BenchmarkFastPathTracingHTTP is BenchmarkFastPathTracing over a real
// loopback HTTP connection, as clients send it.
func BenchmarkFastPathTracingHTTP(b *testing.B) { benchTracing(b, true) }

func benchTracing(b *testing.B, overHTTP bool) {
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"x":"1"},"_meta":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}}`
	for _, mode := range []string{"off", "unsampled", "sampled"} {
		b.Run(mode, func(b *testing.B) {
			opts := &runtime.Options{Stateless: true, JSONResponse: true}
			switch mode {
			case "unsampled":
				tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
				inst, err := mcpotel.New(&mcpotel.Options{TracerProvider: tp, MeterProvider: sdkmetric.NewMeterProvider()})
				if err != nil {
					b.Fatal(err)
				}
				opts.Observer = inst
			case "sampled":
				tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(tracetest.NewNoopExporter()))
				inst, err := mcpotel.New(&mcpotel.Options{TracerProvider: tp, MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))})
				if err != nil {
					b.Fatal(err)
				}
				opts.Observer = inst
			}
			s := runtime.NewServer(&runtime.Implementation{Name: "b", Version: "1"}, opts)
			if err := s.Add(&runtime.Components{Tools: []*runtime.Tool{{Name: "echo", InputSchema: json.RawMessage(`{"type":"object"}`),
				Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
					return runtime.TextResult("ok"), nil
				}}}}); err != nil {
				b.Fatal(err)
			}
			h := s.Handler()
			b.ReportAllocs()
			if overHTTP {
				srv := httptest.NewServer(h)
				defer srv.Close()
				hc := srv.Client()
				for b.Loop() {
					req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Accept", "application/json, text/event-stream")
					req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
					resp, err := hc.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					out, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || !strings.Contains(string(out), `"ok"`) {
						b.Fatalf("%d %s", resp.StatusCode, out)
					}
				}
				return
			}
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
