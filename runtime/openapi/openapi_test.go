package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/mcpgen/mcpgen/internal/openapitest"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgen/mcpgen/runtime"
)

// serve builds a provider from the backend's document and serves it to an
// in-memory go-sdk client.
func serve(t *testing.T, b *openapitest.Backend, opts Options) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	p, err := Load(ctx, b.URL+"/openapi.json", opts)
	if err != nil {
		t.Fatal(err)
	}
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

func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func TestToolsFromDocument(t *testing.T) {
	b := openapitest.NewBackend(t)
	cs := serve(t, b, Options{})
	lt, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	tools := map[string]*mcp.Tool{}
	for _, tl := range lt.Tools {
		names = append(names, tl.Name)
		tools[tl.Name] = tl
	}
	want := []string{"createPet", "deletePet", "getFile", "getPet", "getPhoto", "listPets"}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Fatalf("tools = %v, want %v", names, want)
	}
	// The body's properties are top-level arguments; $refs become $defs;
	// nullable becomes a null type.
	in, _ := json.Marshal(tools["createPet"].InputSchema)
	for _, frag := range []string{`"name":{"minLength":1,"type":"string"}`, `"$ref":"#/$defs/Status"`, `"type":["string","null"]`, `"required":["name"]`, `"additionalProperties":false`} {
		if !strings.Contains(string(in), frag) {
			t.Errorf("createPet input schema lacks %s:\n%s", frag, in)
		}
	}
	if tools["getPet"].OutputSchema == nil || tools["getFile"].OutputSchema != nil {
		t.Errorf("output schemas: getPet %v, getFile %v; want one for the JSON object only", tools["getPet"].OutputSchema, tools["getFile"].OutputSchema)
	}
	if tools["listPets"].Description != "List pets" || !tools["listPets"].Annotations.ReadOnlyHint {
		t.Errorf("listPets = %+v", tools["listPets"])
	}
	if a := tools["deletePet"].Annotations; a.DestructiveHint == nil || !*a.DestructiveHint {
		t.Errorf("deletePet annotations = %+v", a)
	}
}

func TestCalls(t *testing.T) {
	b := openapitest.NewBackend(t)
	cs := serve(t, b, Options{Headers: http.Header{"X-Api-Key": {"k1"}}})

	res := call(t, cs, "listPets", map[string]any{"limit": 5, "tags": []string{"a", "b c"}, "X-Trace": "tr"})
	if res.IsError {
		t.Fatalf("listPets: %s", text(res))
	}
	r, _ := b.Last()
	if r.URL.Path != "/v1/pets" || r.URL.RawQuery != "limit=5&tags=a&tags=b+c" || r.Header.Get("X-Trace") != "tr" || r.Header.Get("X-Api-Key") != "k1" {
		t.Errorf("request = %s %s?%s trace %q key %q", r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Trace"), r.Header.Get("X-Api-Key"))
	}
	if !strings.Contains(text(res), `"echo":{"limit":"5","tags":"a|b c","trace":"tr"}`) {
		t.Errorf("listPets = %s", text(res))
	}

	res = call(t, cs, "createPet", map[string]any{"name": "kit", "status": "sold", "tag": nil})
	if res.IsError {
		t.Fatalf("createPet: %s", text(res))
	}
	r, body := b.Last()
	if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" || body != `{"name":"kit","status":"sold","tag":null}` {
		t.Errorf("createPet sent %s %q %s", r.Method, r.Header.Get("Content-Type"), body)
	}
	if sc, _ := json.Marshal(res.StructuredContent); string(sc) != `{"id":7,"name":"kit","status":"sold","tag":null}` {
		t.Errorf("createPet structured = %s", sc)
	}

	// Invalid arguments never reach the API.
	before := b.Count()
	for _, args := range []map[string]any{
		{"status": "sold"},                 // name missing
		{"name": "kit", "status": "lost"},  // not in the enum
		{"name": ""},                       // too short
		{"name": "kit", "colour": "black"}, // unknown argument
	} {
		res = call(t, cs, "createPet", args)
		if !res.IsError {
			t.Errorf("createPet %v succeeded", args)
		}
	}
	res = call(t, cs, "listPets", map[string]any{"limit": 0})
	if !res.IsError || !strings.Contains(text(res), "limit") {
		t.Errorf("listPets limit 0 = %s", text(res))
	}
	if b.Count() != before {
		t.Errorf("%d invalid calls reached the API", b.Count()-before)
	}

	res = call(t, cs, "getPet", map[string]any{"petId": 1})
	if sc, _ := json.Marshal(res.StructuredContent); res.IsError || string(sc) != `{"friend":{"id":2,"name":"tom"},"id":1,"name":"rex"}` {
		t.Errorf("getPet 1 = %s %s", text(res), sc)
	}
	res = call(t, cs, "getPet", map[string]any{"petId": 9})
	if !res.IsError || !strings.Contains(text(res), "404 Not Found") || !strings.Contains(text(res), "pet not found") {
		t.Errorf("getPet 9 = %v %s", res.IsError, text(res))
	}

	res = call(t, cs, "deletePet", map[string]any{"petId": 1})
	if !res.IsError || !strings.Contains(text(res), "X-Request-Id") {
		t.Errorf("deletePet without its header = %s", text(res))
	}
	res = call(t, cs, "deletePet", map[string]any{"petId": 1, "X-Request-Id": "r1"})
	if r, _ := b.Last(); res.IsError || r.Method != "DELETE" || r.Header.Get("X-Request-Id") != "r1" || text(res) != "204 No Content" {
		t.Errorf("deletePet = %s (%s %s)", text(res), r.Method, r.Header.Get("X-Request-Id"))
	}

	res = call(t, cs, "getPhoto", map[string]any{"petId": 1})
	img, ok := res.Content[0].(*mcp.ImageContent)
	if res.IsError || !ok || img.MIMEType != "image/png" || string(img.Data) != string(openapitest.PNG) {
		t.Errorf("getPhoto = %+v", res.Content[0])
	}
}

// The API answering something its document does not describe is a tool
// error saying so, unless NoOutputSchemas.
func TestOutputNotMatchingSchema(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"not a number","name":"rex"}`)
	}))
	defer api.Close()
	doc := []byte(openapitest.Doc(api.URL))
	for _, loose := range []bool{false, true} {
		p, err := New(context.Background(), doc, Options{NoOutputSchemas: loose})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := p.Components(context.Background())
		var get *runtime.Tool
		for _, tl := range c.Tools {
			if tl.Name == "getPet" {
				get = tl
			}
		}
		res, err := get.Handler(context.Background(), json.RawMessage(`{"petId":1}`))
		if err != nil {
			t.Fatal(err)
		}
		if loose != !res.IsError {
			t.Errorf("NoOutputSchemas %v: IsError %v", loose, res.IsError)
		}
		if !loose && !strings.Contains(res.GetError().Error(), "does not match its documented schema") {
			t.Errorf("error = %v", res.GetError())
		}
	}
}

// CVE-2026-32871 (FastMCP's OpenAPI provider): a path parameter must not
// leave its segment. None of these values may reach /admin, or any
// endpoint at all.
func TestPathTraversal(t *testing.T) {
	attacks := []string{"../admin", "../../admin", "%2e%2e%2f%2e%2e%2fadmin", "..", ".", "%2e%2e%2fadmin", "..%2Fadmin", "a/b", "%2F", "%2f", "a\\b", "a\x00b", "%00", "x%5cy"}
	check := func(t *testing.T, wantSafe bool) {
		b := openapitest.NewBackend(t)
		cs := serve(t, b, Options{})
		for _, v := range attacks {
			before := b.Count()
			res := call(t, cs, "getFile", map[string]any{"name": v})
			if wantSafe {
				if !res.IsError {
					t.Errorf("getFile %q succeeded: %s", v, text(res))
				}
				if b.Count() != before {
					r, _ := b.Last()
					t.Errorf("getFile %q reached the API as %s", v, r.URL.RequestURI())
				}
			}
		}
		if wantSafe && b.Admin() != 0 {
			t.Errorf("/admin was reached %d times", b.Admin())
		}
		if !wantSafe && b.Admin() == 0 {
			t.Error("the vulnerable variant did not reach /admin: the test would not catch the bug")
		}
	}
	t.Run("safe", func(t *testing.T) { check(t, true) })
	t.Run("vulnerable variant", func(t *testing.T) {
		unsafePaths = true
		defer func() { unsafePaths = false }()
		check(t, false)
	})
	// Ordinary values with characters that need encoding still work.
	b := openapitest.NewBackend(t)
	cs := serve(t, b, Options{})
	res := call(t, cs, "getFile", map[string]any{"name": "a b?c#d%e"})
	if r, _ := b.Last(); res.IsError || r.URL.EscapedPath() != "/v1/files/a%20b%3Fc%23d%25e" || text(res) != "file a b?c#d%e" {
		t.Errorf("getFile with spaces = %s (%s)", text(res), r.URL.EscapedPath())
	}
}

// The MCP client's Authorization header (its token for this server) never
// reaches the API.
func TestInboundAuthorizationNotForwarded(t *testing.T) {
	b := openapitest.NewBackend(t)
	p, err := Load(context.Background(), b.URL+"/openapi.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := runtime.NewServer(&runtime.Implementation{Name: "petstore", Version: "1"}, nil)
	if err := s.Add(p); err != nil {
		t.Fatal(err)
	}
	mcpSrv := httptest.NewServer(s.Handler())
	defer mcpSrv.Close()
	const token = "mcp-client-secret-token"
	hc := &http.Client{Transport: bearer(token)}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: mcpSrv.URL, HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	for name, args := range map[string]map[string]any{"listPets": {}, "getPet": {"petId": 1}, "createPet": {"name": "kit", "status": "sold"}} {
		if res := call(t, cs, name, args); res.IsError {
			t.Fatalf("%s: %s", name, text(res))
		}
	}
	reqs := b.Requests()
	if len(reqs) < 3 {
		t.Fatalf("the API saw %d requests", len(reqs))
	}
	for _, r := range reqs {
		for k, vs := range r.Header {
			for _, v := range vs {
				if strings.Contains(v, token) {
					t.Errorf("the API received the MCP client's token in %s", k)
				}
			}
		}
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the API received an Authorization header: %q", r.Header.Get("Authorization"))
		}
	}
}

type bearer string

func (tok bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(tok))
	return http.DefaultTransport.RoundTrip(r)
}

// Route maps make resources and templates, or exclude operations; the
// first match wins.
func TestRouteMaps(t *testing.T) {
	b := openapitest.NewBackend(t)
	cs := serve(t, b, Options{
		RouteMaps: []RouteMap{
			{Methods: []string{"DELETE"}, Kind: Exclude},
			{Pattern: `^/files/`, Kind: Exclude},
			{Methods: []string{"get"}, Pattern: `^/pets/\{petId\}$`, Kind: ResourceTemplate},
			{Methods: []string{"GET"}, Tags: []string{"pets"}, Kind: Resource},
		},
		Names: map[string]string{"getPhoto": "pet_photo"},
	})
	ctx := context.Background()
	lt, _ := cs.ListTools(ctx, nil)
	var tools []string
	for _, tl := range lt.Tools {
		tools = append(tools, tl.Name)
	}
	slices.Sort(tools)
	if !slices.Equal(tools, []string{"createPet", "pet_photo"}) {
		t.Errorf("tools = %v", tools)
	}
	lr, _ := cs.ListResources(ctx, nil)
	if len(lr.Resources) != 1 || lr.Resources[0].URI != "openapi://listPets" {
		t.Errorf("resources = %+v", lr.Resources)
	}
	lrt, _ := cs.ListResourceTemplates(ctx, nil)
	if len(lrt.ResourceTemplates) != 1 || lrt.ResourceTemplates[0].URITemplate != "openapi://getPet/{petId}" {
		t.Errorf("templates = %+v", lrt.ResourceTemplates)
	}
	rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "openapi://getPet/1"})
	if err != nil || len(rr.Contents) != 1 || !strings.Contains(rr.Contents[0].Text, `"name":"rex"`) || rr.Contents[0].MIMEType != "application/json" {
		t.Errorf("read getPet/1 = %+v, %v", rr, err)
	}
	_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "openapi://getPet/9"})
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("read getPet/9: %v", err)
	}
	_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "openapi://getPet/..%2Fadmin"})
	if err == nil {
		t.Error("read of a traversing template value succeeded")
	}
	if b.Admin() != 0 {
		t.Error("/admin reached through a resource template")
	}
}

func TestBadDocuments(t *testing.T) {
	ctx := context.Background()
	cases := map[string]struct{ doc, want string }{
		"not OpenAPI": {`{"hello": 1}`, "not valid OpenAPI"},
		"no server":   {`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}`, "names no server"},
		"duplicate names": {`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"servers":[{"url":"http://127.0.0.1:1"}],"paths":{
			"/a":{"get":{"operationId":"x","responses":{"200":{"description":"ok"}}}},
			"/b":{"get":{"operationId":"y","responses":{"200":{"description":"ok"}}}}}}`, "both named"},
	}
	for name, c := range cases {
		if _, err := New(ctx, []byte(c.doc), Options{Names: map[string]string{"y": "x"}}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	if _, err := New(ctx, []byte(openapitest.Doc("http://127.0.0.1:1")), Options{RouteMaps: []RouteMap{{Kind: "page"}}}); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Errorf("unknown kind: %v", err)
	}
	// An unsupported body type skips that operation only, and says so.
	doc := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"servers":[{"url":"http://127.0.0.1:1"}],"paths":{
		"/up":{"post":{"operationId":"upload","requestBody":{"content":{"application/octet-stream":{"schema":{"type":"string","format":"binary"}}}},"responses":{"200":{"description":"ok"}}}},
		"/ok":{"get":{"operationId":"ok","responses":{"200":{"description":"ok"}}}}}}`
	var logged strings.Builder
	p, err := New(ctx, []byte(doc), Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logged.String(), "operation skipped") || !strings.Contains(logged.String(), "POST /up") {
		t.Errorf("the skip was not logged: %s", logged.String())
	}
	c, _ := p.Components(ctx)
	if len(c.Tools) != 1 || c.Tools[0].Name != "ok" || len(p.Skipped()) != 1 || !strings.Contains(p.Skipped()[0], "application/octet-stream") {
		t.Errorf("tools %d, skipped %v", len(c.Tools), p.Skipped())
	}
}

// A redirect out of the API's origin is refused, so Options.Headers (an
// API key) never reach another host.
func TestNoCrossOriginRedirect(t *testing.T) {
	var leaked sync.Map
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store("key", r.Header.Get("X-Api-Key"))
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	}))
	defer api.Close()
	p, err := New(context.Background(), []byte(openapitest.Doc(api.URL)), Options{Headers: http.Header{"X-Api-Key": {"secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Components(context.Background())
	for _, tl := range c.Tools {
		if tl.Name == "listPets" {
			res, _ := tl.Handler(context.Background(), json.RawMessage(`{}`))
			if !res.IsError || !strings.Contains(res.GetError().Error(), "outside the API's origin") {
				t.Errorf("listPets through a cross-origin redirect = %v", res.GetError())
			}
		}
	}
	if v, ok := leaked.Load("key"); ok {
		t.Errorf("the other host was reached (key %q)", v)
	}
}

// OpenAPI 3.1 documents (JSON Schema types, numeric exclusive bounds) and
// 3.0 ones (nullable, boolean exclusive bounds) give the same 2020-12
// schema; YAML documents load as JSON ones do.
func TestSchemaDialects(t *testing.T) {
	ctx := context.Background()
	doc30 := `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "http://127.0.0.1:1"}]
paths:
  /n:
    get:
      operationId: n
      parameters:
        - {name: x, in: query, required: true, schema: {type: number, minimum: 0, exclusiveMinimum: true, nullable: true, example: 3}}
      responses: {"200": {description: ok}}
`
	doc31 := `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"servers":[{"url":"http://127.0.0.1:1"}],"paths":{"/n":{"get":{"operationId":"n",
	  "parameters":[{"name":"x","in":"query","required":true,"schema":{"type":["number","null"],"exclusiveMinimum":0,"examples":[3]}}],
	  "responses":{"200":{"description":"ok"}}}}}}`
	var got []string
	for _, doc := range []string{doc30, doc31} {
		p, err := New(ctx, []byte(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := p.Components(ctx)
		got = append(got, string(c.Tools[0].InputSchema))
	}
	want := `{"additionalProperties":false,"properties":{"x":{"examples":[3],"exclusiveMinimum":0,"type":["number","null"]}},"required":["x"],"type":"object"}`
	for i, g := range got {
		if g != want {
			t.Errorf("doc %d schema:\n%s\nwant\n%s", i, g, want)
		}
	}
}
