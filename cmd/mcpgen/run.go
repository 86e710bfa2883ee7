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
	)
	c := &cobra.Command{
		Use:   "run CONFIG|URL [-- COMMAND ARGS...]",
		Short: "Serve a remote MCP server (or several) through a proxy, over stdio or HTTP",
		Long: `run serves the components of one upstream MCP server, or of every server of an
mcp.json-style config ({"mcpServers": {"name": {"command", "args", "env"} | {"url"}}},
each namespaced by its name: name_tool), as an MCP server of its own: over
stdio by default, or over streamable HTTP at http://ADDR/mcp with --http.

Lists follow the upstream (its list_changed reaches clients); calls, reads and
prompts are forwarded; progress, logging, sampling, elicitation and roots are
relayed. Each client session gets its own upstream session; with --stateless,
each request gets a fresh one.`,
		Example: `  mcpgen run ./mcp.json
  mcpgen run https://example.com/mcp --http 127.0.0.1:8080
  mcpgen run -- npx -y @modelcontextprotocol/server-everything`,
		RunE: func(cmd *cobra.Command, args []string) error {
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
	c.Flags().BoolVar(&jsonRes, "json-response", false, "answer HTTP with application/json instead of SSE")
	addCommand(c)
}
