package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth"
)

// call posts one tools/call (or tools/list, with name "") to url with
// token and prints what came back.
func exampleCall(url, token, name string) {
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	if name != "" {
		body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + name + `","arguments":{}}}`
	}
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		fmt.Println(resp.StatusCode, strings.ReplaceAll(resp.Header.Get("WWW-Authenticate"), strings.TrimSuffix(url, "/mcp"), "https://mcp.example.com"))
		return
	}
	var msg struct {
		Result struct {
			Tools   []struct{ Name string }
			Content []struct{ Text string }
		}
		Error *struct{ Message string }
	}
	json.Unmarshal(raw, &msg)
	switch {
	case msg.Error != nil:
		fmt.Println("error:", msg.Error.Message)
	case name == "":
		var names []string
		for _, t := range msg.Result.Tools {
			names = append(names, t.Name)
		}
		fmt.Printf("tools: [%s]\n", strings.Join(names, ", "))
	default:
		fmt.Println(msg.Result.Content[0].Text)
	}
}

func textTool(name string, auth ...runtime.AuthCheck) *runtime.Tool {
	return &runtime.Tool{Name: name, Description: name, InputSchema: json.RawMessage(`{"type":"object"}`), Auth: auth,
		Handler: func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult(name + " for " + runtime.PrincipalFrom(ctx).Subject), nil
		}}
}

// A static table of tokens, for development, in front of a server with an
// admin-only tool: each token sees what its scopes allow.
func ExampleStatic() {
	mux := http.NewServeMux()
	front := httptest.NewServer(mux)
	defer front.Close()
	srv := runtime.NewServer(&runtime.Implementation{Name: "dev", Version: "1"}, &runtime.Options{Stateless: true, JSONResponse: true})
	srv.Add(&runtime.Components{Tools: []*runtime.Tool{textTool("hello"), textTool("wipe", runtime.RequireScopes("admin"))}})
	resource := front.URL + "/mcp"
	// README: auth-static
	verifier := auth.Static(map[string]*runtime.Principal{
		"dev-admin": {Subject: "ada", Scopes: []string{"admin"}},
		"dev-user":  {Subject: "bob"},
	})
	mux.Handle("/", auth.Require(verifier, &auth.Options{Resource: resource})(srv.Handler()))
	// README end
	exampleCall(resource, "dev-admin", "")
	exampleCall(resource, "dev-user", "")
	exampleCall(resource, "dev-user", "wipe")
	exampleCall(resource, "dev-admin", "wipe")
	exampleCall(resource, "forged", "")
	// Output:
	// tools: [hello, wipe]
	// tools: [hello]
	// error: unknown tool "wipe"
	// wipe for ada
	// 401 Bearer error="invalid_token", error_description="unknown token", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
}

// A token checked with the authorization server's introspection endpoint
// (RFC 7662), here a fake one.
func ExampleNewIntrospectionVerifier() {
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, secret, _ := r.BasicAuth(); id != "mcp-server" || secret != "s3cret" || r.FormValue("token") != "opaque-123" {
			fmt.Fprint(w, `{"active":false}`)
			return
		}
		fmt.Fprintf(w, `{"active":true,"sub":"ada","client_id":"cli","scope":"mcp admin","aud":"https://mcp.example.com/mcp","exp":%d}`, time.Now().Add(time.Hour).Unix())
	}))
	defer as.Close()
	introspectionURL := as.URL + "/introspect"
	// README: auth-introspection
	verifier, err := auth.NewIntrospectionVerifier(auth.IntrospectionOptions{
		Endpoint:     introspectionURL,
		ClientID:     "mcp-server",
		ClientSecret: "s3cret",                                // sent with HTTP Basic; or AuthMethod: "client_secret_post"
		Audience:     []string{"https://mcp.example.com/mcp"}, // refuse tokens for other servers
	})
	if err != nil {
		log.Fatal(err)
	}
	// README end
	p, err := verifier.Verify(context.Background(), "opaque-123")
	fmt.Println(p.Subject, p.Scopes, err)
	_, err = verifier.Verify(context.Background(), "revoked")
	fmt.Println(errors.Is(err, auth.ErrInvalidToken), err)
	// Output:
	// ada [mcp admin] <nil>
	// true invalid token: the token is not active
}

// A server-wide policy on top of the components' own checks.
func ExampleRequire_authMiddleware() {
	mux := http.NewServeMux()
	front := httptest.NewServer(mux)
	defer front.Close()
	srv := runtime.NewServer(&runtime.Implementation{Name: "policy", Version: "1"}, &runtime.Options{Stateless: true, JSONResponse: true})
	srv.Add(&runtime.Components{Tools: []*runtime.Tool{textTool("hello"), textTool("wipe", runtime.RequireScopes("admin"))}})
	// README: auth-middleware
	srv.Use(runtime.AuthMiddleware(func(ctx context.Context, p *runtime.Principal, c runtime.ComponentInfo) error {
		if !p.HasScopes("mcp") {
			return runtime.ErrDenied // hidden from lists; a call says "insufficient permissions"
		}
		return nil
	}))
	// README end
	verifier := auth.Static(map[string]*runtime.Principal{
		"ada": {Subject: "ada", Scopes: []string{"mcp", "admin"}},
		"eve": {Subject: "eve", Scopes: []string{"admin"}},
	})
	mux.Handle("/", auth.Require(verifier, &auth.Options{Resource: front.URL + "/mcp"})(srv.Handler()))
	exampleCall(front.URL+"/mcp", "ada", "")
	exampleCall(front.URL+"/mcp", "eve", "")
	exampleCall(front.URL+"/mcp", "eve", "hello")
	exampleCall(front.URL+"/mcp", "eve", "nope")
	// Output:
	// tools: [hello, wipe]
	// tools: []
	// error: authorization failed for tool "hello": insufficient permissions
	// error: unknown tool "nope"
}

// The README shows the snippets of these examples and of the tenants
// example.
func TestREADME(t *testing.T) {
	readme.Check(t, "../../README.md", "example_test.go", "auth-static", "auth-introspection", "auth-middleware")
	readme.Check(t, "../../README.md", "../../examples/tenants/tenants.go", "tenants-annotations")
	readme.Check(t, "../../README.md", "../../examples/tenants/serve.go", "tenants-jwt")
}
