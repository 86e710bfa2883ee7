// Command attackserver is the target of the attack suite (package attack):
// an mcpgen server with tools that behave well and badly (echo, slow,
// failing, panicking, ignoring their context, returning results that
// cannot be sent) and middleware that panics for one tool. The stats tool
// reports the process's goroutines and abandoned calls, so that the suite
// can check nothing leaks. It serves stdio, or HTTP with -http ADDR; every
// limit flag of runtime.RunArgs applies.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	rt "runtime"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func main() {
	s := runtime.NewServer(&runtime.Implementation{Name: "attackserver", Version: "1.0.0"}, nil)
	obj := json.RawMessage(`{"type":"object"}`)
	mk := func(name string, timeout time.Duration, h runtime.ToolHandler) *runtime.Tool {
		return &runtime.Tool{Name: name, InputSchema: obj, Handler: h, Timeout: timeout}
	}
	tools := []*runtime.Tool{
		mk("echo", 0, runtime.ToolHandler(func(_ context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult(string(args)), nil
		})),
		mk("fail", 0, runtime.ToolHandler(func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.ErrorResult(errors.New("failed on purpose")), nil
		})),
		mk("panic", 0, runtime.ToolHandler(func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			panic("tool panicked on purpose")
		})),
		mk("slow", 0, runtime.ToolHandler(func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
			select {
			case <-time.After(50 * time.Millisecond):
				return runtime.TextResult("slept"), nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		})),
		mk("wait", 0, runtime.ToolHandler(func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
			select {
			case <-time.After(time.Minute):
				return runtime.TextResult("waited a minute"), nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		})),
		mk("stuck", 100*time.Millisecond, runtime.ToolHandler(func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			time.Sleep(20 * time.Second) // ignores its context
			return runtime.TextResult("unstuck"), nil
		})),
		mk("nil_content", 0, runtime.ToolHandler(func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			return &runtime.CallToolResult{Content: []runtime.Content{(*runtime.TextContent)(nil)}}, nil
		})),
		mk("bad_structured", 0, runtime.ToolHandler(func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			return &runtime.CallToolResult{Content: []runtime.Content{&runtime.TextContent{Text: "x"}}, StructuredContent: json.RawMessage(`{"broken":`)}, nil
		})),
		mk("mw_panic", 0, runtime.ToolHandler(func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult("not reached"), nil
		})),
		mk("stats", 0, runtime.ToolHandler(func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			rt.GC()
			return runtime.TextResult(fmt.Sprintf(`{"goroutines":%d,"abandoned":%d}`, rt.NumGoroutine(), s.AbandonedCalls(""))), nil
		})),
	}
	if err := s.Add(&runtime.Components{Tools: tools}); err != nil {
		fmt.Fprintln(os.Stderr, "attackserver:", err)
		os.Exit(1)
	}
	s.Use(func(next runtime.Handler) runtime.Handler {
		return func(ctx context.Context, r *runtime.Request) (mcp.Result, error) {
			if r.Name == "mw_panic" {
				panic("middleware panicked on purpose")
			}
			return next(ctx, r)
		}
	})
	if err := s.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "attackserver:", err)
		os.Exit(1)
	}
}
