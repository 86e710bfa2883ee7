// Package generate plans and writes mcpgen's output for a set of packages:
// mcp_gen.go beside each annotated package. It is shared by the generate
// and check commands, so both see exactly the same files.
package generate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/mcpgen/mcpgen/internal/emit"
	"github.com/mcpgen/mcpgen/internal/model"
	"github.com/mcpgen/mcpgen/internal/parse"
	"golang.org/x/tools/go/packages"
)

// FileName is the name of the file mcpgen writes in each package.
const FileName = "mcp_gen.go"

// ClientFileName is the name of a typed client's file, in its own
// package beside the server package (e.g. weather/weatherclient).
const ClientFileName = "mcp_client_gen.go"

// Options choose what Plan generates besides mcp_gen.go.
type Options struct {
	// Client also writes each package's typed client. A client that
	// exists already is always kept up to date.
	Client bool
}

// File is one generated file. A nil Content means the file is stale output
// of an earlier run (its package declares no components any more) and is
// to be removed.
type File struct {
	Path    string
	Content []byte
	Package *model.Package // nil for a removal
}

// Plan loads the packages matching patterns (relative to dir) and returns
// the files mcpgen would write, sorted by path. Problems in the user's code
// come back as a parse.ErrorList.
func Plan(dir string, patterns ...string) ([]File, error) {
	return PlanWith(Options{}, dir, patterns...)
}

// PlanWith is Plan with options.
func PlanWith(opts Options, dir string, patterns ...string) ([]File, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	pkgs, err := parse.Load(dir, patterns...)
	if err != nil {
		return nil, err
	}
	var files []File
	have := map[string]bool{}
	for _, pkg := range pkgs {
		pf, err := packageFiles(opts, pkg)
		if err != nil {
			return nil, err
		}
		for _, f := range pf {
			have[f.Path] = true
		}
		files = append(files, pf...)
	}
	stale, err := staleOutputs(dir, patterns, have)
	if err != nil {
		return nil, err
	}
	for _, path := range stale {
		files = append(files, File{Path: path})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// packageFiles returns the files generated for one package: mcp_gen.go,
// and its typed client when asked for or already there.
func packageFiles(opts Options, pkg *model.Package) ([]File, error) {
	src, err := emit.File(pkg)
	if err != nil {
		return nil, err
	}
	files := []File{{Path: filepath.Join(pkg.Dir, FileName), Content: src, Package: pkg}}
	name := emit.ClientName(pkg)
	clientFile := filepath.Join(pkg.Dir, name, ClientFileName)
	if old, err := os.ReadFile(clientFile); opts.Client || err == nil && parse.GeneratedFile(old) {
		if len(pkg.Tools)+len(pkg.Resources)+len(pkg.Prompts) == 0 {
			return files, nil
		}
		src, err := emit.ClientFile(pkg, pkg.Path+"/"+name, name)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: clientFile, Content: src})
	}
	return files, nil
}

// staleOutputs finds mcp_gen.go files written by mcpgen in matched
// packages that no longer declare any component.
func staleOutputs(dir string, patterns []string, keep map[string]bool) ([]string, error) {
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedFiles, Dir: dir}, patterns...)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, pkg := range pkgs {
		for _, f := range append(pkg.GoFiles, pkg.IgnoredFiles...) {
			if filepath.Base(f) != FileName || keep[f] {
				continue
			}
			if src, err := os.ReadFile(f); err == nil && parse.GeneratedFile(src) {
				out = append(out, f)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// Stale reports whether f differs from what is on disk.
func (f File) Stale() bool {
	old, err := os.ReadFile(f.Path)
	if f.Content == nil {
		return err == nil
	}
	return err != nil || !bytes.Equal(old, f.Content)
}

// Write brings f's path up to date: it writes the content atomically
// (through a temporary file in the same directory) or removes a stale
// file. It does nothing when the file is already current.
func (f File) Write() error {
	if !f.Stale() {
		return nil
	}
	if f.Content == nil {
		return os.Remove(f.Path)
	}
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), ".mcp_gen-*.go.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(f.Content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		return fmt.Errorf("writing %s: %w", f.Path, err)
	}
	return nil
}
