package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mcpgen/mcpgen/internal/check"
	"github.com/spf13/cobra"
)

func init() {
	var verbose bool
	addCommand(&cobra.Command{
		Use:   "lock [packages]",
		Short: "Record the components' contracts in mcp.lock.json",
		Long: `lock writes mcp.lock.json beside each annotated package: every tool's input
and output schema, every prompt's arguments and every resource. Commit it;
mcpgen check then fails when a component changes incompatibly without a new
version. Run lock again to accept a deliberate breaking change.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			written, err := check.WriteLocks(".", args...)
			if err != nil {
				return reportLoad(err)
			}
			wd, _ := os.Getwd()
			for _, p := range written {
				if rel, err := filepath.Rel(wd, p); err == nil {
					p = rel
				}
				fmt.Fprintf(os.Stderr, "wrote %s\n", p)
			}
			return nil
		},
	})
	cmd := &cobra.Command{
		Use:   "check [packages]",
		Short: "Fail on stale generated code, invalid schemas or unversioned breaking changes",
		Long: `check is the CI gate. For the packages matching the patterns (default "."), it
fails, reporting each problem as file:line:col: message, when:

  - a generated mcp_gen.go is stale (it regenerates in memory and compares);
  - a generated schema does not validate against the JSON Schema 2020-12
    meta-schema;
  - a component changed incompatibly since mcp.lock.json (written by
    mcpgen lock) without a new version: a removed or renamed argument, a new
    required argument, a narrowed type, enum or bound, a removed tool,
    prompt or resource, or a result that lost or widened properties. Adding
    an optional argument is compatible.`,
		Example: `  mcpgen check ./...`,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := check.Run(".", args...)
			if err != nil {
				return reportLoad(err)
			}
			for _, p := range res.Problems {
				fmt.Fprintln(os.Stderr, p)
			}
			if len(res.Problems) > 0 {
				return &exitError{code: 1}
			}
			if verbose {
				fmt.Fprintf(os.Stderr, "ok: %d packages, %d tools\n", res.Packages, res.Tools)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "report what was checked")
	addCommand(cmd)
}
