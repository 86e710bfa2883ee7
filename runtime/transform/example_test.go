package transform_test

import (
	"testing"

	"context"
	"encoding/json"
	"fmt"
	"github.com/mcpgen/mcpgen/internal/readme"
	"log"
	"strings"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transform"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// weatherComponents stands in for a generated package's Components().
func weatherComponents() *runtime.Components {
	tool := func(name string, tags ...string) *runtime.Tool {
		return &runtime.Tool{Name: name, Tags: tags, InputSchema: json.RawMessage(`{"type":"object"}`),
			Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.TextResult(name), nil
			}}
	}
	return &runtime.Components{Tools: []*runtime.Tool{tool("forecast"), tool("alerts", "beta"), tool("reset_cache", "admin")}}
}

// The README's composition example: mount a package under a namespace with
// a tag filter, hide a group server-wide, and let a tool unlock it for the
// calling session only. Session state and a lifespan come along.
func Example_composition() {
	srv := runtime.NewServer(&runtime.Implementation{Name: "composed", Version: "1.0.0"}, nil)
	// README: lifespan
	if err := srv.AddLifespan(func(ctx context.Context) (func(context.Context) error, error) {
		fmt.Println("open the database") // once per server, not per session
		return func(context.Context) error { fmt.Println("close the database"); return nil }, nil
	}); err != nil {
		log.Fatal(err)
	}
	// README end
	// weather_forecast and weather_reset_cache; the beta tool is filtered out.
	if err := srv.Mount(weatherComponents(), transform.Tags(nil, []string{"beta"}), transform.Namespace("weather")); err != nil {
		log.Fatal(err)
	}
	srv.AddTransform(transform.Disable(runtime.Match{Tags: []string{"admin"}}))
	if err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{{
		Name: "unlock", Description: "Unlock the admin tools for this session.",
		InputSchema: json.RawMessage(`{"type":"object"}`),
		Handler: func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.EnableComponents(ctx, runtime.Match{Tags: []string{"admin"}}); err != nil {
				return nil, err
			}
			n, _, _ := runtime.GetState[int](ctx, "unlocks")
			if err := runtime.SetState(ctx, "unlocks", n+1); err != nil {
				return nil, err
			}
			return runtime.TextResult(fmt.Sprintf("unlocked (%d)", n+1)), nil
		},
	}}}); err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	if err := srv.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer srv.Close(ctx)
	ct, st := mcp.NewInMemoryTransports()
	if _, err := srv.MCP().Connect(ctx, st, nil); err != nil {
		log.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "client", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer cs.Close()
	list := func() {
		res, err := cs.ListTools(ctx, nil)
		if err != nil {
			log.Fatal(err)
		}
		var names []string
		for _, t := range res.Tools {
			names = append(names, t.Name)
		}
		fmt.Println(strings.Join(names, " "))
	}
	list()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "unlock"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	list()
	// Output:
	// open the database
	// unlock weather_forecast
	// unlocked (1)
	// unlock weather_forecast weather_reset_cache
	// close the database
}

func TestReadmeLifespan(t *testing.T) {
	readme.Check(t, "../../README.md", "example_test.go", "lifespan")
}
