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
	var quiet, client, namespace bool
	var tree string
	cmd := &cobra.Command{
		Use:   "generate [packages]",
		Short: "Write mcp_gen.go for each annotated package",
		Long: `generate reads the packages matching the patterns (default ".") and writes
mcp_gen.go beside every package that declares //mcp:tool, //mcp:resource or
//mcp:prompt functions. Files that are already current are left untouched, and
an mcp_gen.go whose package no longer declares components is removed.

Every problem in the annotations is reported as file:line:col: message, and
the exit status is 1 when there is any.

With --tree DIR, generate covers every annotated package under DIR and
writes DIR/mcp_tree_gen.go, whose Mount(srv) mounts them all (namespaced by
their paths under DIR with --namespace: billing/refunds → billing_refunds_*).
A package added or removed is picked up by the next run; a package with
problems is reported and left out of the registry, so the rest still builds.`,
		Example: `  mcpgen generate ./...
  //go:generate go run github.com/mcpgen/mcpgen/cmd/mcpgen
  mcpgen generate --tree ./tools --namespace`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if tree != "" {
				if len(args) > 0 {
					return errors.New("generate --tree takes no package patterns: it covers every package under the directory")
				}
				return runTree(tree, quiet, client, namespace)
			}
			if namespace {
				return errors.New("--namespace applies to --tree")
			}
			return runGenerate(args, quiet, client)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not list the files written")
	cmd.Flags().StringVar(&tree, "tree", "", "generate every annotated package under `DIR` and a registry mounting them all (DIR/mcp_tree_gen.go)")
	cmd.Flags().BoolVar(&namespace, "namespace", false, "with --tree, namespace each package's components by its path")
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

func runTree(dir string, quiet, client, namespace bool) error {
	t, err := generate.PlanTree(dir, generate.TreeOptions{Options: generate.Options{Client: client}, Namespace: namespace})
	if err != nil {
		return reportLoad(err)
	}
	written, err := t.Write()
	if err != nil {
		return err
	}
	wd, _ := os.Getwd()
	if !quiet {
		for _, p := range written {
			verb := "wrote"
			if _, err := os.Stat(p); err != nil {
				verb = "removed"
			}
			if rel, err := filepath.Rel(wd, p); err == nil {
				p = rel
			}
			fmt.Fprintf(os.Stderr, "%s %s\n", verb, p)
		}
	}
	if len(t.Problems) > 0 {
		for _, e := range t.Problems {
			fmt.Fprintln(os.Stderr, e)
		}
		fmt.Fprintf(os.Stderr, "mcpgen: the packages with problems are left out of %s; the %d others are mounted\n", filepath.Join(dir, generate.TreeFileName), len(t.Mounted))
		return &exitError{code: 1}
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
