// Package synth writes synthetic Go modules holding a package of many
// annotated MCP tools, and times mcpgen generate and go build on them, to
// check the generator's targets for large packages (DESIGN: 500 tools
// generate in under 3 s and the result compiles in under 10 s).
package synth

import (
	"bytes"
	"context"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// PackageDir is the directory, relative to the module root, that holds the
// synthetic package.
const PackageDir = "tools"

// ModulePath is the synthetic module's path.
const ModulePath = "example.com/synthetic"

// toolsPerFile is how many tools each source file declares, so that a large
// package is spread over files the way real ones are.
const toolsPerFile = 50

// WritePackage writes a Go package named tools into dir declaring n
// annotated tools. The tools rotate through five shapes: struct arguments
// and result with string, integer, boolean and slice constraints; a pattern,
// an enum type, a float range and a nested struct returning text; no
// arguments; arguments and only an error; and a versioned, destructive tool
// with a timeout returning a map and a slice of structs.
func WritePackage(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeGo(filepath.Join(dir, "types.go"), sharedTypes); err != nil {
		return err
	}
	for start := 0; start < n; start += toolsPerFile {
		var b bytes.Buffer
		b.WriteString("package tools\n\nimport (\n\t\"context\"\n\t\"errors\"\n\t\"strconv\"\n\t\"strings\"\n)\n\n")
		b.WriteString("var (\n\t_ = errors.New\n\t_ = strconv.Itoa\n\t_ = strings.Repeat\n)\n")
		for i := start; i < min(start+toolsPerFile, n); i++ {
			writeTool(&b, i)
		}
		if err := writeGo(filepath.Join(dir, fmt.Sprintf("tools_%03d.go", start/toolsPerFile)), b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func writeGo(path string, src []byte) error {
	formatted, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("formatting %s: %v\n%s", path, err, src)
	}
	return os.WriteFile(path, formatted, 0o644)
}

var sharedTypes = []byte(`// Package tools is a synthetic package of annotated MCP tools, written by
// github.com/mcpgen/mcpgen/bench/synth to measure the generator.
package tools

// Level is a severity.
type Level string

// The severities a tool accepts.
const (
	Debug Level = "debug"
	Info  Level = "info"
	Warn  Level = "warn"
	Error Level = "error"
)

// Item is one entry of a listing.
type Item struct {
	ID    string  ` + "`json:\"id\"`" + `
	Name  string  ` + "`json:\"name\"`" + `
	Score float64 ` + "`json:\"score\"`" + `
}

// Target is a network endpoint.
type Target struct {
	Host string ` + "`json:\"host\" mcp:\"minLength=1,maxLength=253,desc=Host name or address\"`" + `
	Port int    ` + "`json:\"port\" mcp:\"min=1,max=65535\"`" + `
}
`)

// writeTool appends tool i, with its argument and result types, to b.
func writeTool(b *bytes.Buffer, i int) {
	name := fmt.Sprintf("Tool%03d", i)
	r := strings.NewReplacer("NAME", name, "NUM", fmt.Sprint(i), "BT", "`")
	var src string
	switch i % 5 {
	case 0:
		src = `
// NAMEArgs are the arguments of NAME.
type NAMEArgs struct {
	Query string   BTjson:"query" mcp:"minLength=1,maxLength=200,desc=Text to look for"BT
	Limit int      BTjson:"limit,omitempty" mcp:"min=1,max=100,default=10"BT
	Tags  []string BTjson:"tags,omitempty" mcp:"maxItems=8"BT
	Exact bool     BTjson:"exact,omitempty"BT
}

// NAMEResult is what NAME returns.
type NAMEResult struct {
	Query string BTjson:"query"BT
	Count int    BTjson:"count"BT
	Items []Item BTjson:"items"BT
}

// NAME searches collection NUM and returns the best matches.
//
//mcp:tool readonly tags=search
func NAME(ctx context.Context, in NAMEArgs) (NAMEResult, error) {
	out := NAMEResult{Query: in.Query}
	for k := range min(in.Limit, 3) {
		out.Items = append(out.Items, Item{ID: strconv.Itoa(NUM*10 + k), Name: in.Query, Score: 1 / float64(k+1)})
	}
	out.Count = len(out.Items)
	return out, nil
}
`
	case 1:
		src = `
// NAMEArgs are the arguments of NAME.
type NAMEArgs struct {
	Name   string  BTjson:"name" mcp:"pattern=^[a-z][a-z0-9_]*$,desc=Identifier to describe"BT
	Level  Level   BTjson:"level,omitempty" mcp:"default=info"BT
	Weight float64 BTjson:"weight" mcp:"min=0,max=1"BT
	Target Target  BTjson:"target"BT
}

// NAME describes a name at a level for a target, as text.
//
//mcp:tool readonly idempotent
func NAME(ctx context.Context, in NAMEArgs) (string, error) {
	return in.Name + "@" + in.Target.Host + ":" + strconv.Itoa(in.Target.Port) + " " + string(in.Level), nil
}
`
	case 2:
		src = `
// NAMEResult is what NAME returns.
type NAMEResult struct {
	Status string BTjson:"status"BT
	Uptime int    BTjson:"uptime"BT
}

// NAME reports the status of subsystem NUM.
//
//mcp:tool readonly
func NAME(ctx context.Context) (NAMEResult, error) {
	return NAMEResult{Status: "ok", Uptime: NUM}, nil
}
`
	case 3:
		src = `
// NAMEArgs are the arguments of NAME.
type NAMEArgs struct {
	ID   string  BTjson:"id" mcp:"minLength=1,maxLength=64"BT
	Note *string BTjson:"note,omitempty"BT
}

// NAME acknowledges alert NUM.
//
//mcp:tool idempotent
func NAME(ctx context.Context, in NAMEArgs) error {
	if strings.TrimSpace(in.ID) == "" {
		return errors.New("blank id")
	}
	return nil
}
`
	case 4:
		src = `
// NAMEArgs are the arguments of NAME.
type NAMEArgs struct {
	Keys   []string BTjson:"keys" mcp:"minItems=1,maxItems=20"BT
	DryRun bool     BTjson:"dry_run,omitempty"BT
	Batch  int      BTjson:"batch,omitempty" mcp:"min=1,max=1000,default=100"BT
}

// NAMEResult is what NAME returns.
type NAMEResult struct {
	Counts  map[string]int BTjson:"counts"BT
	Removed []Item         BTjson:"removed"BT
}

// NAME deletes keys from store NUM in batches.
//
//mcp:tool version=1.2 destructive tags=admin timeout=5s
func NAME(ctx context.Context, in NAMEArgs) (NAMEResult, error) {
	out := NAMEResult{Counts: map[string]int{}}
	for _, k := range in.Keys {
		out.Counts[k]++
		if !in.DryRun {
			out.Removed = append(out.Removed, Item{ID: k, Name: k})
		}
	}
	return out, nil
}
`
	}
	b.WriteString(r.Replace(src))
}

// Module is a synthetic module on disk whose package of tools refers to
// mcpgen's runtime through a replace directive.
type Module struct {
	Dir string // module root
	N   int    // number of tools
}

// NewModule writes into dir (created if needed) a module that requires
// github.com/mcpgen/mcpgen from the checkout at mcpgenRoot, with a package
// of n tools in its tools directory. go.sum is seeded from mcpgen's.
func NewModule(dir, mcpgenRoot string, n int) (*Module, error) {
	root, err := filepath.Abs(mcpgenRoot)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	gomod := fmt.Sprintf("module %s\n\ngo 1.26.0\n\nrequire github.com/mcpgen/mcpgen v0.0.0\n\nreplace github.com/mcpgen/mcpgen => %s\n", ModulePath, root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return nil, err
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		return nil, err
	}
	if err := WritePackage(filepath.Join(dir, PackageDir), n); err != nil {
		return nil, err
	}
	return &Module{Dir: dir, N: n}, nil
}

// BuildGenerator compiles mcpgen's command from the checkout at mcpgenRoot
// into out, so that timing generate leaves the compiler out.
func BuildGenerator(ctx context.Context, mcpgenRoot, out string) error {
	_, err := run(ctx, mcpgenRoot, "go", "build", "-o", out, "./cmd/mcpgen")
	return err
}

// Generate runs `mcpgen generate ./tools` in the module with the compiled
// generator and returns how long it took, start to exit.
func (m *Module) Generate(ctx context.Context, mcpgen string) (time.Duration, error) {
	return run(ctx, m.Dir, mcpgen, "generate", "./"+PackageDir)
}

// Generated returns the generated file's contents.
func (m *Module) Generated() ([]byte, error) {
	return os.ReadFile(filepath.Join(m.Dir, PackageDir, "mcp_gen.go"))
}

// Tidy completes go.mod and go.sum for the imports the generated code adds
// and compiles mcpgen's runtime, so that a later Build times the synthetic
// package alone, as a user's rebuild after generating would.
func (m *Module) Tidy(ctx context.Context) error {
	if _, err := run(ctx, m.Dir, "go", "mod", "tidy"); err != nil {
		return err
	}
	_, err := run(ctx, m.Dir, "go", "build", "github.com/mcpgen/mcpgen/runtime/...")
	return err
}

// Build runs `go build ./...` in the module and returns how long it took.
func (m *Module) Build(ctx context.Context) (time.Duration, error) {
	return run(ctx, m.Dir, "go", "build", "./...")
}

// Vet runs `go vet ./...` in the module.
func (m *Module) Vet(ctx context.Context) error {
	_, err := run(ctx, m.Dir, "go", "vet", "./...")
	return err
}

// run runs a command in dir and returns its wall-clock time; on failure the
// error holds the command's combined output.
func run(ctx context.Context, dir, name string, args ...string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	// -mod=mod lets go.mod gain the requirements that generated code adds
	// (a user would run go mod tidy or go get).
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if err != nil {
		return elapsed, fmt.Errorf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return elapsed, nil
}
