package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Per-component authorization (issue 15, item 2).

var testPrincipals = map[string]*Principal{
	"alice": {Subject: "alice", Scopes: []string{"mcp", "admin", "files"}, Claims: map[string]any{"tenant": "acme"}},
	"bob":   {Subject: "bob", Scopes: []string{"mcp"}, Claims: map[string]any{"tenant": "globex"}},
	"carol": {Subject: "carol", Scopes: []string{"admin"}, Claims: map[string]any{"tenant": "acme"}},
}

// byHeader names the principal of the X-User header (what auth.Require
// does with a verified token, for these tests).
func byHeader(r *Request) *Principal {
	if r.Header == nil {
		return nil
	}
	return testPrincipals[r.Header.Get("X-User")]
}

func tenantIs(want string) AuthCheck {
	return func(_ context.Context, p *Principal, c ComponentInfo) error {
		tenant, err := ClaimAs[string](p, "tenant")
		if err != nil {
			return err
		}
		if tenant != want {
			return Forbidden("tenant %q may not read %s", tenant, c.ID)
		}
		return nil
	}
}

// authzServer has one component of each kind with checks, and one without.
func authzServer(t *testing.T, opts *Options) *Server {
	t.Helper()
	s := NewServer(&Implementation{Name: "authz", Version: "1"}, opts)
	admin := tool("admin", "", text("admin done"))
	admin.Auth = []AuthCheck{RequireScopes("admin")}
	both := tool("both", "", text("both done"))
	both.Auth = []AuthCheck{RequireScopes("admin"), RequireScopes("mcp")} // ANDed
	broken := tool("broken", "", text("never"))
	broken.Auth = []AuthCheck{func(context.Context, *Principal, ComponentInfo) error {
		return errors.New("the policy database is down")
	}}
	read := func(body string) ResourceHandler {
		return func(_ context.Context, uri string) (*ReadResourceResult, error) {
			return &ReadResourceResult{Contents: []*ResourceContents{{URI: uri, Text: body}}}, nil
		}
	}
	err := s.Add(&Components{
		Tools: []*Tool{tool("echo", "", text("echo")), admin, both, broken},
		Resources: []*Resource{
			{URI: "notes://acme", Name: "acme-notes", Handler: read("acme secrets"), Auth: []AuthCheck{tenantIs("acme")}},
		},
		ResourceTemplates: []*ResourceTemplate{{URITemplate: "files://{name}", Name: "files", Auth: []AuthCheck{RequireScopes("files")},
			Handler: func(_ context.Context, uri string, _ []string) (*ReadResourceResult, error) {
				return &ReadResourceResult{Contents: []*ResourceContents{{URI: uri, Text: "file"}}}, nil
			}}},
		Prompts: []*Prompt{{Name: "panicky", Auth: []AuthCheck{func(context.Context, *Principal, ComponentInfo) error { panic("check exploded") }},
			Handler: func(context.Context, map[string]string) (*GetPromptResult, error) { return PromptText("", "x"), nil }}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type userTransport struct{ user string }

func (u userTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if u.user != "" {
		r.Header.Set("X-User", u.user)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func connectAs(t *testing.T, url, user, version string) *mcp.ClientSession {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: userTransport{user}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc, DisableStandaloneSSE: true, MaxRetries: -1},
		&mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// catalogue lists everything cs sees, page by page, as sorted names.
func catalogue(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []string
	for tl, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, "tool:"+tl.Name)
	}
	for r, err := range cs.Resources(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, "resource:"+r.URI)
	}
	for r, err := range cs.ResourceTemplates(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, "template:"+r.URITemplate)
	}
	for p, err := range cs.Prompts(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, "prompt:"+p.Name)
	}
	slices.Sort(out)
	return out
}

var wantCatalogue = map[string][]string{
	"alice": {"resource:notes://acme", "template:files://{name}", "tool:admin", "tool:both", "tool:echo"},
	"bob":   {"tool:echo"},
	"carol": {"resource:notes://acme", "tool:admin", "tool:echo"},
	"":      {"tool:echo"},
}

// callErr calls a tool and returns the JSON-RPC error text ("" on success).
func callErr(t *testing.T, cs *mcp.ClientSession, name string) string {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: map[string]any{}})
	if err != nil {
		return err.Error()
	}
	if res.IsError {
		return "isError: " + resultText(res)
	}
	return ""
}

func readErr(cs *mcp.ClientSession, uri string) string {
	_, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		var je *jsonrpc.Error
		if errors.As(err, &je) {
			return fmt.Sprintf("%d %s", je.Code, je.Message)
		}
		return err.Error()
	}
	return ""
}

// Hidden vs forbidden, over stateful and sessionless HTTP, with each
// principal (and none) connected at once and asking in parallel: the
// lists show what the checks allow (paged one item at a time, so that
// every cached page is exercised), calls of the rest fail as unknown, a
// Forbidden refusal shows its message, a failing or panicking check denies
// and is logged.
func TestAuthorizationHiddenVsForbidden(t *testing.T) {
	for _, jsonResponse := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", jsonResponse), func(t *testing.T) { hiddenVsForbidden(t, jsonResponse) })
	}
}

func hiddenVsForbidden(t *testing.T, jsonResponse bool) {
	var logs syncBuffer
	s := authzServer(t, &Options{Authenticate: byHeader, AuthenticateHTTP: true, PageSize: 1, JSONResponse: jsonResponse, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		sessions := map[string]*mcp.ClientSession{}
		for user := range wantCatalogue {
			sessions[user] = connectAs(t, srv.URL, user, version)
		}
		var wg sync.WaitGroup
		for user, cs := range sessions {
			wg.Go(func() {
				for range 5 {
					if got := catalogue(t, cs); !slices.Equal(got, wantCatalogue[user]) {
						t.Errorf("%s %q sees %q, want %q", version, user, got, wantCatalogue[user])
						return
					}
				}
			})
		}
		wg.Wait()

		a, b, c, none := sessions["alice"], sessions["bob"], sessions["carol"], sessions[""]
		if e := callErr(t, a, "admin"); e != "" {
			t.Errorf("%s alice admin: %s", version, e)
		}
		for name, cs := range map[string]*mcp.ClientSession{"bob": b, "nobody": none} {
			if e := callErr(t, cs, "admin"); !strings.Contains(e, `unknown tool "admin"`) {
				t.Errorf("%s %s calls admin: %q", version, name, e)
			}
		}
		if e := callErr(t, c, "both"); !strings.Contains(e, `unknown tool "both"`) {
			t.Errorf("%s carol (admin without mcp) calls both: %q", version, e)
		}
		if e := callErr(t, a, "broken"); !strings.Contains(e, `unknown tool "broken"`) {
			t.Errorf("%s alice calls broken: %q", version, e)
		}
		if e := readErr(a, "notes://acme"); e != "" {
			t.Errorf("%s alice reads her tenant's notes: %s", version, e)
		}
		if e := readErr(b, "notes://acme"); e != fmt.Sprintf(`%d tenant "globex" may not read notes://acme`, CodeForbidden) {
			t.Errorf("%s bob reads acme's notes: %q", version, e)
		}
		if e := readErr(none, "notes://acme"); !strings.Contains(strings.ToLower(e), "resource not found") {
			t.Errorf("%s nobody reads acme's notes: %q", version, e)
		}
		if e := readErr(a, "files://x"); e != "" {
			t.Errorf("%s alice reads a file: %s", version, e)
		}
		if e := readErr(b, "files://x"); !strings.Contains(strings.ToLower(e), "resource not found") {
			t.Errorf("%s bob reads a file: %q", version, e)
		}
		if version == "2025-11-25" {
			if err := a.Subscribe(context.Background(), &mcp.SubscribeParams{URI: "notes://acme"}); err != nil {
				t.Errorf("alice subscribes to her notes: %v", err)
			}
			if err := b.Subscribe(context.Background(), &mcp.SubscribeParams{URI: "notes://acme"}); err == nil {
				t.Error("bob subscribed to acme's notes")
			}
		}
		_, err := a.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: "panicky"})
		if err == nil || !strings.Contains(err.Error(), `unknown prompt "panicky"`) {
			t.Errorf("%s alice gets panicky: %v", version, err)
		}
		_, err = a.Complete(context.Background(), &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "panicky"}, Argument: mcp.CompleteParamsArgument{Name: "a"}})
		if err == nil || !strings.Contains(err.Error(), `unknown prompt "panicky"`) {
			t.Errorf("%s alice completes panicky: %v", version, err)
		}
	}
	out := logs.String()
	for _, want := range []string{`authorization check failed; denying" component=tool:broken@ principal.sub=`, `err="the policy database is down"`, `authorization check panicked; denying" component=prompt:panicky@ principal.sub=`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%.2000s", want, out)
		}
	}
	if strings.Contains(out, `tenant \"globex\"`) {
		t.Error("a Forbidden refusal was logged as a failure")
	}
}

// The fast path (stateless HTTP, JSON responses) resolves calls in the
// same view.
func TestAuthorizationFastPath(t *testing.T) {
	s := authzServer(t, &Options{Authenticate: byHeader, AuthenticateHTTP: true, Stateless: true, JSONResponse: true})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin","arguments":{}}}`
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	for _, user := range []string{"alice", ""} {
		// Lists that depend on the principal are not for shared caches.
		_, _, got, err := rawPost(srv.URL, list, 10*time.Second, map[string]string{"Mcp-Protocol-Version": "2025-11-25", "X-User": user})
		if err != nil || !strings.Contains(got, `"cacheScope":"private"`) {
			t.Errorf("%q lists: %s %v", user, got, err)
		}
	}
	read := `{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"notes://acme"}}`
	if _, _, got, err := rawPost(srv.URL, read, 10*time.Second, map[string]string{"Mcp-Protocol-Version": "2025-11-25", "X-User": "alice"}); err != nil || !strings.Contains(got, `"cacheScope":"private"`) {
		t.Errorf("alice reads: %s %v", got, err)
	}
	for user, want := range map[string]string{"alice": `"admin done"`, "bob": `unknown tool \"admin\"`, "": `unknown tool \"admin\"`} {
		_, _, got, err := rawPost(srv.URL, body, 10*time.Second, map[string]string{"Mcp-Protocol-Version": "2025-11-25", "X-User": user})
		if err != nil || !strings.Contains(got, want) {
			t.Errorf("%q: %s %v, want %s", user, got, err, want)
		}
	}
}

// On stdio the checks are skipped unless Options.AuthorizeStdio; with it,
// the principal is whatever Options.Authenticate names.
func TestAuthorizationStdio(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  *Options
		tools string
	}{
		{"default: skipped", nil, `"admin","both","broken","echo"`},
		{"authorized, nobody", &Options{AuthorizeStdio: true}, `"echo"`},
		{"authorized, alice", &Options{AuthorizeStdio: true, Authenticate: func(*Request) *Principal { return testPrincipals["alice"] }}, `"admin","both","echo"`},
	} {
		ss := startStdio(t, authzServer(t, c.opts), defaultIOLimits)
		ss.initialize("2025-11-25")
		ss.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
		r := ss.reply()
		var list struct{ Tools []struct{ Name string } }
		json.Unmarshal(r.Result, &list)
		var names []string
		for _, tl := range list.Tools {
			names = append(names, `"`+tl.Name+`"`)
		}
		if got := strings.Join(names, ","); got != c.tools {
			t.Errorf("%s: tools %s, want %s", c.name, got, c.tools)
		}
	}
}

// Options.Authenticate names the principal of stdio requests only, unless
// Options.AuthenticateHTTP: an Authenticate written for stdio (a token
// from the environment) must not hand its principal to every anonymous
// HTTP caller, on any HTTP path (fast path, go-sdk stateless, stateful).
func TestAuthenticateNotOnHTTP(t *testing.T) {
	fromEnv := func(*Request) *Principal { return testPrincipals["alice"] }
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin","arguments":{}}}`
	for _, mode := range []struct {
		name string
		opts Options
	}{{"fast path", Options{Stateless: true, JSONResponse: true}}, {"stateless", Options{Stateless: true}}, {"stateful", Options{}}} {
		for _, onHTTP := range []bool{false, true} {
			opts := mode.opts
			opts.Authenticate, opts.AuthenticateHTTP, opts.AuthorizeStdio = fromEnv, onHTTP, true
			s := authzServer(t, &opts)
			srv := httptest.NewServer(s.Handler())
			var got string
			if mode.opts.Stateless {
				_, _, body, err := rawPost(srv.URL, call, 10*time.Second, map[string]string{"Mcp-Protocol-Version": "2025-11-25"})
				if err != nil {
					t.Fatal(err)
				}
				got = body
			} else {
				cs := connectAs(t, srv.URL, "", "2025-11-25")
				if got = callErr(t, cs, "admin"); got == "" {
					got = "admin done"
				}
				cs.Close()
			}
			if onHTTP != strings.Contains(got, "admin done") || !onHTTP && !strings.Contains(got, "unknown tool") {
				t.Errorf("%s, AuthenticateHTTP=%v: an anonymous HTTP caller calls admin: %s", mode.name, onHTTP, got)
			}
			srv.Close()
		}
	}
	// stdio still gets it.
	ss := startStdio(t, authzServer(t, &Options{AuthorizeStdio: true, Authenticate: fromEnv}), defaultIOLimits)
	ss.initialize("2025-11-25")
	ss.send(call)
	if r := ss.reply(); !strings.Contains(string(r.Result), "admin done") {
		t.Errorf("stdio: %s %v", r.Result, r.Error)
	}
}

// AuthMiddleware: a server-wide policy over lists and calls, on top of
// the components' own checks, with distinct errors.
func TestAuthMiddleware(t *testing.T) {
	s := authzServer(t, &Options{Authenticate: byHeader, AuthenticateHTTP: true})
	s.Use(AuthMiddleware(func(_ context.Context, p *Principal, c ComponentInfo) error {
		if c.Name == "echo" && p.Subject == "bob" {
			return Forbidden("bob may not echo")
		}
		if !p.HasScopes("mcp") {
			return errors.New("no mcp scope")
		}
		return nil
	}))
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	want := map[string][]string{
		"alice": wantCatalogue["alice"],
		"bob":   nil,
		"carol": nil, // no mcp scope
		"":      nil,
	}
	sessions := map[string]*mcp.ClientSession{}
	for user := range want {
		sessions[user] = connectAs(t, srv.URL, user, "2025-11-25")
		if got := catalogue(t, sessions[user]); !slices.Equal(got, want[user]) {
			t.Errorf("%q sees %q, want %q", user, got, want[user])
		}
	}
	for _, c := range []struct{ user, tool, err string }{
		{"alice", "admin", ""},
		{"carol", "admin", `authorization failed for tool "admin": insufficient permissions`},
		{"carol", "echo", `authorization failed for tool "echo": insufficient permissions`},
		{"bob", "echo", `authorization failed for tool "echo": bob may not echo`},
		{"", "echo", `authorization failed for tool "echo": missing context`},
		{"", "admin", `unknown tool "admin"`}, // hidden by its own check first
		{"alice", "nope", `unknown tool "nope"`},
	} {
		got := callErr(t, sessions[c.user], c.tool)
		if c.err == "" && got != "" || c.err != "" && !strings.Contains(got, c.err) {
			t.Errorf("%q calls %s: %q, want %q", c.user, c.tool, got, c.err)
		}
	}
}

// A check hides the component from lists and calls alike, whichever view
// served the page before: cached pages are keyed by the checks' outcome.
func TestAuthorizationListCacheKeyedByOutcome(t *testing.T) {
	s := authzServer(t, &Options{Authenticate: byHeader, AuthenticateHTTP: true})
	snap := s.snapshot(context.Background())
	listFor := func(user string) []byte {
		r := newRequest(MethodListTools)
		r.Principal = testPrincipals[user]
		r.setView(snap, nil, s.authzFor(context.Background(), r, snap))
		res, err := s.listPage(r)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(res)
		return js
	}
	a1, b1, a2, b2 := listFor("alice"), listFor("bob"), listFor("alice"), listFor("bob")
	if !bytes.Equal(a1, a2) || !bytes.Equal(b1, b2) || bytes.Equal(a1, b1) {
		t.Errorf("alice %s / %s\nbob %s / %s", a1, a2, b1, b2)
	}
	if bytes.Contains(b1, []byte(`"admin"`)) {
		t.Errorf("bob's page lists admin: %s", b1)
	}
	// carol's outcome differs from alice's (no mcp scope: "both" hidden).
	if c := listFor("carol"); bytes.Contains(c, []byte(`"both"`)) {
		t.Errorf("carol's page lists both: %s", c)
	}
}

// Serve outside a request acts as req.Principal.
func TestAuthorizationServe(t *testing.T) {
	s := authzServer(t, nil)
	ctx := context.Background()
	if _, err := s.Serve(ctx, &Request{Method: MethodCallTool, Name: "admin", Principal: testPrincipals["alice"]}); err != nil {
		t.Errorf("as alice: %v", err)
	}
	if _, err := s.Serve(ctx, &Request{Method: MethodCallTool, Name: "admin"}); err == nil || !strings.Contains(err.Error(), `unknown tool "admin"`) {
		t.Errorf("as nobody: %v", err)
	}
}

// HTTP middleware of one's own attaches the principal with WithPrincipal,
// and every HTTP path (the fast path, go-sdk's stateless and stateful
// ones) sees it.
func TestAuthorizationWithPrincipalMiddleware(t *testing.T) {
	for _, opts := range []*Options{{Stateless: true, JSONResponse: true}, {Stateless: true, JSONResponse: true, NoFastPath: true}, {}} {
		h := authzServer(t, opts).Handler()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p := testPrincipals[r.Header.Get("X-User")]; p != nil {
				r = r.WithContext(WithPrincipal(r.Context(), p))
			}
			h.ServeHTTP(w, r)
		}))
		cs := connectAs(t, srv.URL, "alice", "2025-11-25")
		if e := callErr(t, cs, "admin"); e != "" {
			t.Errorf("%+v: alice calls admin: %s", opts, e)
		}
		body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin","arguments":{}}}`
		hdr := map[string]string{"Mcp-Protocol-Version": "2025-11-25", "X-User": "alice"}
		if opts.Stateless {
			if _, _, got, err := rawPost(srv.URL, body, 10*time.Second, hdr); err != nil || !strings.Contains(got, "admin done") {
				t.Errorf("%+v: raw call as alice: %s %v", opts, got, err)
			}
			hdr["X-User"] = "bob"
			if _, _, got, err := rawPost(srv.URL, body, 10*time.Second, hdr); err != nil || !strings.Contains(got, `unknown tool \"admin\"`) {
				t.Errorf("%+v: raw call as bob: %s %v", opts, got, err)
			}
		}
		srv.Close()
	}
}
