// Command client is the client under test for the MCP conformance suite's
// client scenarios (../shared/conformance/run-client.sh): the harness runs
// it with the mock server's URL as its argument and the scenario in
// MCP_CONFORMANCE_SCENARIO. It is built on runtime/client.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// scenarios maps each supported scenario to what the client does, given
// the mock server's URL and the harness's MCP_CONFORMANCE_CONTEXT.
var scenarios = map[string]func(ctx context.Context, url string, conf harnessContext) error{
	"initialize":                          initialize,
	"tools_call":                          toolsCall,
	"elicitation-sep1034-client-defaults": elicitationDefaults,
	"sse-retry":                           sseRetry,
	"request-metadata":                    initialize,
	"json-schema-ref-no-deref":            initialize,
	"sep-2322-client-request-state":       requestState,
	"http-standard-headers":               standardHeaders,
	"http-custom-headers":                 customHeaders,
	"http-invalid-tool-headers":           invalidToolHeaders,
	// The skills extension (SEP-2640): list without reading, or load
	// (download) every skill, verifying each file against its entry.
	"sep-2640-client-no-prefetch":        listSkills,
	"sep-2640-client-verify-digest":      pullSkills,
	"sep-2640-client-verify-size":        pullSkills,
	"sep-2640-client-verify-frontmatter": pullSkills,
}

// authScenarios are the auth/* scenarios: each authorizes with OAuth and
// then lists the tools and calls test-tool.
var authScenarios = []string{
	"auth/2025-03-26-oauth-endpoint-fallback",
	"auth/2025-03-26-oauth-metadata-backcompat",
	"auth/authorization-server-migration",
	"auth/basic-cimd",
	"auth/iss-normalized",
	"auth/iss-not-advertised",
	"auth/iss-supported",
	"auth/iss-supported-missing",
	"auth/iss-unexpected",
	"auth/iss-wrong-issuer",
	"auth/metadata-default",
	"auth/metadata-issuer-mismatch",
	"auth/metadata-var1",
	"auth/metadata-var2",
	"auth/metadata-var3",
	"auth/offline-access-not-supported",
	"auth/offline-access-scope",
	"auth/pre-registration",
	"auth/resource-mismatch",
	"auth/scope-from-scopes-supported",
	"auth/scope-from-www-authenticate",
	"auth/scope-omitted-when-undefined",
	"auth/scope-retry-limit",
	"auth/scope-step-up",
	"auth/token-endpoint-auth-basic",
	"auth/token-endpoint-auth-none",
	"auth/token-endpoint-auth-post",
}

func init() {
	for _, name := range authScenarios {
		scenarios[name] = authorized
	}
	scenarios["auth/client-credentials-basic"] = clientCredentials
	scenarios["auth/client-credentials-jwt"] = clientCredentials
	scenarios["auth/enterprise-managed-authorization"] = enterprise
	scenarios["auth/wif-jwt-bearer"] = workload
}

// harnessContext is the harness's MCP_CONFORMANCE_CONTEXT: credentials for
// some auth scenarios, tool calls for others.
type harnessContext struct {
	ClientID      string `json:"client_id"`
	ClientSecret  string `json:"client_secret"`
	PrivateKeyPEM string `json:"private_key_pem"`
	IdPClientID   string `json:"idp_client_id"`
	IdPIDToken    string `json:"idp_id_token"`
	IdPIssuer     string `json:"idp_issuer"`
	IdPToken      string `json:"idp_token_endpoint"`
	ValidJWT      string `json:"valid_jwt"`
	ToolCalls     []struct {
		Name      string         `json:"name"`
		Arguments map[string]any `json:"arguments"`
	} `json:"toolCalls"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: client SERVER_URL (with MCP_CONFORMANCE_SCENARIO set)")
		os.Exit(2)
	}
	name := os.Getenv("MCP_CONFORMANCE_SCENARIO")
	run, ok := scenarios[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "client: unsupported scenario %q\n", name)
		os.Exit(2)
	}
	var conf harnessContext
	if js := os.Getenv("MCP_CONFORMANCE_CONTEXT"); js != "" {
		if err := json.Unmarshal([]byte(js), &conf); err != nil {
			fmt.Fprintf(os.Stderr, "client: MCP_CONFORMANCE_CONTEXT: %v\n", err)
			os.Exit(2)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := run(ctx, os.Args[1], conf); err != nil {
		fmt.Fprintf(os.Stderr, "client: %s: %v\n", name, err)
		os.Exit(1)
	}
}

// options are the client's options: no protocol version pinned, so it
// negotiates the newest the mock server speaks.
func options() *client.Options {
	return &client.Options{Name: "mcpgen-conformance-client", Version: "1.0.0"}
}

func connect(ctx context.Context, url string, elicit bool) (*mcp.ClientSession, error) {
	opts := options()
	if elicit {
		opts.Elicit = client.AcceptDefaults
	}
	return client.Connect(ctx, url, opts)
}

// authorized connects with OAuth (the mock authorization server redirects
// at once), then lists the tools and calls test-tool.
func authorized(ctx context.Context, url string, conf harnessContext) error {
	const redirect = "http://localhost:3000/callback"
	opts := options()
	opts.OAuth = &client.OAuth{
		RedirectURL:         redirect,
		Authorize:           client.FollowRedirect(nil),
		ClientID:            conf.ClientID,
		ClientSecret:        conf.ClientSecret,
		ClientIDMetadataURL: "https://conformance-test.local/client-metadata.json",
		ClientName:          "mcpgen-conformance-client",
		RefreshTokens:       true,
	}
	return useTestTool(ctx, url, opts)
}

// useTestTool connects with opts, lists the tools and calls test-tool.
func useTestTool(ctx context.Context, url string, opts *client.Options) error {
	cs, err := client.Connect(ctx, url, opts)
	if err != nil {
		return err
	}
	defer cs.Close()
	if _, err := cs.ListTools(ctx, nil); err != nil {
		return err
	}
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "test-tool", Arguments: map[string]any{}})
	return err
}

// clientCredentials authorizes with the client credentials grant (the
// extension io.modelcontextprotocol/oauth-client-credentials), with the
// client secret or the private key the harness hands out, then lists the
// tools and calls test-tool.
func clientCredentials(ctx context.Context, url string, conf harnessContext) error {
	opts := options()
	opts.OAuth = &client.OAuth{ClientCredentials: true, ClientID: conf.ClientID, ClientSecret: conf.ClientSecret}
	if conf.PrivateKeyPEM != "" {
		k, err := client.ParsePrivateKey([]byte(conf.PrivateKeyPEM))
		if err != nil {
			return err
		}
		opts.OAuth.PrivateKey = k
	}
	return useTestTool(ctx, url, opts)
}

// enterprise authorizes with enterprise-managed authorization, with the
// ID token and the identity provider the harness hands out, then lists
// the tools and calls test-tool.
func enterprise(ctx context.Context, url string, conf harnessContext) error {
	opts := options()
	opts.OAuth = &client.OAuth{ClientID: conf.ClientID, ClientSecret: conf.ClientSecret, Enterprise: &client.Enterprise{
		IdPIssuer:        conf.IdPIssuer,
		IdPTokenEndpoint: conf.IdPToken,
		IdPClientID:      conf.IdPClientID,
		IDToken:          func(context.Context) (string, error) { return conf.IdPIDToken, nil },
	}}
	return useTestTool(ctx, url, opts)
}

// workload authorizes with the JWT bearer grant of workload identity
// federation, with the workload JWT the harness hands out, then lists the
// tools and calls test-tool.
func workload(ctx context.Context, url string, conf harnessContext) error {
	opts := options()
	opts.OAuth = &client.OAuth{ClientID: conf.ClientID, WorkloadToken: func(context.Context) (string, error) { return conf.ValidJWT, nil }}
	return useTestTool(ctx, url, opts)
}

// requestState calls the multi round-trip tools (SEP-2322); go-sdk
// answers their input requests and sends the request state back. Some are
// meant to be refused by the client, so their errors are not failures.
func requestState(ctx context.Context, url string, _ harnessContext) error {
	opts := options()
	opts.Elicit = func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirmed": true}}, nil
	}
	cs, err := client.Connect(ctx, url, opts)
	if err != nil {
		return err
	}
	defer cs.Close()
	for _, name := range []string{"test_mrtr_echo_state", "test_mrtr_no_state", "test_mrtr_unrelated", "test_mrtr_no_result_type"} {
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: map[string]any{}}); err != nil {
			fmt.Fprintf(os.Stderr, "client: %s: %v\n", name, err)
		}
	}
	return nil
}

// standardHeaders uses a tool, a resource and a prompt once each, so
// that the mock server sees the Mcp-Method and Mcp-Name headers of each.
func standardHeaders(ctx context.Context, url string, _ harnessContext) error {
	cs, err := connect(ctx, url, false)
	if err != nil {
		return err
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		return err
	}
	if len(tools.Tools) > 0 {
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tools.Tools[0].Name, Arguments: map[string]any{}}); err != nil {
			return err
		}
	}
	res, err := cs.ListResources(ctx, nil)
	if err != nil {
		return err
	}
	if len(res.Resources) > 0 {
		if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: res.Resources[0].URI}); err != nil {
			return err
		}
	}
	prompts, err := cs.ListPrompts(ctx, nil)
	if err != nil {
		return err
	}
	if len(prompts.Prompts) > 0 {
		if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: prompts.Prompts[0].Name}); err != nil {
			return err
		}
	}
	return nil
}

// customHeaders makes the tool calls the harness asks for, after listing
// the tools so that the client knows their x-mcp-header parameters.
func customHeaders(ctx context.Context, url string, conf harnessContext) error {
	cs, err := connect(ctx, url, false)
	if err != nil {
		return err
	}
	defer cs.Close()
	if _, err := cs.ListTools(ctx, nil); err != nil {
		return err
	}
	for _, c := range conf.ToolCalls {
		args := c.Arguments
		if args == nil {
			args = map[string]any{}
		}
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: c.Name, Arguments: args}); err != nil {
			fmt.Fprintf(os.Stderr, "client: %s: %v\n", c.Name, err)
		}
	}
	return nil
}

// invalidToolHeaders calls every tool the client kept from the listing:
// tools with invalid x-mcp-header declarations must have been dropped.
func invalidToolHeaders(ctx context.Context, url string, _ harnessContext) error {
	cs, err := connect(ctx, url, false)
	if err != nil {
		return err
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		return err
	}
	for _, t := range tools.Tools {
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: t.Name, Arguments: map[string]any{"region": "us-west1"}}); err != nil {
			fmt.Fprintf(os.Stderr, "client: %s: %v\n", t.Name, err)
		}
	}
	return nil
}

// listSkills lists the server's skills, which reads none of their files.
func listSkills(ctx context.Context, url string, _ harnessContext) error {
	cs, err := connect(ctx, url, false)
	if err != nil {
		return err
	}
	defer cs.Close()
	list, err := client.ListSkills(ctx, cs)
	for _, sk := range list {
		fmt.Fprintf(os.Stderr, "client: skill %s: %s\n", sk.URI, sk.Description())
	}
	return err
}

// pullSkills loads every listed skill into a temporary directory: SKILL.md
// first, checked against the entry (size, digest, front matter), then its
// other files; a skill that fails is refused and nothing more of it read.
func pullSkills(ctx context.Context, url string, _ harnessContext) error {
	cs, err := connect(ctx, url, false)
	if err != nil {
		return err
	}
	defer cs.Close()
	dir, err := os.MkdirTemp("", "conformance-skills-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	results, err := client.SyncSkills(ctx, cs, url, dir)
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(os.Stderr, "client: refused %s: %v\n", r.Skill.URI, r.Err)
		} else {
			fmt.Fprintf(os.Stderr, "client: loaded %s (%d files)\n", r.Skill.URI, len(r.Skill.Files))
		}
	}
	return err
}

func initialize(ctx context.Context, url string, _ harnessContext) error {
	cs, err := connect(ctx, url, false)
	if err != nil {
		return err
	}
	defer cs.Close()
	_, err = cs.ListTools(ctx, nil)
	return err
}

func toolsCall(ctx context.Context, url string, _ harnessContext) error {
	return callTool(ctx, url, "add_numbers", map[string]any{"a": 5, "b": 3}, false)
}

func elicitationDefaults(ctx context.Context, url string, _ harnessContext) error {
	return callTool(ctx, url, "test_client_elicitation_defaults", map[string]any{}, true)
}

func sseRetry(ctx context.Context, url string, _ harnessContext) error {
	return callTool(ctx, url, "test_reconnection", map[string]any{}, false)
}

// callTool lists the tools, checks that name is among them, and calls it.
func callTool(ctx context.Context, url, name string, args map[string]any, elicit bool) error {
	cs, err := connect(ctx, url, elicit)
	if err != nil {
		return err
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(tools.Tools, func(t *mcp.Tool) bool { return t.Name == name }) {
		return fmt.Errorf("server has no tool %q", name)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return err
	}
	if res.IsError {
		return fmt.Errorf("tool %q returned an error result", name)
	}
	return nil
}
