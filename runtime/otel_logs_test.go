package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
	rotel "github.com/mcpgen/mcpgen/runtime/otel"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) records(t *testing.T) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			t.Fatalf("log line %q", line)
		}
		out = append(out, m)
	}
	return out
}

// With runtime/otel as the server's Observer, the access log record and the
// log of a masked error carry the trace and span ids of the request's
// SERVER span.
func TestLogsCarryTheRequestSpan(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tel, err := rotel.New(&rotel.Options{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))})
	if err != nil {
		t.Fatal(err)
	}
	var access, diag lockedBuffer
	s := runtime.NewServer(&runtime.Implementation{Name: "traced", Version: "1"}, &runtime.Options{
		Observer: tel, MaskErrors: true,
		AccessLog: slog.New(slog.NewJSONHandler(&access, nil)),
		Logger:    slog.New(slog.NewJSONHandler(&diag, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err := s.Add(&runtime.Components{Tools: []*runtime.Tool{{
		Name: "fails", InputSchema: json.RawMessage(`{"type":"object"}`),
		Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.ErrorResult(errors.New("secret")), nil
		},
	}}}); err != nil {
		t.Fatal(err)
	}
	ct, st := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := s.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "fails"})
	if err != nil || !res.IsError || res.Content[0].(*mcp.TextContent).Text != `tool "fails" failed` {
		t.Fatalf("%+v %v", res, err)
	}
	var traceID, spanID string
	for _, sp := range spans.GetSpans() {
		if sp.Name == "tools/call fails" {
			traceID, spanID = sp.SpanContext.TraceID().String(), sp.SpanContext.SpanID().String()
		}
	}
	if traceID == "" {
		t.Fatalf("no span tools/call fails among %d", len(spans.GetSpans()))
	}
	for what, recs := range map[string][]map[string]any{"access log": access.records(t), "masked error": diag.records(t)} {
		if len(recs) != 1 || recs[0]["trace_id"] != traceID || recs[0]["span_id"] != spanID {
			t.Errorf("%s: %v, want trace %s span %s", what, recs, traceID, spanID)
		}
	}
}
