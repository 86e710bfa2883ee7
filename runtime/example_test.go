package runtime_test

import (
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"os"
	"testing"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/mcpgen/mcpgen/runtime"
)

// The README's access log: one JSON record per request.
func ExampleAccessLog() {
	impl := &runtime.Implementation{Name: "weather", Version: "1.0.0"}
	// Time and duration vary from run to run; the example leaves them out.
	handler := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "duration" {
			return slog.Attr{}
		}
		return a
	}})
	// README: accesslog
	srv := runtime.NewServer(impl, &runtime.Options{AccessLog: slog.New(handler)}) // or run with -access-log
	// README end
	if err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{{
		Name: "forecast", InputSchema: json.RawMessage(`{"type":"object"}`),
		Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult("sunny"), nil
		},
	}}}); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	srv.Serve(ctx, &runtime.Request{Method: runtime.MethodListTools})
	srv.Serve(ctx, &runtime.Request{Method: runtime.MethodCallTool, Name: "forecast"})
	srv.Serve(ctx, &runtime.Request{Method: runtime.MethodCallTool, Name: "forecats"})
	// Output:
	// {"level":"INFO","msg":"mcp request","method":"tools/list","outcome":"ok"}
	// {"level":"INFO","msg":"mcp request","method":"tools/call","name":"forecast","outcome":"ok"}
	// {"level":"INFO","msg":"mcp request","method":"tools/call","name":"forecats","outcome":"error","code":-32602,"error":"unknown tool \"forecats\""}
}

// The README shows the snippets of these examples.
func TestREADME(t *testing.T) {
	readme.Check(t, "../README.md", "example_test.go", "accesslog")
}
