package openapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/openapi"
	"github.com/mcpgen/mcpgen/runtime/transform"
)

const doc = `{"openapi":"3.0.3","info":{"title":"books","version":"1"},"paths":{
  "/books/{isbn}":{"get":{"operationId":"getBook","summary":"A book by ISBN","tags":["books"],
    "parameters":[{"name":"isbn","in":"path","required":true,"schema":{"type":"string"}}],
    "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object","properties":{"title":{"type":"string"}}}}}}}}},
  "/books":{"get":{"operationId":"listBooks","tags":["books"],"responses":{"200":{"description":"ok"}}},
    "post":{"operationId":"addBook","tags":["admin"],"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"title":{"type":"string"}}}}}},"responses":{"201":{"description":"ok"}}}}}}`

// The README's OpenAPI snippet, run against a real API.
func TestReadmeOpenAPI(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/openapi.json":
			w.Write([]byte(doc))
		case r.Header.Get("X-Api-Key") != "k":
			http.Error(w, "no key", http.StatusUnauthorized)
		case r.URL.Path == "/books/978-0":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"title":"Go"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer api.Close()
	ctx := context.Background()
	apiKey := "k"
	specURL := api.URL + "/openapi.json"
	srv := runtime.NewServer(&runtime.Implementation{Name: "books", Version: "1"}, nil)

	// README: openapi
	books, err := openapi.Load(ctx, specURL, openapi.Options{
		Headers: http.Header{"X-Api-Key": {apiKey}},
		RouteMaps: []openapi.RouteMap{
			{Tags: []string{"admin"}, Kind: openapi.Exclude},
			{Methods: []string{"GET"}, Pattern: `\{`, Kind: openapi.ResourceTemplate}, // openapi://getBook/{isbn}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Mount(books, transform.Namespace("books")); err != nil {
		t.Fatal(err)
	}
	// README end

	ct, st := mcp.NewInMemoryTransports()
	ss, err := srv.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	lt, err := cs.ListTools(ctx, nil)
	if err != nil || len(lt.Tools) != 1 || lt.Tools[0].Name != "books_listBooks" {
		t.Fatalf("tools = %+v, %v", lt, err)
	}
	lrt, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(lrt.ResourceTemplates) != 1 {
		t.Fatalf("templates = %+v, %v", lrt, err)
	}
	uri := strings.Replace(lrt.ResourceTemplates[0].URITemplate, "{isbn}", "978-0", 1)
	rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
	if err != nil || rr.Contents[0].Text != `{"title":"Go"}` {
		t.Fatalf("read %s = %+v, %v", uri, rr, err)
	}
	readme.Check(t, "../../README.md", "example_test.go", "openapi")
}
