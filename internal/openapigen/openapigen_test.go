package openapigen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/internal/check"
	"github.com/mcpgen/mcpgen/internal/openapitest"
)

var update = flag.Bool("update", false, "rewrite examples/petstore/openapi_gen.go")

// examples/petstore/openapi_gen.go is the golden file: what Generate
// writes for petstore.json, as go generate ./examples/petstore would.
func TestGolden(t *testing.T) {
	doc, err := os.ReadFile("../../examples/petstore/petstore.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Generate(context.Background(), doc, Options{Package: "petstore", Source: "petstore.json"})
	if err != nil {
		t.Fatal(err)
	}
	const golden = "../../examples/petstore/" + FileName
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go generate ./examples/petstore (or go test ./internal/openapigen -update) and review the diff", golden)
	}
	again, _ := Generate(context.Background(), doc, Options{Package: "petstore", Source: "petstore.json"})
	if !bytes.Equal(got, again) {
		t.Error("two runs of Generate differ")
	}
}

// A package generated from a document, locked, then regenerated from a
// changed document: mcpgen check reports the changes that break clients.
func TestDocumentChangeIsABreakingChange(t *testing.T) {
	ctx := context.Background()
	id := make([]byte, 4)
	rand.Read(id)
	// Inside this module, so that the package builds against this runtime;
	// testdata keeps it out of ./... patterns.
	dir := filepath.Join("testdata", "tmp-"+hex.EncodeToString(id))
	t.Cleanup(func() { os.RemoveAll(dir) })
	doc := openapitest.Doc("https://petstore.example")
	opts := Options{Package: "pets", Source: "petstore.json"}
	written, err := Write(ctx, []byte(doc), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 3 {
		t.Fatalf("wrote %v, want openapi_gen.go, mcp_gen.go and the lock", written)
	}
	if res, err := check.Run(dir, "."); err != nil || len(res.Problems) != 0 {
		t.Fatalf("check of the fresh package: %v %v", res, err)
	}
	// limit becomes required, getFile goes away.
	changed := strings.Replace(doc, `{"name": "limit", "in": "query", "schema"`, `{"name": "limit", "in": "query", "required": true, "schema"`, 1)
	changed = strings.Replace(changed, `"/files/{name}"`, `"/archive/{name}"`, 1)
	changed = strings.Replace(changed, `"operationId": "getFile"`, `"operationId": "getArchive"`, 1)
	if changed == doc {
		t.Fatal("the document did not change")
	}
	if _, err := Write(ctx, []byte(changed), dir, opts); err != nil {
		t.Fatal(err)
	}
	res, err := check.Run(dir, ".")
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	for _, p := range res.Problems {
		report.WriteString(p.String() + "\n")
	}
	t.Logf("mcpgen check:\n%s", report.String())
	for _, want := range []string{"listPets", "limit", "getFile"} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("the report does not mention %s:\n%s", want, report.String())
		}
	}
}

// A hostile document cannot put code, directives or options into the
// generated package: summaries, descriptions and tags end up in comments
// and tag values only, and the package still generates and builds.
func TestHostileDocument(t *testing.T) {
	ctx := context.Background()
	doc := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"servers":[{"url":"https://api.example"}],"paths":{
	  "/x/{id}":{"get":{"operationId":"getX",
	    "summary":"Gets */ func init() { panic(\"pwned\") } /* x",
	    "description":"line one\n//go:generate rm -rf /\nmcp:tool name=evil destructive\n/* open\r\u2028end",
	    "tags":["a b","readonly timeout=1s","ok"],
	    "parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string","description":"/* never closed"}}],
	    "responses":{"200":{"description":"ok"}}}}}}`
	src, err := Generate(ctx, []byte(doc), Options{Package: "hostile", Source: "hostile.json"})
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "openapi_gen.go", src, parser.ParseComments)
	if err != nil {
		t.Fatalf("the generated file does not parse: %v\n%s", err, src)
	}
	var funcs []string
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			funcs = append(funcs, fd.Name.Name)
		}
	}
	if want := []string{"Configure", "mustClient", "GetX"}; !slices.Equal(funcs, want) {
		t.Errorf("functions = %v, want %v", funcs, want)
	}
	for _, bad := range []string{"\n//go:generate", "\n// mcp:tool name=evil", "timeout=1s", "tags=a b"} {
		if strings.Contains(string(src), bad) {
			t.Errorf("the generated file holds %q:\n%s", bad, src)
		}
	}
	if !strings.Contains(string(src), "//mcp:tool name=getX tags=a-b,ok,readonly-timeout-1s readonly openworld\n") {
		t.Errorf("the directive is not the expected one:\n%s", src)
	}
	// mcpgen generate accepts the package: no stray directive.
	id := make([]byte, 4)
	rand.Read(id)
	dir := filepath.Join("testdata", "tmp-"+hex.EncodeToString(id))
	t.Cleanup(func() { os.RemoveAll(dir) })
	if _, err := Write(ctx, []byte(doc), dir, Options{Package: "hostile", Source: "hostile.json"}); err != nil {
		t.Fatalf("generating the package: %v", err)
	}
}
