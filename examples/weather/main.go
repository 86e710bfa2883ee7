// Command weather is an example MCP server built with mcpgen: tools that
// forecast the weather, compare cities and convert temperatures, a resource
// template describing each city, and a trip-planning prompt.
//
// The functions in weather.go are plain Go; mcp_gen.go, written by
// `go generate`, registers them. Run it over stdio:
//
//	go run ./examples/weather
//
// or over streamable HTTP at http://127.0.0.1:8080/mcp:
//
//	go run ./examples/weather -http 127.0.0.1:8080
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mcpgen/mcpgen/runtime"
)

func main() {
	s := runtime.NewServer(&runtime.Implementation{Name: "weather", Version: "1.0.0"}, &runtime.Options{
		Instructions: "Weather forecasts and climate data for major cities. Call forecast for a city's next days.",
	})
	if err := s.Add(Components()); err != nil {
		fmt.Fprintln(os.Stderr, "weather:", err)
		os.Exit(1)
	}
	if err := s.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "weather:", err)
		os.Exit(1)
	}
}
