// Command composed is the README's composition example: one MCP server
// made of others.
//
//   - The weather example package (examples/weather) is mounted under the
//     namespace "weather", with a tag filter that hides its unit-conversion
//     tool and compare_cities renamed to compare: weather_forecast,
//     weather_compare, weather://weather/cities, the prompt
//     weather_plan_trip.
//   - @modelcontextprotocol/server-everything, started from npm over stdio,
//     is proxied under "everything": everything_echo is listed; its other
//     tools form the hidden group "everything".
//   - list_resources and read_resource reach every resource for clients that
//     can only call tools (ResourcesAsTools).
//   - unlock enables the hidden group for the calling session only: that
//     session gets notifications/tools/list_changed and sees the group;
//     others see nothing.
//
// Run it over stdio, or over streamable HTTP with -http 127.0.0.1:8080:
//
//	go run ./examples/composed
//	go run ./cmd/mcpgen list ./examples/composed
//
// COMPOSED_EVERYTHING replaces the command that serves server-everything
// (for example "node ./node_modules/@modelcontextprotocol/server-everything/dist/index.js stdio"
// to use an installed copy); "off" leaves it out.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/mcpgen/mcpgen/examples/weather"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/proxy"
	"github.com/mcpgen/mcpgen/runtime/transform"
)

// everythingCommand serves server-everything over stdio, at the version
// the end-to-end tests pin.
const everythingCommand = "npx -y @modelcontextprotocol/server-everything@2026.8.31 stdio"

// hidden tags the tools that stay hidden until a session unlocks them.
const hidden = "everything"

func main() {
	srv, err := newServer(os.Getenv("COMPOSED_EVERYTHING"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "composed:", err)
		os.Exit(1)
	}
	if err := srv.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "composed:", err)
		os.Exit(1)
	}
}

// newServer builds the composed server. everything is the command line
// serving server-everything over stdio: "" for the default, "off" for
// none.
func newServer(everything string) (*runtime.Server, error) {
	srv := runtime.NewServer(&runtime.Implementation{Name: "composed", Version: "1.0.0"}, &runtime.Options{
		Instructions: weather.Instructions + " Call unlock to use the everything server's other tools.",
	})

	// README: composed-mounts
	// The weather package: no unit conversion, compare_cities as compare,
	// everything under weather_ (weather://weather/... for resources).
	rename, err := transform.ToolTransform(map[string]transform.ToolConfig{
		"compare_cities": {Name: "compare"},
	})
	if err != nil {
		return nil, err
	}
	if err := srv.Mount(weather.Components(), transform.Tags(nil, []string{"units"}), rename, transform.Namespace("weather")); err != nil {
		return nil, fmt.Errorf("mounting weather: %w", err)
	}

	// server-everything, proxied: every tool tagged "everything", and
	// server-wide all but echo hidden (the last matching rule wins).
	if everything == "" {
		everything = everythingCommand
	}
	if everything != "off" {
		argv := strings.Fields(everything)
		p, err := proxy.New(proxy.Target{Command: argv[0], Args: argv[1:]}, nil)
		if err != nil {
			return nil, err
		}
		if err := srv.Mount(p, tagTools(hidden), transform.Namespace("everything")); err != nil {
			return nil, fmt.Errorf("mounting %s: %w", everything, err)
		}
		srv.AddTransform(transform.Disable(runtime.Match{Tags: []string{hidden}}))
		srv.AddTransform(transform.Enable(runtime.Match{Names: []string{"everything_echo"}}))
	}

	// Resources as tools, and the tool that unlocks the hidden group.
	srv.AddTransform(transform.ResourcesAsTools(srv))
	if err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{unlockTool}}); err != nil {
		return nil, err
	}
	// README end
	return srv, nil
}

// README: composed-unlock
// unlockTool enables the hidden group for the calling session, and counts
// how often that session asked.
var unlockTool = &runtime.Tool{
	Name:        "unlock",
	Description: "Unlock the everything server's other tools for this session.",
	InputSchema: json.RawMessage(`{"type":"object"}`),
	Handler: func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
		// Failures are tool errors: the model can read them (on stateless
		// HTTP there is no session to unlock).
		if err := runtime.EnableComponents(ctx, runtime.Match{Tags: []string{hidden}}); err != nil {
			return runtime.ErrorResult(err), nil
		}
		n, _, err := runtime.GetState[int](ctx, "unlocks")
		if err != nil {
			return runtime.ErrorResult(err), nil
		}
		if err := runtime.SetState(ctx, "unlocks", n+1); err != nil {
			return runtime.ErrorResult(err), nil
		}
		return runtime.TextResult(fmt.Sprintf("unlocked (#%d)", n+1)), nil
	},
}

// README end

// tagTools is a transform adding tag to every tool of a provider, so that
// visibility rules can name them as a group.
func tagTools(tag string) runtime.Transform {
	return runtime.TransformFunc(func(_ context.Context, in *runtime.Components) (*runtime.Components, error) {
		out := in.Clone()
		for i, t := range out.Tools {
			tagged := *t
			tagged.Tags = append(slices.Clip(t.Tags), tag)
			out.Tools[i] = &tagged
		}
		return out, nil
	})
}
