package otel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http/httptest"
	"sort"
	"testing"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/mcpgen/mcpgen/runtime/otel"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A server and a client instrumented with an SDK's providers: the
// client's span is the parent of the server's, through params._meta.
func Example() {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	mp := sdkmetric.NewMeterProvider()

	// README: otel-options
	inst, err := otel.New(&otel.Options{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		log.Fatal(err)
	}
	srv := runtime.NewServer(&runtime.Implementation{Name: "traced", Version: "1"}, &runtime.Options{Observer: inst})
	// ... srv.Add(Components()), serve srv.Handler() at url ...
	// README end
	if err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{{Name: "echo", InputSchema: json.RawMessage(`{"type":"object"}`),
		Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult("ok"), nil
		}}}}); err != nil {
		log.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	url := hs.URL
	ctx := context.Background()

	// README: otel-client
	cs, err := client.Connect(ctx, url, &client.Options{Middleware: []mcp.Middleware{inst.ClientMiddleware(url)}})
	// README end
	if err != nil {
		log.Fatal(err)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo"}); err != nil {
		log.Fatal(err)
	}
	cs.Close()
	var lines []string
	for _, s := range exporter.GetSpans() {
		if s.Name == "tools/call echo" {
			lines = append(lines, s.SpanKind.String()+" "+s.Name)
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// client tools/call echo
	// server tools/call echo
}

func TestReadmeSnippets(t *testing.T) {
	readme.Check(t, "../../README.md", "example_test.go", "otel-options", "otel-client")
	readme.Check(t, "../../README.md", "../../examples/weather/cmd/weather/main.go", "otel-env")
}
