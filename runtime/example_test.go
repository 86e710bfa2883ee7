package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

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

// The README's health probes and graceful shutdown for a program that
// serves Handler on its own http.Server (ListenAndServe and Run do all of
// this themselves).
func ExampleServer_Shutdown() {
	srv := runtime.NewServer(&runtime.Implementation{Name: "weather", Version: "1.0.0"}, nil)
	// README: health
	mux := http.NewServeMux()
	mux.Handle("/mcp", srv.Handler())
	mux.Handle("/healthz", srv.LivenessHandler()) // 200 while the process serves
	mux.Handle("/readyz", srv.ReadinessHandler()) // 200 once started, 503 while starting or stopping
	// README end
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	httpServer := &http.Server{Handler: mux}
	go httpServer.Serve(ln)
	probe := func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/readyz")
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %s", resp.StatusCode, body)
	}
	ctx := context.Background()
	probe()
	if err := srv.Start(ctx); err != nil { // the lifespans
		log.Fatal(err)
	}
	probe()
	// README: shutdown
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx) // readiness false, new requests 503; calls in flight finish, sessions close, lifespans stop
	httpServer.Shutdown(ctx)
	// README end
	fmt.Println("ready:", srv.Ready())
	// Output:
	// 503 {"status":"not started"}
	// 200 {"status":"ok"}
	// ready: false
}

// The README shows the snippets of these examples.
func TestREADME(t *testing.T) {
	readme.Check(t, "../README.md", "example_test.go", "accesslog", "health", "shutdown")
}
