// Command conformance is the server the official MCP conformance suite
// runs against: every tool, resource, prompt and completion the suite's
// server scenarios need, written the mcpgen way (annotated functions,
// generated registration). scripts/conformance.sh starts it and runs the
// suite.
//
//	go run ./examples/conformance -http 127.0.0.1:3001
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// An event store lets 2025-11-25 clients resume SSE streams
	// (test_reconnection closes its stream mid-call).
	s := runtime.NewServer(&runtime.Implementation{Name: "mcpgen-conformance", Version: "1.0.0"},
		&runtime.Options{EventStore: mcp.NewMemoryEventStore(nil)})
	if err := s.Add(Components(), transient.d, taskTools); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
	closeTasks, err := serveTasks(ctx, s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
	defer closeTasks()
	removeSkills, err := serveSkills(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
	err = s.Run(ctx)
	removeSkills()
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
}
