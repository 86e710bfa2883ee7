package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// examples/composed: the weather package mounted under weather (a tag
// filter hides convert_temperature, compare_cities is renamed to compare),
// server-everything proxied under everything with all but echo hidden,
// ResourcesAsTools, and unlock enabling the hidden group per session.

// The README's command, as a user runs it: mcpgen builds the example and
// lists it over stdio, server-everything coming from npm through npx.
func TestComposedList(t *testing.T) {
	t.Parallel()
	needNode(t)
	if _, err := exec.LookPath("npx"); err != nil {
		skipThirdParty(t, "npx is not on PATH; install Node.js (npx fetches @modelcontextprotocol/server-everything from npm)")
	}
	dir, _ := filepath.Abs("../examples/composed")
	out, errOut, code := run(t, t.TempDir(), "list", dir)
	if code != 0 {
		t.Fatalf("mcpgen list ./examples/composed: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"weather_forecast(", "weather_compare(", "everything_echo(", "unlock()", "list_resources()", "read_resource(uri: string)"} {
		if !strings.Contains(out, want) {
			t.Errorf("mcpgen list lacks %q:\n%s", want, out)
		}
	}
	for _, hidden := range []string{"convert_temperature", "compare_cities", "everything_get-sum", "weather_echo"} {
		if strings.Contains(out, hidden) {
			t.Errorf("mcpgen list shows %q:\n%s", hidden, out)
		}
	}
}

// composedClient is a go-sdk session to examples/composed that counts the
// tools/list_changed notifications it gets.
type composedClient struct {
	cs      *mcp.ClientSession
	changed atomic.Int32
}

// connectComposed connects offering protocol version ("" for go-sdk's
// newest).
func connectComposed(t *testing.T, tr mcp.Transport, version string) *composedClient {
	t.Helper()
	c := &composedClient{}
	opts := &mcp.ClientOptions{ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { c.changed.Add(1) }}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "composed-test", Version: "1"}, opts).Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	c.cs = cs
	return c
}

func (c *composedClient) tools(t *testing.T) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	return names
}

// call returns a call's text and whether it was a tool error; a protocol
// error is returned as an error.
func (c *composedClient) call(t *testing.T, name string, args map[string]any) (string, bool, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return "", false, err
	}
	return toolText(res), res.IsError, nil
}

// composedEverything serves the installed server-everything (the one the
// other proxy tests use) instead of fetching it with npx.
func composedEverything(t *testing.T) []string {
	t.Helper()
	needNode(t)
	abs, _ := filepath.Abs(everything)
	return append(os.Environ(), "COMPOSED_EVERYTHING=node "+abs+" stdio")
}

// checkComposed runs the common checks on one session: what it lists,
// the renamed and filtered weather tools, ResourcesAsTools and the
// proxied echo.
func checkComposed(t *testing.T, c *composedClient) {
	t.Helper()
	got := c.tools(t)
	for _, want := range []string{"weather_forecast", "weather_compare", "everything_echo", "unlock", "list_resources", "read_resource"} {
		if !slices.Contains(got, want) {
			t.Errorf("tools/list lacks %s: %v", want, got)
		}
	}
	for _, hidden := range []string{"weather_convert_temperature", "weather_compare_cities", "everything_get-sum"} {
		if slices.Contains(got, hidden) {
			t.Errorf("tools/list shows %s: %v", hidden, got)
		}
	}
	if text, isErr, err := c.call(t, "everything_echo", map[string]any{"message": "composed"}); err != nil || isErr || text != "Echo: composed" {
		t.Errorf("everything_echo = %q, %v, %v", text, isErr, err)
	}
	if text, isErr, err := c.call(t, "weather_compare", map[string]any{"cities": []string{"Paris", "Tokyo"}}); err != nil || isErr || !strings.Contains(text, "warmest") {
		t.Errorf("weather_compare = %q, %v, %v", text, isErr, err)
	}
	if text, isErr, err := c.call(t, "read_resource", map[string]any{"uri": "weather://weather/cities"}); err != nil || isErr || !strings.Contains(text, "Paris") {
		t.Errorf("read_resource weather://weather/cities = %q, %v, %v", text, isErr, err)
	}
	if text, isErr, err := c.call(t, "list_resources", nil); err != nil || isErr || !strings.Contains(text, `"uri_template": "weather://weather/cities/{name}"`) {
		t.Errorf("list_resources = %q, %v, %v", text, isErr, err)
	}
	if _, _, err := c.call(t, "weather_convert_temperature", map[string]any{"value": 1, "from": "celsius", "to": "kelvin"}); err == nil || !strings.Contains(err.Error(), "unknown tool") {
		t.Errorf("calling the filtered tool: err = %v, want unknown tool", err)
	}
}

// checkUnlock calls unlock on c and checks that c alone is told, and that c
// then sees and can call the hidden group while others cannot.
func checkUnlock(t *testing.T, c *composedClient, others ...*composedClient) {
	t.Helper()
	if _, _, err := c.call(t, "everything_get-sum", map[string]any{"a": 2, "b": 3}); err == nil || !strings.Contains(err.Error(), "unknown tool") {
		t.Fatalf("a hidden tool before unlock: err = %v, want unknown tool", err)
	}
	text, isErr, err := c.call(t, "unlock", nil)
	if err != nil || isErr || !strings.Contains(text, "unlocked (#1)") {
		t.Fatalf("unlock = %q, %v, %v", text, isErr, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.changed.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // and no second one
	if n := c.changed.Load(); n != 1 {
		t.Errorf("the unlocking session got %d tools/list_changed, want 1", n)
	}
	if got := c.tools(t); !slices.Contains(got, "everything_get-sum") || !slices.Contains(got, "weather_forecast") {
		t.Errorf("after unlock, tools/list = %v", got)
	}
	if text, isErr, err := c.call(t, "everything_get-sum", map[string]any{"a": 2, "b": 3}); err != nil || isErr || !strings.Contains(text, "5") {
		t.Errorf("everything_get-sum after unlock = %q, %v, %v", text, isErr, err)
	}
	for _, o := range others {
		if n := o.changed.Load(); n != 0 {
			t.Errorf("another session got %d tools/list_changed", n)
		}
		if got := o.tools(t); slices.Contains(got, "everything_get-sum") {
			t.Errorf("another session sees the unlocked group: %v", got)
		}
		if _, _, err := o.call(t, "everything_get-sum", map[string]any{"a": 2, "b": 3}); err == nil || !strings.Contains(err.Error(), "unknown tool") {
			t.Errorf("another session calling the group: err = %v, want unknown tool", err)
		}
	}
}

// Over stdio: one session, unlocked.
func TestComposedStdio(t *testing.T) {
	t.Parallel()
	env := composedEverything(t)
	bin := buildBinary(t, "../examples/composed")
	cmd := exec.Command(bin)
	cmd.Env = env
	c := connectComposed(t, &mcp.CommandTransport{Command: cmd}, "")
	checkComposed(t, c)
	checkUnlock(t, c)
}

// Over stateful HTTP: two sessions; A unlocks, B sees nothing of it.
func TestComposedHTTPSessions(t *testing.T) {
	t.Parallel()
	env := composedEverything(t)
	bin := buildBinary(t, "../examples/composed")
	url := startHTTPEnv(t, env, bin, "-http", "127.0.0.1:0")
	// Sessions over HTTP are of 2025-11-25; 2026-07-28 clients have none.
	a := connectComposed(t, &mcp.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, "2025-11-25")
	b := connectComposed(t, &mcp.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, "2025-11-25")
	checkComposed(t, a)
	checkComposed(t, b)
	checkUnlock(t, a, b)
}

// Over stateless HTTP, and for a 2026-07-28 client on the default
// endpoint, the catalogue is the same, and unlock, having no session to
// remember it in, is a tool error that says so.
func TestComposedStateless(t *testing.T) {
	t.Parallel()
	env := composedEverything(t)
	bin := buildBinary(t, "../examples/composed")
	for _, flags := range [][]string{{"-stateless"}, nil} {
		url := startHTTPEnv(t, env, bin, append([]string{"-http", "127.0.0.1:0"}, flags...)...)
		c := connectComposed(t, &mcp.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, "2026-07-28")
		checkComposed(t, c)
		text, isErr, err := c.call(t, "unlock", nil)
		if err != nil || !isErr || !strings.Contains(text, "no session") {
			t.Errorf("unlock over HTTP %v = %q, %v, %v; want a tool error about the missing session", flags, text, isErr, err)
		}
	}
}

// The README shows examples/composed's code as it is.
func TestComposedReadme(t *testing.T) {
	readme.Check(t, "../README.md", "../examples/composed/main.go", "composed-mounts", "composed-unlock")
}
