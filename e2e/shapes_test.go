package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shapesServer is an mcpgen server with one tool per result shape the
// generator accepts.
const shapesServer = `// Command shapes has one tool per result shape.
package main

import (
	"context"
	"log"

	"github.com/mcpgen/mcpgen/runtime"
)

// Point is a struct result.
type Point struct {
	X int    ` + "`json:\"x\"`" + `
	Label string ` + "`json:\"label,omitempty\"`" + `
}

// Where returns a struct.
//
//mcp:tool
func Where(ctx context.Context) (Point, error) { return Point{X: 3, Label: "here"}, nil }

// Counts returns a map.
//
//mcp:tool
func Counts(ctx context.Context) (map[string]int, error) {
	return map[string]int{"apples": 2, "pears": 5}, nil
}

// Nested returns a map of structs.
//
//mcp:tool
func Nested(ctx context.Context) (map[string]Point, error) {
	return map[string]Point{"a": {X: 1}}, nil
}

// Names returns a slice.
//
//mcp:tool
func Names(ctx context.Context) ([]string, error) { return []string{"ann", "bo"}, nil }

// Answer returns a scalar.
//
//mcp:tool
func Answer(ctx context.Context) (int, error) { return 42, nil }

// Greeting returns a string.
//
//mcp:tool
func Greeting(ctx context.Context) (string, error) { return "hello", nil }

// Pixel returns bytes.
//
//mcp:tool mime=image/png
func Pixel(ctx context.Context) ([]byte, error) { return []byte{1, 2, 3}, nil }

// Card returns content.
//
//mcp:tool
func Card(ctx context.Context) (runtime.Content, error) {
	return &runtime.TextContent{Text: "card"}, nil
}

// Cards returns contents.
//
//mcp:tool
func Cards(ctx context.Context) ([]runtime.Content, error) {
	return []runtime.Content{&runtime.TextContent{Text: "one"}, &runtime.TextContent{Text: "two"}}, nil
}

// Full returns a full result.
//
//mcp:tool
func Full(ctx context.Context) (*runtime.CallToolResult, error) {
	return &runtime.CallToolResult{Content: []runtime.Content{&runtime.TextContent{Text: "full"}}}, nil
}

func main() {
	s := runtime.NewServer(&runtime.Implementation{Name: "shapes", Version: "1"}, nil)
	if err := s.Add(Components()); err != nil {
		log.Fatal(err)
	}
	if err := s.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
}
`

const shapesMain = `package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"example.com/app/shapesclient"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func main() {
	ctx := context.Background()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "app", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: exec.Command(os.Args[1])}, nil)
	if err != nil {
		panic(err)
	}
	defer cs.Close()
	c := shapesclient.New(cs)
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	where, err := c.Where(ctx)
	must(err)
	fmt.Printf("where: %d %s\n", where.X, where.Label)
	counts, err := c.Counts(ctx)
	must(err)
	fmt.Printf("counts: %T %v\n", counts, counts)
	nested, err := c.Nested(ctx)
	must(err)
	fmt.Printf("nested: %d\n", nested["a"].X)
	names, err := c.Names(ctx)
	must(err)
	fmt.Printf("names: %v\n", names.Result)
	answer, err := c.Answer(ctx)
	must(err)
	fmt.Printf("answer: %T %d\n", answer.Result, answer.Result)
	for _, call := range []func(context.Context) (*mcp.CallToolResult, error){c.Greeting, c.Pixel, c.Card, c.Cards, c.Full} {
		r, err := call(ctx)
		must(err)
		fmt.Printf("content: %d %q\n", len(r.Content), client.Text(r.Content))
	}
}
`

// buildServer writes src as package dir of a temp module, runs mcpgen
// generate on it and builds it, returning the module and the binary.
func buildServer(t *testing.T, dir, src string) (string, string) {
	t.Helper()
	mod := tempModule(t, "example.com/app")
	if err := os.MkdirAll(filepath.Join(mod, dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runIn(t, mod, tempModuleEnv, mcpgenBinary(t), "generate", "./"+dir); code != 0 {
		t.Fatalf("generate: exit %d %s", code, errOut)
	}
	bin := filepath.Join(mod, dir+"-server")
	goRun(t, mod, "build", "-o", bin, "./"+dir)
	return mod, bin
}

// generate-client against an mcpgen server with every result shape: the
// client compiles, vets, and decodes each result (a map stays a map).
func TestGenerateClientResultShapes(t *testing.T) {
	t.Parallel()
	mod, bin := buildServer(t, "shapes", shapesServer)
	if _, errOut, code := run(t, mod, "generate-client", "-o", "shapesclient", "--", bin); code != 0 {
		t.Fatalf("generate-client: exit %d %s", code, errOut)
	}
	if err := os.WriteFile(filepath.Join(mod, "main.go"), []byte(shapesMain), 0o644); err != nil {
		t.Fatal(err)
	}
	goRun(t, mod, "vet", "./...")
	out := goRun(t, mod, "run", ".", bin)
	for _, want := range []string{
		"where: 3 here",
		"counts: map[string]int64 map[apples:2 pears:5]",
		"nested: 1",
		"names: [ann bo]",
		"answer: int64 42",
		`content: 1 "hello"`,
		`content: 1 ""`, // the image
		`content: 1 "card"`,
		`content: 2 "one\ntwo"`,
		`content: 1 "full"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

const versionsServer = `// Command greeter has a tool at two versions.
package main

import (
	"context"
	"log"

	"github.com/mcpgen/mcpgen/runtime"
)

// GreetV1 greets, the old way.
//
//mcp:tool name=greet version=1.0
func GreetV1(ctx context.Context) (string, error) { return "v1 asked for " + runtime.RequestFrom(ctx).Version, nil }

// GreetV2 greets.
//
//mcp:tool name=greet version=2.0
func GreetV2(ctx context.Context) (string, error) { return "v2 asked for " + runtime.RequestFrom(ctx).Version, nil }

// Plain has no version.
//
//mcp:tool
func Plain(ctx context.Context) (string, error) { return "plain asked for " + runtime.RequestFrom(ctx).Version, nil }

func main() {
	s := runtime.NewServer(&runtime.Implementation{Name: "greeter", Version: "1"}, nil)
	if err := s.Add(Components()); err != nil {
		log.Fatal(err)
	}
	if err := s.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
}
`

// A generated CLI calls a versioned tool at the version it was generated
// for, in _meta, and an unversioned one without.
func TestGenerateCLISendsVersion(t *testing.T) {
	t.Parallel()
	_, server := buildServer(t, "greeter", versionsServer)
	bin := buildCLI(t, "greeter", "--", server)
	out, errOut, code := runCLI(t, bin, "greet")
	if code != 0 || strings.TrimSpace(out) != "v2 asked for 2.0" {
		t.Errorf("greet: %d %q %s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, bin, "plain")
	if code != 0 || strings.TrimSpace(out) != "plain asked for" {
		t.Errorf("plain: %d %q %s", code, out, errOut)
	}
}
