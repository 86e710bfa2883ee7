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

// generate-client against an mcpgen server with every result shape: the
// client compiles, vets, and decodes each result (a map stays a map).
func TestGenerateClientResultShapes(t *testing.T) {
	t.Parallel()
	mod := tempModule(t, "example.com/app")
	srv := filepath.Join(mod, "shapes")
	if err := os.MkdirAll(srv, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(srv, "main.go"), []byte(shapesServer), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runIn(t, mod, []string{"GOFLAGS=-mod=mod", "GOPROXY=off"}, mcpgenBinary(t), "generate", "./shapes"); code != 0 {
		t.Fatalf("generate: exit %d %s", code, errOut)
	}
	bin := filepath.Join(mod, "shapes-server")
	goRun(t, mod, "build", "-o", bin, "./shapes")
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
