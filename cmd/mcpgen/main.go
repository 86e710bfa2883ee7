// Command mcpgen generates Model Context Protocol servers from annotated Go
// code, and is a developer tool for any MCP server: list, call, inspect,
// discover and install.
//
// Run by go generate (a //go:generate mcpgen line), it generates the package
// in the current directory; `mcpgen generate ./...` does the same for every
// package matching the patterns.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

var root = &cobra.Command{
	Use:   "mcpgen",
	Short: "Generate MCP servers from annotated Go code, and talk to any MCP server",
	Long: `mcpgen reads Go packages whose functions carry //mcp:tool, //mcp:resource and
//mcp:prompt directives and writes mcp_gen.go beside them: static registration,
JSON Schemas, and generated argument decoders and validators.

Run with no arguments (as //go:generate mcpgen does), it generates the package
in the current directory.`,
	SilenceUsage:  true,
	SilenceErrors: true,
	Args:          cobra.NoArgs,
}

// addCommand registers a subcommand; each command's file calls it from init.
func addCommand(c *cobra.Command) { root.AddCommand(c) }

// exitError carries a process exit code through cobra without printing
// anything more: the command has already reported the problem.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	if err := root.Execute(); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "mcpgen:", err)
		os.Exit(1)
	}
}
