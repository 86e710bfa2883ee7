package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/mcpgen/mcpgen/internal/testenv"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/tasks"
	"github.com/mcpgen/mcpgen/runtime/tasks/redistasks"
)

// The README's "Background tasks" snippets, each run.
func TestReadmeTasks(t *testing.T) {
	ctx := context.Background()
	impl := &runtime.Implementation{Name: "docs", Version: "1"}

	// README: tasks-register
	srv := runtime.NewServer(impl, &runtime.Options{TaskSupport: runtime.TaskOptional}) // the default of tools that say nothing
	if _, err := tasks.Register(srv, &tasks.Options{TTL: time.Hour, Workers: 16}); err != nil {
		t.Fatal(err)
	}
	// README end

	// README: tasks-prelude
	hello := &runtime.Tool{
		Name: "hello", Description: "Asks for a name first, then works in the background.",
		InputSchema: json.RawMessage(`{"type":"object"}`), TaskSupport: runtime.TaskRequired,
		Handler: func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
			res, err := runtime.Elicit(ctx, "name", &runtime.ElicitParams{Message: "Your name?",
				RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}}})
			if err != nil {
				return nil, err // the client is asked before the task exists (multi round-trip)
			}
			if err := runtime.Detach(ctx); err != nil {
				return nil, err // the task starts here: the handler runs again in it
			}
			return runtime.TextResult(fmt.Sprintf("Hello, %v (task %s)", res.Content["name"], runtime.TaskID(ctx))), nil
		},
	}
	// README end
	if err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{hello}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer srv.Close(ctx)

	addr := testenv.RedisAddr(t, "runtime/tasks")
	url := "redis://" + addr + "/0"
	other := runtime.NewServer(impl, nil)
	// README: tasks-redis
	store, err := redistasks.Open(ctx, url, redistasks.Options{})
	if err != nil {
		t.Fatal(err) // Redis does not answer: say so and stop
	}
	defer store.Close()
	if _, err := tasks.Register(other, &tasks.Options{Store: store, Lease: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// README end

	readme.Check(t, "../../README.md", "example_test.go", "tasks-register", "tasks-prelude", "tasks-redis")
	readme.Check(t, "../../README.md", "../../examples/replicas/tools.go", "tasks-tool")
	readme.Check(t, "../../README.md", "../../examples/replicas/main.go", "replicas-router")
}
