package petstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgen/mcpgen/examples/petstore"
	"github.com/mcpgen/mcpgen/internal/openapitest"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/openapi"
)

// The committed document is the one the test API serves.
func TestDocument(t *testing.T) {
	b, err := os.ReadFile("petstore.json")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(b)), strings.TrimSpace(openapitest.Doc("https://petstore.example")); got != want {
		t.Error("petstore.json differs from internal/openapitest's document: copy it over and run go generate ./examples/petstore")
	}
}

func connect(t *testing.T, p runtime.Provider) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	s := runtime.NewServer(&runtime.Implementation{Name: "petstore", Version: "1"}, nil)
	if err := s.Add(p); err != nil {
		t.Fatal(err)
	}
	ct, st := mcp.NewInMemoryTransports()
	ss, err := s.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// Every call goes through the dynamic provider and through the generated
// package: both send the API the same request and give the same answer.
func TestGeneratedMatchesDynamic(t *testing.T) {
	api := openapitest.NewBackend(t)
	if err := petstore.Configure(openapi.Options{BaseURL: api.URL + "/v1"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { petstore.Configure(openapi.Options{}) })
	dyn, err := openapi.New(context.Background(), []byte(openapitest.Doc(api.URL)), openapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sessions := map[string]*mcp.ClientSession{"dynamic": connect(t, dyn), "generated": connect(t, petstore.Components())}

	// The same tools, with the same names and annotations.
	var lists []string
	for _, which := range []string{"dynamic", "generated"} {
		lt, err := sessions[which].ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tl := range lt.Tools {
			a, _ := json.Marshal(tl.Annotations)
			names = append(names, tl.Name+" "+string(a))
		}
		lists = append(lists, strings.Join(names, "\n"))
	}
	if lists[0] != lists[1] {
		t.Errorf("tools differ:\ndynamic:\n%s\ngenerated:\n%s", lists[0], lists[1])
	}

	calls := []struct {
		tool string
		args map[string]any
		ok   bool
	}{
		{"listPets", map[string]any{}, true},
		{"listPets", map[string]any{"limit": 5, "tags": []string{"a", "b c"}, "X-Trace": "tr"}, true},
		{"listPets", map[string]any{"limit": 0}, false},
		{"createPet", map[string]any{"name": "kit", "status": "sold", "tag": nil}, true},
		{"createPet", map[string]any{"name": "kit", "status": "sold", "tag": "cat"}, true},
		{"createPet", map[string]any{"name": "kit"}, false}, // the API answers status null: not the documented schema
		{"createPet", map[string]any{"status": "sold"}, false},
		{"createPet", map[string]any{"name": "kit", "status": "lost"}, false},
		{"getPet", map[string]any{"petId": 1}, true},
		{"getPet", map[string]any{"petId": 9}, false},
		{"deletePet", map[string]any{"petId": 1, "X-Request-Id": "r1"}, true},
		{"deletePet", map[string]any{"petId": 1}, false},
		{"getPhoto", map[string]any{"petId": 1}, true},
		{"getFile", map[string]any{"name": "a b?c#d%e"}, true},
		{"getFile", map[string]any{"name": "../../admin"}, false},
		{"getFile", map[string]any{"name": "%2e%2e%2fadmin"}, false},
	}
	for _, c := range calls {
		var answers, requests []string
		for _, which := range []string{"dynamic", "generated"} {
			before := api.Count()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			res, err := sessions[which].CallTool(ctx, &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
			cancel()
			if err != nil {
				t.Fatalf("%s %s: %v", which, c.tool, err)
			}
			if res.IsError == c.ok {
				t.Errorf("%s %s %v: IsError %v: %+v", which, c.tool, c.args, res.IsError, res.Content)
			}
			if res.IsError {
				answers = append(answers, "error") // the messages differ: generated checks say it their way
			} else {
				js, _ := json.Marshal(res)
				answers = append(answers, string(js))
			}
			req := "none"
			if api.Count() > before {
				r, body := api.Last()
				req = fmt.Sprintf("%s %s trace=%q id=%q type=%q %s", r.Method, r.URL.RequestURI(), r.Header.Get("X-Trace"), r.Header.Get("X-Request-Id"), r.Header.Get("Content-Type"), body)
			}
			requests = append(requests, req)
		}
		if answers[0] != answers[1] {
			t.Errorf("%s %v: answers differ:\ndynamic:   %s\ngenerated: %s", c.tool, c.args, answers[0], answers[1])
		}
		if requests[0] != requests[1] {
			t.Errorf("%s %v: requests differ:\ndynamic:   %s\ngenerated: %s", c.tool, c.args, requests[0], requests[1])
		}
	}
	if api.Admin() != 0 {
		t.Errorf("/admin was reached %d times", api.Admin())
	}
}
