package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mcpgen/mcpgen/internal/generate"
	"github.com/mcpgen/mcpgen/internal/parse"
	"github.com/spf13/cobra"
)

func init() {
	var quiet, client bool
	cmd := &cobra.Command{
		Use:   "generate [packages]",
		Short: "Write mcp_gen.go for each annotated package",
		Long: `generate reads the packages matching the patterns (default ".") and writes
mcp_gen.go beside every package that declares //mcp:tool, //mcp:resource or
//mcp:prompt functions. Files that are already current are left untouched, and
an mcp_gen.go whose package no longer declares components is removed.

Every problem in the annotations is reported as file:line:col: message, and
the exit status is 1 when there is any.`,
		Example: `  mcpgen generate ./...
  //go:generate go run github.com/mcpgen/mcpgen/cmd/mcpgen`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGenerate(args, quiet, client)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not list the files written")
	cmd.Flags().BoolVar(&client, "client", false, "also write a typed Go client for each package, in a <name>client sub-package (kept up to date once it exists)")
	addCommand(cmd)
	// `mcpgen` alone, as //go:generate mcpgen runs it, generates ".".
	var rootClient bool
	root.Flags().BoolVar(&rootClient, "client", false, "also write typed Go clients (see mcpgen generate --help)")
	root.RunE = func(cmd *cobra.Command, args []string) error { return runGenerate(nil, true, rootClient) }
}

func runGenerate(patterns []string, quiet, client bool) error {
	files, err := generate.PlanWith(generate.Options{Client: client}, ".", patterns...)
	if err != nil {
		return reportLoad(err)
	}
	wd, _ := os.Getwd()
	for _, f := range files {
		if !f.Stale() {
			continue
		}
		if err := f.Write(); err != nil {
			return err
		}
		if !quiet {
			rel, err := filepath.Rel(wd, f.Path)
			if err != nil {
				rel = f.Path
			}
			if f.Content == nil {
				fmt.Fprintf(os.Stderr, "removed %s\n", rel)
			} else {
				fmt.Fprintf(os.Stderr, "wrote %s\n", rel)
			}
		}
	}
	return nil
}

// reportLoad prints the problems found in the user's code, one per line,
// and turns them into exit status 1.
func reportLoad(err error) error {
	var list parse.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(os.Stderr, e)
		}
		return &exitError{code: 1}
	}
	return err
}
