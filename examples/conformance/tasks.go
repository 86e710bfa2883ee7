package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/tasks"
	"github.com/mcpgen/mcpgen/runtime/tasks/redistasks"
)

// serveTasks runs the server's task tools as tasks, in memory, or in the
// Redis that MCPGEN_TASKS_REDIS names (redis://host:port/db). It returns
// what to close at the end.
func serveTasks(ctx context.Context, s *runtime.Server) (func(), error) {
	opts := &tasks.Options{}
	closeStore := func() {}
	if url := os.Getenv("MCPGEN_TASKS_REDIS"); url != "" {
		store, err := redistasks.Open(ctx, url, redistasks.Options{Prefix: "{mcpgen-conformance}:"})
		if err != nil {
			return nil, err
		}
		opts.Store, closeStore = store, func() { store.Close() }
	}
	if _, err := tasks.Register(s, opts); err != nil {
		closeStore()
		return nil, err
	}
	return closeStore, nil
}

// The task tools written by hand: one whose handler fails with a protocol
// error (generated handlers turn errors into tool errors), and one that
// asks for input in the request (multi round-trip) before its task
// starts, which it marks with runtime.Detach.
var taskTools = &runtime.Components{Tools: []*runtime.Tool{
	{
		Name:        "protocol_error_job",
		Description: "Fails with a JSON-RPC error (a protocol error), as a task.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{}}`),
		TaskSupport: runtime.TaskOptional,
		Handler: func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the job's backend failed"}
		},
	},
	{
		Name:        "test_tool_with_task",
		Description: "Asks for the user's name (multi round-trip), then greets them from a task.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{}}`),
		TaskSupport: runtime.TaskRequired,
		Handler: func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
			res, err := runtime.Elicit(ctx, "user_name", &runtime.ElicitParams{
				Message:         "What is your name?",
				RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}, "required": []string{"name"}},
			})
			if err != nil {
				return nil, err
			}
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			return runtime.TextResult(fmt.Sprintf("Hello, %v!", res.Content["name"])), nil
		},
	},
}}
