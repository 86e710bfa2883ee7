// Command client is the client under test for the MCP conformance suite's
// client scenarios (../shared/conformance/run-client.sh): the harness runs
// it with the mock server's URL as its argument and the scenario in
// MCP_CONFORMANCE_SCENARIO. It is built on runtime/client.
package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// scenarios maps each supported scenario to what the client does.
var scenarios = map[string]func(ctx context.Context, url string) error{
	"initialize":                          initialize,
	"tools_call":                          toolsCall,
	"elicitation-sep1034-client-defaults": elicitationDefaults,
	"sse-retry":                           sseRetry,
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: client SERVER_URL (with MCP_CONFORMANCE_SCENARIO set)")
		os.Exit(2)
	}
	name := os.Getenv("MCP_CONFORMANCE_SCENARIO")
	run, ok := scenarios[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "client: unsupported scenario %q\n", name)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := run(ctx, os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "client: %s: %v\n", name, err)
		os.Exit(1)
	}
}

// The mock servers of 0.1.16 speak 2025-11-25.
const protocol = "2025-11-25"

func connect(ctx context.Context, url string, elicit bool) (*mcp.ClientSession, error) {
	opts := &client.Options{Name: "mcpgen-conformance-client", Version: "1.0.0", ProtocolVersion: protocol}
	if elicit {
		opts.Elicit = client.AcceptDefaults
	}
	return client.Connect(ctx, url, opts)
}

func initialize(ctx context.Context, url string) error {
	cs, err := connect(ctx, url, false)
	if err != nil {
		return err
	}
	defer cs.Close()
	_, err = cs.ListTools(ctx, nil)
	return err
}

func toolsCall(ctx context.Context, url string) error {
	return callTool(ctx, url, "add_numbers", map[string]any{"a": 5, "b": 3}, false)
}

func elicitationDefaults(ctx context.Context, url string) error {
	return callTool(ctx, url, "test_client_elicitation_defaults", map[string]any{}, true)
}

func sseRetry(ctx context.Context, url string) error {
	return callTool(ctx, url, "test_reconnection", map[string]any{}, false)
}

// callTool lists the tools, checks that name is among them, and calls it.
func callTool(ctx context.Context, url, name string, args map[string]any, elicit bool) error {
	cs, err := connect(ctx, url, elicit)
	if err != nil {
		return err
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(tools.Tools, func(t *mcp.Tool) bool { return t.Name == name }) {
		return fmt.Errorf("server has no tool %q", name)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return err
	}
	if res.IsError {
		return fmt.Errorf("tool %q returned an error result", name)
	}
	return nil
}
