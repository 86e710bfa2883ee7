package oauthproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/client"
)

// downstream is an MCP server behind the proxy's verifier, with a tool
// that reports the principal it sees; it records every request it gets
// and every principal its tool saw.
type downstream struct {
	mu       sync.Mutex
	requests []string
	seen     []string
}

func (d *downstream) add(list *[]string, s string) {
	d.mu.Lock()
	*list = append(*list, s)
	d.mu.Unlock()
}

func (d *downstream) all() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append(append([]string(nil), d.requests...), d.seen...)
}

// handler is the MCP server, recording the requests it gets.
func (d *downstream) handler() http.Handler {
	srv := runtime.NewServer(&runtime.Implementation{Name: "behind-the-proxy", Version: "1"}, nil)
	err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{{
		Name: "whoami", Description: "Who the caller is.", InputSchema: json.RawMessage(`{"type":"object"}`),
		Handler: func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
			p := runtime.PrincipalFrom(ctx)
			if p == nil {
				return runtime.TextResult("nobody"), nil
			}
			claims, _ := json.Marshal(p.Claims)
			d.add(&d.seen, p.Token+" "+string(claims))
			email, _ := p.Claims["email"].(string)
			return runtime.TextResult(fmt.Sprintf("%s %s %s %s", p.Subject, email, strings.Join(p.Scopes, ","), strings.Join(p.Audience, ","))), nil
		},
	}}})
	if err != nil {
		panic(err)
	}
	h := srv.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var hd strings.Builder
		r.Header.Write(&hd)
		d.add(&d.requests, hd.String()+string(body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}

// An MCP client (runtime/client: discovery from the 401, dynamic
// registration, PKCE) authorizes through the proxy, with a browser that
// consents and signs in upstream, and calls a tool on the server the
// proxy's verifier protects; the tool sees the user the provider named.
// Neither the client nor the MCP server ever sees an upstream token, and
// a verifier that puts the upstream token on the principal (forwarding it
// downstream) is caught.
func TestMCPBehindProxy(t *testing.T) {
	for _, vulnerable := range []bool{false, true} {
		t.Run(fmt.Sprint("vulnerable=", vulnerable), func(t *testing.T) {
			d := &downstream{}
			e := newEnv(t, Config{Scopes: []string{"mcp"}, insecure: insecure{forward: vulnerable}}, d.handler())
			b := newBrowser(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cs, err := client.Connect(ctx, e.cfg.Resource, &client.Options{OAuth: &client.OAuth{
				RedirectURL: clientRedirect,
				ClientName:  "an MCP client",
				Authorize: func(_ context.Context, authURL string) (url.Values, error) {
					return b.authorize(authURL), nil
				},
			}})
			if err != nil {
				t.Fatalf("connect: %v\n%s", err, e.logs())
			}
			defer cs.Close()
			res, _, err := client.CallTool(ctx, cs, "whoami", "", []byte(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := client.Text(res.Content), "user-1 user-1@idp.test mcp "+e.cfg.Resource; got != want {
				t.Errorf("whoami = %q, want %q", got, want)
			}
			up := e.idp.upstreamTokens()
			if len(up) == 0 {
				t.Fatal("the provider issued no token")
			}
			toClient := leaks(up, e.responses()...)
			downstream := leaks(up, d.all()...)
			if !vulnerable && (len(toClient) > 0 || len(downstream) > 0) {
				t.Errorf("upstream tokens leaked: to the client %v, downstream %v", toClient, downstream)
			}
			if vulnerable && len(downstream) == 0 {
				t.Error("the forwarding variant leaked nothing the test could see")
			}
			if len(d.requests) == 0 || !strings.Contains(strings.Join(d.requests, ""), "Authorization: Bearer ey") {
				t.Error("the MCP server saw no proxy token")
			}
		})
	}
}
