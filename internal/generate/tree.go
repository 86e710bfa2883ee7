package generate

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mcpgen/mcpgen/internal/emit"
	"github.com/mcpgen/mcpgen/internal/model"
	"github.com/mcpgen/mcpgen/internal/parse"
)

// TreeFileName is the registry a tree gets, in its root directory.
const TreeFileName = "mcp_tree_gen.go"

// TreeOptions configure PlanTree.
type TreeOptions struct {
	Options
	// Namespace namespaces each package's components by its path under
	// the root ("billing/refunds" → "billing_refunds_tool").
	Namespace bool
}

// Tree is the plan for a directory tree of annotated packages.
type Tree struct {
	// Files are every package's mcp_gen.go (and clients) and the
	// registry, sorted by path.
	Files []File
	// Mounted are the import paths of the packages the registry mounts.
	Mounted []string
	// Problems are the packages left out, with their problems at their
	// positions.
	Problems parse.ErrorList
}

// PlanTree plans the generated files of every annotated package under
// root, and the registry in root (mcp_tree_gen.go) whose Mount mounts them
// all. A package that fails to generate is reported in Problems and left
// out, so that the rest still builds.
func PlanTree(root string, opts TreeOptions) (*Tree, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	// Loaded from the working directory, so that problems are reported
	// at paths relative to it, as the rest of mcpgen reports them.
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	pkgs, problems, err := parse.LoadEach(wd, filepath.Join(abs, "..."))
	if err != nil {
		return nil, err
	}
	t := &Tree{Problems: problems}
	name, rootPath, err := rootPackage(abs)
	if err != nil {
		return nil, err
	}
	deps, err := treeDeps(abs)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	var mounted []*model.Package
	namespaces := map[string]string{}
	for _, pkg := range pkgs {
		files, err := packageFiles(opts.Options, pkg)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			have[f.Path] = true
		}
		t.Files = append(t.Files, files...)
		if msg := unmountable(pkg, abs, rootPath, deps, opts.Namespace, namespaces); msg != "" {
			t.Problems = append(t.Problems, &parse.Error{Pos: packagePos(wd, pkg.Dir), Msg: msg})
			continue
		}
		mounted = append(mounted, pkg)
	}
	// A package left out keeps its last mcp_gen.go: it is not mounted, and
	// code of its own that uses the generated names still compiles.
	for _, e := range problems {
		if file := e.Pos.File; file != "" {
			if !filepath.IsAbs(file) {
				file = filepath.Join(wd, file)
			}
			have[filepath.Join(filepath.Dir(file), FileName)] = true
		}
	}
	stale, err := staleOutputs(abs, []string{"./..."}, have)
	if err != nil {
		return nil, err
	}
	for _, path := range stale {
		t.Files = append(t.Files, File{Path: path})
	}
	src, err := treeFile(abs, name, mounted, opts.Namespace)
	if err != nil {
		return nil, err
	}
	t.Files = append(t.Files, File{Path: filepath.Join(abs, TreeFileName), Content: src})
	for _, p := range mounted {
		t.Mounted = append(t.Mounted, p.Path)
	}
	sort.Slice(t.Files, func(i, j int) bool { return t.Files[i].Path < t.Files[j].Path })
	return t, nil
}

// rootPackage is the name and import path of the package in dir, the name
// made from the directory's name when dir holds no Go package yet.
func rootPackage(dir string) (name, path string, err error) {
	cmd := exec.Command("go", "list", "-e", "-f", "{{.Name}} {{.ImportPath}}", ".")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", "", fmt.Errorf("go list in %s: %v", dir, err)
	}
	name, path, _ = strings.Cut(strings.TrimSpace(string(out)), " ")
	if token.IsIdentifier(name) {
		return name, path, nil
	}
	name = strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9_]`).ReplaceAllString(filepath.Base(dir), ""))
	if name == "" || !token.IsIdentifier(name) || token.IsKeyword(name) {
		name = "tree"
	}
	return name, path, nil
}

// treeDeps maps the import path of every package under dir to the set of
// packages it depends on, directly or not.
func treeDeps(dir string) (map[string]map[string]bool, error) {
	cmd := exec.Command("go", "list", "-e", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./...")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list ./... in %s: %v", dir, err)
	}
	deps := map[string]map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		set := map[string]bool{}
		for _, d := range f[1:] {
			set[d] = true
		}
		deps[f[0]] = set
	}
	return deps, nil
}

// unmountable says why the registry cannot mount pkg, or "": a main
// package cannot be imported, a package that imports the root would make
// an import cycle through the registry, and two packages may not share a
// namespace.
func unmountable(pkg *model.Package, root, rootPath string, deps map[string]map[string]bool, namespace bool, namespaces map[string]string) string {
	if pkg.Dir == root {
		return ""
	}
	if pkg.Name == "main" {
		return "package main cannot be imported by the tree's registry, so it is left out: serve it on its own, or move its components to a package of their own"
	}
	if deps[pkg.Path][rootPath] {
		return fmt.Sprintf("package %s imports %s, the tree's root, which imports it back through %s: an import cycle, so it is left out", pkg.Path, rootPath, TreeFileName)
	}
	if namespace {
		rel, _ := filepath.Rel(root, pkg.Dir)
		ns := namespaceOf(rel)
		if other, dup := namespaces[ns]; dup {
			return fmt.Sprintf("package %s would be namespaced %q, as %s is: rename one of their directories; it is left out", pkg.Path, ns, other)
		}
		namespaces[ns] = pkg.Path
	}
	return ""
}

// packagePos is the position of a package's clause in its first file,
// relative to wd, for a problem with the package as a whole.
func packagePos(wd, dir string) model.Pos {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == FileName {
			continue
		}
		fset := token.NewFileSet()
		af, err := parser.ParseFile(fset, f, nil, parser.PackageClauseOnly)
		if err != nil {
			continue
		}
		p := fset.Position(af.Package)
		if rel, err := filepath.Rel(wd, f); err == nil {
			f = rel
		}
		return model.Pos{File: f, Line: p.Line, Col: p.Column}
	}
	return model.Pos{File: dir, Line: 1, Col: 1}
}

// namespaceOf is the namespace of a package at rel under the root.
func namespaceOf(rel string) string {
	return regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(filepath.ToSlash(rel), "_")
}

func treeFile(root, name string, pkgs []*model.Package, namespace bool) ([]byte, error) {
	const runtimePkg = "github.com/mcpgen/mcpgen/runtime"
	const transformPkg = "github.com/mcpgen/mcpgen/runtime/transform"
	f := jen.NewFile(name)
	f.ImportNames(map[string]string{runtimePkg: "runtime", transformPkg: "transform"})
	f.HeaderComment(emit.Header("tree " + filepath.Base(root)))
	var items []jen.Code
	var listing []string
	for _, p := range pkgs {
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			return nil, err
		}
		var comps *jen.Statement
		if rel == "." {
			comps = jen.Id("Components").Call()
		} else {
			comps = jen.Qual(p.Path, "Components").Call()
		}
		if namespace && rel != "." {
			ns := namespaceOf(rel)
			items = append(items, jen.Qual(runtimePkg, "WithTransforms").Call(comps, jen.Qual(transformPkg, "Namespace").Call(jen.Lit(ns))))
			listing = append(listing, fmt.Sprintf("%s (namespace %s)", filepath.ToSlash(rel), ns))
		} else {
			items = append(items, comps)
			listing = append(listing, filepath.ToSlash(rel))
		}
	}
	f.Comment("Providers returns the components of every annotated package of this tree,")
	f.Comment("in import path order:")
	f.Comment("")
	for _, l := range listing {
		f.Comment("  - " + l)
	}
	if len(listing) == 0 {
		f.Comment("  (none)")
	}
	f.Func().Id("Providers").Params().Index().Qual(runtimePkg, "Provider").Block(
		jen.Return(jen.Index().Qual(runtimePkg, "Provider").Custom(jen.Options{Open: "{", Close: "}", Separator: ",", Multi: true}, items...)),
	)
	f.Line()
	f.Comment("Mount mounts every provider of Providers on srv.")
	f.Func().Id("Mount").Params(jen.Id("srv").Op("*").Qual(runtimePkg, "Server")).Error().Block(
		jen.For(jen.List(jen.Id("_"), jen.Id("p")).Op(":=").Range().Id("Providers").Call()).Block(
			jen.If(jen.Err().Op(":=").Id("srv").Dot("Mount").Call(jen.Id("p")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		),
		jen.Return(jen.Nil()),
	)
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write writes t's stale files and returns their paths.
func (t *Tree) Write() ([]string, error) {
	var written []string
	for _, f := range t.Files {
		if !f.Stale() {
			continue
		}
		if err := f.Write(); err != nil {
			return written, err
		}
		written = append(written, f.Path)
	}
	return written, nil
}
