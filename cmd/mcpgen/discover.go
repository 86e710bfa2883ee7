package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/mcpgen/mcpgen/internal/cli"
	"github.com/spf13/cobra"
)

func addDiscoverInstall() {
	var asJSON bool
	discover := &cobra.Command{
		Use:   "discover",
		Short: "Find MCP servers configured in Claude Desktop, Claude Code, Cursor, Goose, Gemini CLI and VS Code",
		Long: `discover reads the MCP client config files of this user and directory (read
only) and prints each server's name, client, file and transport. A name found
in several files is listed once per file. Unreadable or malformed files are
reported on stderr and skipped. Any name listed can be a target of list,
call, read, prompt and inspect.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			servers, problems := cli.Discover(cli.DefaultSources())
			for _, p := range problems {
				fmt.Fprintf(os.Stderr, "mcpgen: skipping %v\n", p)
			}
			if asJSON {
				if servers == nil {
					servers = []cli.Server{}
				}
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(servers)
			}
			if len(servers) == 0 {
				fmt.Fprintln(os.Stderr, "no MCP servers configured")
				return nil
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tCLIENT\tTRANSPORT\tTARGET\tFILE")
			for _, s := range servers {
				target := s.URL
				if s.Transport == "stdio" {
					target = strings.Join(append([]string{s.Command}, s.Args...), " ")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Source, s.Transport, target, s.File)
			}
			return tw.Flush()
		},
	}
	discover.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	addCommand(discover)

	var req cli.InstallRequest
	var env []string
	install := &cobra.Command{
		Use:   "install CLIENT NAME [--url URL | -- COMMAND ARGS...]",
		Short: "Add a server to a client's config (" + strings.Join(cli.InstallClients, ", ") + ")",
		Long: `install adds a server to the config file of claude-desktop, claude-code,
cursor, gemini-cli or goose, keeping every existing entry in order. It saves
the previous file as FILE.mcpgen.bak, refuses to replace a server of the same
name unless --force, and with --dry-run prints the change instead.

A client starts a stdio server in a directory of its own: give an absolute
command (build a binary first). A command given as a relative path is made
absolute; a command not on PATH and arguments that are relative paths get a
warning.`,
		Example: `  go build -o ~/bin/weather ./examples/weather/cmd/weather
  mcpgen install cursor weather -- ~/bin/weather
  mcpgen install claude-code weather --url http://127.0.0.1:8080/mcp
  mcpgen install goose weather --env API_KEY=secret -- /usr/local/bin/weather`,
		RunE: func(c *cobra.Command, args []string) error {
			dash := c.ArgsLenAtDash()
			named := args
			if dash >= 0 {
				named, req.Command = args[:dash], args[dash:]
			}
			if len(named) != 2 {
				return errors.New("give the client and the server's name: mcpgen install CLIENT NAME -- COMMAND...")
			}
			req.Client, req.Name = named[0], named[1]
			req.Env = map[string]string{}
			for _, e := range env {
				k, v, ok := strings.Cut(e, "=")
				if !ok || k == "" {
					return fmt.Errorf("--env %q: want KEY=VALUE", e)
				}
				req.Env[k] = v
			}
			if len(req.Env) == 0 {
				req.Env = nil
			}
			req.Warn = os.Stderr
			_, err := cli.Install(req, os.Stdout)
			return err
		},
	}
	install.Flags().StringVar(&req.URL, "url", "", "the server's streamable HTTP URL, instead of a command")
	install.Flags().StringArrayVarP(&env, "env", "e", nil, "KEY=VALUE for the server's environment (repeatable)")
	install.Flags().BoolVar(&req.Force, "force", false, "replace a server of the same name")
	install.Flags().BoolVar(&req.DryRun, "dry-run", false, "print the change without writing it")
	addCommand(install)
}
