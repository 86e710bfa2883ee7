package main

import (
	"errors"
	"os"
	"time"

	"github.com/mcpgen/mcpgen/internal/cli"
	"github.com/spf13/cobra"
)

func init() {
	var (
		f       targetFlags
		addr    string
		state   bool
		jsonRes bool
		reload  bool
	)
	c := &cobra.Command{
		Use:   "run CONFIG|URL [-- COMMAND ARGS...] | run --reload [PACKAGE]",
		Short: "Serve a remote MCP server (or several) through a proxy, over stdio or HTTP",
		Long: `run serves the components of one upstream MCP server, or of every server of an
mcp.json-style config ({"mcpServers": {"name": {"command", "args", "env"} | {"url"}}},
each namespaced by its name: name_tool), as an MCP server of its own: over
stdio by default, or over streamable HTTP at http://ADDR/mcp with --http.

Lists follow the upstream (its list_changed reaches clients); calls, reads and
prompts are forwarded; progress, logging, sampling, elicitation and roots are
relayed. Each client session gets its own upstream session; with --stateless,
each request gets a fresh one.

With --reload, run is the development loop of a server in this module:
PACKAGE (default ".") is its Go package, a main package or one with generated
code. run watches the module's sources (Go files, go.mod, embedded assets),
and on a change regenerates the annotated packages, rebuilds and restarts the
server behind a front that keeps every client's session open: clients get
list_changed and see the new components in the same session. A failed
generate or build is printed with its positions and the previous build keeps
serving.`,
		Example: `  mcpgen run ./mcp.json
  mcpgen run https://example.com/mcp --http 127.0.0.1:8080
  mcpgen run -- npx -y @modelcontextprotocol/server-everything
  mcpgen run --reload ./cmd/weather
  mcpgen run --reload --http 127.0.0.1:8080 .`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if reload {
				if cmd.ArgsLenAtDash() >= 0 || len(args) > 1 {
					return errors.New("run --reload takes one Go package directory")
				}
				dir := "."
				if len(args) == 1 {
					dir = args[0]
				}
				return cli.Reload(cmd.Context(), cli.ReloadOptions{Dir: dir, HTTP: addr, Stateless: state, JSONResponse: jsonRes, Stderr: os.Stderr})
			}
			spec, rest, command, err := split(cmd, args, true)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return errors.New("run takes one upstream: a config file, a URL, or -- COMMAND ARGS...")
			}
			t, err := f.target(spec, command)
			if err != nil {
				return err
			}
			return cli.Run(cmd.Context(), cli.RunOptions{
				Spec: spec, Command: command, Header: t.Header, Env: t.Env, ConnectTimeout: f.timeout,
				HTTP: addr, Stateless: state, JSONResponse: jsonRes, Stderr: os.Stderr,
			})
		},
	}
	f.add(c)
	c.Flags().MarkHidden("json")
	c.Flags().Lookup("timeout").DefValue = "10s"
	c.Flags().Set("timeout", (10 * time.Second).String())
	c.Flags().Lookup("timeout").Changed = false
	c.Flags().Lookup("timeout").Usage = "time allowed to connect to each upstream"
	c.Flags().StringVar(&addr, "http", "", "serve streamable HTTP on `ADDR` (host:port) instead of stdio")
	c.Flags().BoolVar(&state, "stateless", false, "serve HTTP without sessions (a fresh upstream session per request)")
	c.Flags().BoolVar(&reload, "reload", false, "serve the Go package PACKAGE and rebuild it on every change, keeping client sessions")
	c.Flags().BoolVar(&jsonRes, "json-response", false, "answer HTTP with application/json instead of SSE")
	addCommand(c)
}
