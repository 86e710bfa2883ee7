// Command attackserver is the target of the attack suite (package attack):
// an mcpgen server with tools that behave well and badly (echo, slow,
// failing, panicking, ignoring their context, returning results that
// cannot be sent) and middleware that panics for one tool. The stats tool
// reports the process's goroutines and abandoned calls, so that the suite
// can check nothing leaks. It serves stdio, or HTTP with -http ADDR; every
// limit flag of runtime.RunArgs applies.
//
// With ATTACK_AUTH=1 its HTTP endpoint is behind runtime/auth's Require
// (static tokens "tok-admin" and "tok-user"; requests without a token pass
// unauthenticated) and it has components with authorization checks: one
// for admins, one whose check panics and one whose check fails. It then
// logs to stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	rt "runtime"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func main() {
	var opts *runtime.Options
	withAuth := os.Getenv("ATTACK_AUTH") == "1"
	if withAuth {
		verifier := auth.Static(map[string]*runtime.Principal{
			"tok-admin": {Subject: "admin", Scopes: []string{"admin"}},
			"tok-user":  {Subject: "user"},
		})
		opts = &runtime.Options{
			Logger:         slog.New(slog.NewTextHandler(os.Stderr, nil)),
			HTTPMiddleware: []func(http.Handler) http.Handler{auth.Require(verifier, &auth.Options{Resource: "http://127.0.0.1/mcp", Optional: true})},
		}
	}
	s := runtime.NewServer(&runtime.Implementation{Name: "attackserver", Version: "1.0.0"}, opts)
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
	if withAuth {
		admin := mk("admin_only", 0, runtime.ToolHandler(func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult("admin done"), nil
		}))
		admin.Auth = []runtime.AuthCheck{runtime.RequireScopes("admin")}
		panics := mk("check_panics", 0, admin.Handler)
		panics.Auth = []runtime.AuthCheck{func(context.Context, *runtime.Principal, runtime.ComponentInfo) error {
			panic("check panicked on purpose")
		}}
		fails := mk("check_fails", 0, admin.Handler)
		fails.Auth = []runtime.AuthCheck{func(context.Context, *runtime.Principal, runtime.ComponentInfo) error {
			return errors.New("check failed on purpose")
		}}
		tools = append(tools, admin, panics, fails)
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
