// Command gen500 measures mcpgen on a large package: it writes a synthetic
// module with a package of annotated tools (500 by default) into a temporary
// directory, times `mcpgen generate` on it end to end and `go build` of the
// result, and compares both with the design targets (3 s and 10 s).
//
// Run it from the bench directory:
//
//	go run ./cmd/gen500 [-n 500] [-root ..] [-keep]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mcpgen/mcpgen/bench/synth"
)

func main() {
	n := flag.Int("n", 500, "number of tools in the synthetic package")
	root := flag.String("root", "..", "root of the mcpgen checkout")
	keep := flag.Bool("keep", false, "keep the synthetic module and print its directory")
	flag.Parse()
	if err := run(*n, *root, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "gen500:", err)
		os.Exit(1)
	}
}

// Design targets for a package of 500 tools.
const (
	generateTarget = 3 * time.Second
	buildTarget    = 10 * time.Second
)

func run(n int, root string, keep bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if gomod, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !strings.HasPrefix(string(gomod), "module github.com/mcpgen/mcpgen\n") {
		return fmt.Errorf("%s is not the root of the mcpgen checkout (use -root)", root)
	}
	tmp, err := os.MkdirTemp("", "gen500-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("module:", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin := filepath.Join(tmp, "mcpgen")
	if err := synth.BuildGenerator(ctx, root, bin); err != nil {
		return err
	}
	m, err := synth.NewModule(filepath.Join(tmp, "mod"), root, n)
	if err != nil {
		return err
	}
	gen, err := m.Generate(ctx, bin)
	if err != nil {
		return err
	}
	out, err := m.Generated()
	if err != nil {
		return err
	}
	if err := m.Tidy(ctx); err != nil {
		return err
	}
	build, err := m.Build(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("tools:     %d\n", n)
	fmt.Printf("mcp_gen.go: %d bytes, %d lines\n", len(out), strings.Count(string(out), "\n"))
	fmt.Printf("generate:  %v (target %v) %s\n", gen.Round(time.Millisecond), generateTarget, verdict(gen, generateTarget))
	fmt.Printf("go build:  %v (target %v, dependencies cached) %s\n", build.Round(time.Millisecond), buildTarget, verdict(build, buildTarget))
	return nil
}

func verdict(got, target time.Duration) string {
	if got <= target {
		return "ok"
	}
	return "OVER TARGET"
}
