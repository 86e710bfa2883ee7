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
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mcpgen/mcpgen/examples/weather"
	"github.com/mcpgen/mcpgen/runtime"
)

func main() {
	s := runtime.NewServer(&runtime.Implementation{Name: "weather", Version: "1.0.0"}, &runtime.Options{
		Instructions: weather.Instructions,
	})
	if err := s.Add(weather.Components()); err != nil {
		fmt.Fprintln(os.Stderr, "weather:", err)
		os.Exit(1)
	}
	if err := s.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "weather:", err)
		os.Exit(1)
	}
}
