package limit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/limit"
)

// logTool returns a tool that dumps a long log.
func logTool(name string) *runtime.Tool {
	return &runtime.Tool{Name: name, InputSchema: json.RawMessage(`{"type":"object"}`),
		Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult(strings.Repeat("GET /index.html 200\n", 10_000)), nil
		}}
}

// The README's response limit: every result of the listed tools is cut to
// 1000 bytes of JSON.
func ExampleResponses() {
	srv := runtime.NewServer(&runtime.Implementation{Name: "logs", Version: "1.0.0"}, nil)
	if err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{logTool("tail_log"), logTool("grep_log")}}); err != nil {
		log.Fatal(err)
	}
	// README: responses
	small, err := limit.Responses(1000, &limit.ResponseOptions{Tools: []string{"tail_log", "grep_log"}})
	if err != nil {
		log.Fatal(err) // a limit that is not positive
	}
	srv.Use(small)
	// README end
	res, err := srv.Serve(context.Background(), &runtime.Request{Method: runtime.MethodCallTool, Name: "tail_log"})
	if err != nil {
		log.Fatal(err)
	}
	text := res.(*runtime.CallToolResult).Content[0].(*runtime.TextContent).Text
	js, _ := json.Marshal(res)
	fmt.Println(len(js) <= 1000, strings.HasSuffix(text, "\n\n[Response truncated due to size limit]"))
	// Output: true true
}

// The README's rate limit: search is limited per API key.
func ExampleRate() {
	srv := runtime.NewServer(&runtime.Implementation{Name: "search", Version: "1.0.0"}, nil)
	if err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{logTool("search")}}); err != nil {
		log.Fatal(err)
	}
	// README: rate
	perCaller, err := limit.Rate(limit.RateOptions{
		PerSecond: 5,                           // sustained calls a second
		Burst:     10,                          // calls at once
		Tools:     []string{"search"},          // only search; nil: every request
		Key:       limit.ByHeader("X-Api-Key"), // per API key; nil: per session
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.Use(perCaller)
	// README end
	answered := 0
	for {
		_, err := srv.Serve(context.Background(), &runtime.Request{Method: runtime.MethodCallTool, Name: "search"})
		if err != nil {
			msg, _, _ := strings.Cut(err.Error(), ": retry after")
			fmt.Printf("%d answered, then: %s\n", answered, msg)
			break
		}
		answered++
	}
	// Output: 10 answered, then: Rate limit exceeded
}

// The README shows the snippets of these examples.
func TestREADME(t *testing.T) {
	readme.Check(t, "../../README.md", "example_test.go", "responses", "rate")
}
