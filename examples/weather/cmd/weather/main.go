// Command weather serves the example package examples/weather as an MCP
// server: tools that forecast the weather, compare cities and convert
// temperatures, a resource template describing each city, and a
// trip-planning prompt. Run it over stdio:
//
//	go run ./examples/weather/cmd/weather
//
// or over streamable HTTP at http://127.0.0.1:8080/mcp:
//
//	go run ./examples/weather/cmd/weather -http 127.0.0.1:8080
//
// With the standard OpenTelemetry variables set (for example
// OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318) it exports traces and
// metrics over OTLP/HTTP; without them, nothing.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mcpgen/mcpgen/examples/weather"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/otel"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "weather:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	opts := &runtime.Options{Instructions: weather.Instructions}
	// README: otel-env
	inst, stop, err := otel.FromEnv(ctx, "weather") // nil unless OTEL_* variables configure an exporter
	if err != nil {
		return err
	}
	defer stop(ctx) // flushes what is still to be exported
	if inst != nil {
		opts.Observer = inst
	}
	// README end
	s := runtime.NewServer(&runtime.Implementation{Name: "weather", Version: "1.0.0"}, opts)
	if err := s.Add(weather.Components()); err != nil {
		return err
	}
	return s.Run(ctx)
}
