package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/proxy"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The proxy (runtime/proxy and mcpgen run) in front of
// @modelcontextprotocol/server-everything, over stdio and HTTP.

func needNode(t *testing.T) {
	t.Helper()
	needTool(t, everything, "npm ci --prefix e2e/ts")
	if _, err := exec.LookPath("node"); err != nil {
		skipThirdParty(t, "node is not on PATH; install Node.js, then run: npm ci --prefix e2e/ts")
	}
}

// frontClient records what the proxy relays to a front client.
type frontClient struct {
	mu       sync.Mutex
	progress []string
	elicited []string
}

func (f *frontClient) options() *mcp.ClientOptions {
	return &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			f.mu.Lock()
			f.progress = append(f.progress, fmt.Sprintf("%v:%v/%v", r.Params.ProgressToken, r.Params.Progress, r.Params.Total))
			f.mu.Unlock()
		},
		ElicitationHandler: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			f.mu.Lock()
			f.elicited = append(f.elicited, r.Params.Message)
			f.mu.Unlock()
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada Lovelace"}}, nil
		},
	}
}

func toolText(r *mcp.CallToolResult) string {
	var parts []string
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func proxyCall(t *testing.T, cs *mcp.ClientSession, p *mcp.CallToolParams) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, p)
	if err != nil {
		t.Fatalf("call %s: %v", p.Name, err)
	}
	if res.IsError {
		t.Fatalf("call %s: error result %q", p.Name, toolText(res))
	}
	return toolText(res)
}

// waitTools lists until every name is there (server-everything registers
// its capability-dependent tools after initialization and says so with
// list_changed).
func waitTools(t *testing.T, cs *mcp.ClientSession, names ...string) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := cs.ListTools(ctx, nil)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tl := range res.Tools {
			got = append(got, tl.Name)
		}
		missing := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(got, n) })
		if len(missing) == 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("tools/list lacks %v: %v", missing, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// proxyFront serves a proxy of target from a runtime.Server with opts over
// HTTP on 127.0.0.1, started and closed with the test, and returns its URL.
func proxyFront(t *testing.T, target proxy.Target, opts *runtime.Options) string {
	t.Helper()
	p, err := proxy.New(target, &proxy.Options{ConnectTimeout: 20 * time.Second, Stderr: newTestWriter(t)})
	if err != nil {
		t.Fatal(err)
	}
	s := runtime.NewServer(&runtime.Implementation{Name: "front", Version: "1"}, opts)
	if err := s.Mount(p); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		s.Close(context.Background())
	})
	return hs.URL
}

// TestProxyServerEverything proxies server-everything, started over stdio
// and over streamable HTTP, from a runtime.Server served over stateful
// HTTP: list, call echo, progress relayed with the front's token, an
// elicitation relayed to the front client, and two front sessions on
// distinct upstream sessions.
func TestProxyServerEverything(t *testing.T) {
	t.Parallel()
	needNode(t)
	abs, _ := filepath.Abs(everything)
	for _, tc := range []struct {
		name   string
		target func(t *testing.T) proxy.Target
	}{
		{"stdio", func(*testing.T) proxy.Target { return proxy.Target{Command: "node", Args: []string{abs, "stdio"}} }},
		{"http", func(t *testing.T) proxy.Target { return proxy.Target{URL: startEverythingHTTP(t)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := proxyFront(t, tc.target(t), nil)
			connectFront := func(fc *frontClient) *mcp.ClientSession {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				// 2025-11-25: the last version in which a server may ask
				// for elicitation during a call with a JSON-RPC request.
				cs, err := mcp.NewClient(&mcp.Implementation{Name: "front-client", Version: "1"}, fc.options()).Connect(ctx,
					&mcp.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { cs.Close() })
				return cs
			}
			var fa, fb frontClient
			a, b := connectFront(&fa), connectFront(&fb)

			waitTools(t, a, "echo", "trigger-long-running-operation", "trigger-elicitation-request", "toggle-simulated-logging")

			if got := proxyCall(t, a, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "through the proxy"}}); got != "Echo: through the proxy" {
				t.Errorf("echo = %q", got)
			}

			got := proxyCall(t, a, &mcp.CallToolParams{Name: "trigger-long-running-operation",
				Arguments: map[string]any{"duration": 0.3, "steps": 3}, Meta: mcp.Meta{"progressToken": "front-token"}})
			if !strings.Contains(got, "Long running operation completed") {
				t.Errorf("long running operation = %q", got)
			}
			fa.mu.Lock()
			if fmt.Sprint(fa.progress) != "[front-token:1/3 front-token:2/3 front-token:3/3]" {
				t.Errorf("relayed progress = %v", fa.progress)
			}
			fa.mu.Unlock()

			got = proxyCall(t, a, &mcp.CallToolParams{Name: "trigger-elicitation-request"})
			if !strings.Contains(got, "- Name: Ada Lovelace") {
				t.Errorf("elicitation result = %q", got)
			}
			fa.mu.Lock()
			if len(fa.elicited) != 1 || !strings.Contains(fa.elicited[0], "Please provide inputs") {
				t.Errorf("front client elicitations = %q", fa.elicited)
			}
			fa.mu.Unlock()
			fb.mu.Lock()
			if len(fb.elicited) != 0 || len(fb.progress) != 0 {
				t.Errorf("front session B saw A's relays: %v %v", fb.elicited, fb.progress)
			}
			fb.mu.Unlock()

			// server-everything keeps simulated logging per session: toggled
			// on in A, it is still off in B, and toggling A again stops it.
			toggle := &mcp.CallToolParams{Name: "toggle-simulated-logging"}
			if got := proxyCall(t, a, toggle); !strings.HasPrefix(got, "Started") {
				t.Errorf("A's first toggle = %q", got)
			}
			if got := proxyCall(t, b, toggle); !strings.HasPrefix(got, "Started") {
				t.Errorf("B's first toggle = %q: B shares A's upstream session", got)
			}
			if got := proxyCall(t, a, toggle); !strings.HasPrefix(got, "Stopped") {
				t.Errorf("A's second toggle = %q: A's upstream session changed", got)
			}
			proxyCall(t, b, toggle)
		})
	}
}

// TestMCPGenRun serves server-everything through `mcpgen run -- node ...`
// over stdio to a go-sdk client (protocol negotiated by default), and a
// one-server config over HTTP: list, call echo, progress.
func TestMCPGenRun(t *testing.T) {
	t.Parallel()
	needNode(t)
	bin := mcpgenBinary(t)
	abs, _ := filepath.Abs(everything)

	t.Run("stdio", func(t *testing.T) {
		t.Parallel()
		var fc frontClient
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.Command(bin, "run", "--", "node", abs, "stdio")
		cmd.Stderr = newTestWriter(t)
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "run-client", Version: "1"}, fc.options()).Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		waitTools(t, cs, "echo", "get-sum")
		if got := proxyCall(t, cs, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "run"}}); got != "Echo: run" {
			t.Errorf("echo = %q", got)
		}
		proxyCall(t, cs, &mcp.CallToolParams{Name: "trigger-long-running-operation",
			Arguments: map[string]any{"duration": 0.2, "steps": 2}, Meta: mcp.Meta{"progressToken": 7}})
		fc.mu.Lock()
		if fmt.Sprint(fc.progress) != "[7:1/2 7:2/2]" {
			t.Errorf("relayed progress = %v", fc.progress)
		}
		fc.mu.Unlock()
		res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "demo://resource/static/document/architecture.md"})
		if err != nil || len(res.Contents) == 0 {
			t.Errorf("read = %v, %v", res, err)
		}
	})

	t.Run("config-http", func(t *testing.T) {
		t.Parallel()
		cfg := filepath.Join(t.TempDir(), "mcp.json")
		body := fmt.Sprintf(`{"mcpServers": {"everything": {"command": "node", "args": [%q, "stdio"]}}}`, abs)
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		url := startHTTPArgs(t, bin, "run", cfg, "--http", "127.0.0.1:0")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "run-client", Version: "1"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		waitTools(t, cs, "everything_echo", "everything_get-sum")
		if got := proxyCall(t, cs, &mcp.CallToolParams{Name: "everything_echo", Arguments: map[string]any{"message": "cfg"}}); got != "Echo: cfg" {
			t.Errorf("everything_echo = %q", got)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		_, stderr, code := runIn(t, ".", nil, bin, "run", "http://127.0.0.1:1/mcp", "--timeout", "2s")
		if code == 0 || !strings.Contains(stderr, "127.0.0.1:1") {
			t.Errorf("mcpgen run of an unreachable URL: exit %d, stderr %q", code, stderr)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("took %v", d)
		}
	})
}

// testWriter sends a process's stderr to the test log until the test
// ends (a child may still write as it exits).
type testWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func newTestWriter(t *testing.T) *testWriter {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return w
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Logf("%s", strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// TestProxyServerEverythingRounds: a front client on protocol 2026-07-28,
// over stateless HTTP, answers server-everything's elicitation in an
// input-required round; the proxy sends the call upstream again with the
// answer.
func TestProxyServerEverythingRounds(t *testing.T) {
	t.Parallel()
	needNode(t)
	abs, _ := filepath.Abs(everything)
	url := proxyFront(t, proxy.Target{Command: "node", Args: []string{abs, "stdio"}}, &runtime.Options{Stateless: true})
	var fc frontClient
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "front-client", Version: "1"}, fc.options()).Connect(ctx,
		&mcp.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, &mcp.ClientSessionOptions{ProtocolVersion: "2026-07-28"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	waitTools(t, cs, "echo", "trigger-elicitation-request")
	got := proxyCall(t, cs, &mcp.CallToolParams{Name: "trigger-elicitation-request"})
	if !strings.Contains(got, "- Name: Ada Lovelace") {
		t.Errorf("elicitation result = %q", got)
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if len(fc.elicited) != 1 || !strings.Contains(fc.elicited[0], "Please provide inputs") {
		t.Errorf("front client elicitations = %q, want one", fc.elicited)
	}
}
