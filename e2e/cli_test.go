package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The mcpgen CLI against servers nobody here wrote
// (@modelcontextprotocol/server-everything, over stdio and HTTP) and
// against the project's own examples.

const everything = "ts/node_modules/@modelcontextprotocol/server-everything/dist/index.js"

func mcpgenBinary(t *testing.T) string {
	t.Helper()
	return buildBinary(t, "../cmd/mcpgen")
}

// run runs mcpgen with args in dir and returns stdout, stderr and the exit
// status.
func run(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	return runIn(t, dir, nil, mcpgenBinary(t), args...)
}

// runIn runs bin with args in dir (with env added) and returns stdout,
// stderr and the exit status.
func runIn(t *testing.T, dir string, env []string, bin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", filepath.Base(bin), args, err)
	}
	return stdout.String(), stderr.String(), code
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startEverythingHTTP starts server-everything's streamable HTTP transport
// on a free loopback port (loopback.cjs keeps node from binding all
// interfaces) and returns its URL.
func startEverythingHTTP(t *testing.T) string {
	return startEverything(t, "streamableHttp", "/mcp")
}

func startEverything(t *testing.T, transport, path string) string {
	t.Helper()
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", everything, transport)
	preload, _ := filepath.Abs("../../shared/conformance/loopback.cjs")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	if _, err := os.Stat(preload); err == nil {
		cmd.Env = append(cmd.Env, "NODE_OPTIONS=--require "+preload)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return "http://" + addr + path
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("server-everything did not listen on %s", addr)
	return ""
}

func TestCLIAgainstServerEverything(t *testing.T) {
	t.Parallel()
	needTool(t, everything, "npm ci --prefix e2e/ts")
	abs, _ := filepath.Abs(everything)
	stdio := []string{"--", "node", abs, "stdio"}
	url := startEverythingHTTP(t)
	for _, tc := range []struct {
		name   string
		target func(args ...string) []string // places the target in a command line
	}{
		{"stdio", func(args ...string) []string { return append(args, stdio...) }},
		{"http", func(args ...string) []string {
			return append([]string{args[0], url}, args[1:]...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out, errOut, code := run(t, dir, tc.target("list", "--all")...)
			if code != 0 {
				t.Fatalf("list: exit %d\n%s", code, errOut)
			}
			if err := contains(out, "Tools (", "echo(message: string)", "message  required  Message to echo",
				"get-sum(a: number, b: number)", "Resources (", "demo://resource/static/document/", "Resource templates (", "Prompts (", "args-prompt(city, state?)"); err != nil {
				t.Error(err)
			}
			out, _, code = run(t, dir, tc.target("list", "--json")...)
			var cat struct {
				Tools []struct{ Name string } `json:"tools"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &cat) != nil || len(cat.Tools) < 10 {
				t.Errorf("list --json: exit %d, %d tools\n%.300s", code, len(cat.Tools), out)
			}

			out, _, code = run(t, dir, tc.target("call", "get-sum", "a=2", "b=3.5")...)
			if code != 0 || !strings.Contains(out, "5.5") {
				t.Errorf("call get-sum: exit %d %q", code, out)
			}
			out, _, code = run(t, dir, tc.target("call", "get-structured-content", "location=Chicago")...)
			var structured map[string]any
			if code != 0 || json.Unmarshal([]byte(out), &structured) != nil || structured["temperature"] == nil {
				t.Errorf("structured content: exit %d %q", code, out)
			}
			_, errOut, code = run(t, dir, tc.target("call", "trigger-long-running-operation", "duration=1", "steps=3")...)
			if code != 0 || !strings.Contains(errOut, "progress 1/3") || !strings.Contains(errOut, "progress 3/3") {
				t.Errorf("progress: exit %d, stderr %q", code, errOut)
			}
			_, errOut, code = run(t, dir, tc.target("call", "get-tiny-image")...)
			if code != 0 || !strings.Contains(errOut, "saved image (image/png") {
				t.Errorf("image: exit %d, stderr %q", code, errOut)
			}
			if st, err := os.Stat(filepath.Join(dir, "get-tiny-image-1.png")); err != nil || st.Size() < 100 {
				t.Errorf("image file: %v", err)
			}
			_, errOut, code = run(t, dir, tc.target("call", "get-sum", "a=x")...)
			if code == 0 || !strings.Contains(errOut, `argument a: "x" is not a number`) {
				t.Errorf("bad argument: exit %d %q", code, errOut)
			}
			_, errOut, code = run(t, dir, tc.target("call", "no-such-tool")...)
			if code == 0 || !strings.Contains(errOut, `no tool "no-such-tool"`) {
				t.Errorf("unknown tool: exit %d %q", code, errOut)
			}
			out, _, code = run(t, dir, tc.target("read", "demo://resource/dynamic/text/7")...)
			if code != 0 || !strings.Contains(out, "Resource 7") {
				t.Errorf("read: exit %d %q", code, out)
			}
			out, _, code = run(t, dir, tc.target("prompt", "args-prompt", "city=Paris")...)
			if code != 0 || !strings.Contains(out, "[user]") || !strings.Contains(out, "Paris") {
				t.Errorf("prompt: exit %d %q", code, out)
			}
			out, _, code = run(t, dir, tc.target("inspect")...)
			if code != 0 || !strings.Contains(out, "mcp-servers/everything") || !strings.Contains(out, "Capabilities:  tools, resources (subscribe), prompts, logging, completions") {
				t.Errorf("inspect: exit %d %q", code, out)
			}
		})
	}
}

// A server that only speaks the 2024-11-05 HTTP+SSE transport is reached
// through the fallback.
func TestCLISSEFallback(t *testing.T) {
	t.Parallel()
	needTool(t, everything, "npm ci --prefix e2e/ts")
	url := startEverything(t, "sse", "/sse")
	out, errOut, code := run(t, t.TempDir(), "inspect", url)
	if code != 0 || !strings.Contains(out, "Transport:     HTTP+SSE "+url) || !strings.Contains(out, "Tools:         ") {
		t.Fatalf("inspect over SSE: exit %d %q %q", code, out, errOut)
	}
	out, _, code = run(t, t.TempDir(), "call", url, "echo", "message=over sse")
	if code != 0 || !strings.Contains(out, "over sse") {
		t.Errorf("call over SSE: exit %d %q", code, out)
	}
	// Given the server's base URL, streamable HTTP fails and the CLI
	// falls back to HTTP+SSE at /sse.
	mcpURL := strings.TrimSuffix(url, "/sse") + "/mcp"
	out, _, code = run(t, t.TempDir(), "inspect", mcpURL)
	if code != 0 || !strings.Contains(out, "Transport:     HTTP+SSE "+url) {
		t.Errorf("fallback from %s: exit %d %q", mcpURL, code, out)
	}
}

// The CLI against the project's own servers: a Go package directory
// (built and run over stdio) and a URL.
func TestCLIAgainstOwnServers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	weather, _ := filepath.Abs("../examples/weather")
	out, errOut, code := run(t, dir, "list", weather)
	if code != 0 || !strings.Contains(out, `forecast(city: string, days?: integer = 3, units?: "metric"|"imperial" = "metric") -> {`) {
		t.Fatalf("list package dir: exit %d %q %q", code, out, errOut)
	}
	out, _, code = run(t, dir, "call", weather, "convert_temperature", "value=100", "from=celsius", "to=fahrenheit")
	if code != 0 || !strings.Contains(out, `"value": 212`) {
		t.Errorf("call: exit %d %q", code, out)
	}
	_, errOut, code = run(t, dir, "call", weather, "forecast", "city=Atlantis")
	if code != 1 || !strings.Contains(errOut, `error: tool forecast failed: unknown city "Atlantis"`) {
		t.Errorf("tool error: exit %d %q", code, errOut)
	}
	_, errOut, code = run(t, dir, "call", weather, "forecast", "--args", `{"city":"Paris","days":99}`)
	if code != 1 || !strings.Contains(errOut, "invalid arguments: days: must be at most 14, not 99") {
		t.Errorf("invalid arguments: exit %d %q", code, errOut)
	}
	url := startHTTP(t, buildBinary(t, "./testserver"))
	out, _, code = run(t, dir, "read", url, "notes://2")
	if code != 0 || strings.TrimSpace(out) != "note number 2" {
		t.Errorf("read over HTTP: exit %d %q", code, out)
	}
	out, _, code = run(t, dir, "inspect", url, "--json")
	var info struct {
		ServerInfo struct{ Name string } `json:"serverInfo"`
		Catalogue  struct {
			Tools []any `json:"tools"`
		} `json:"catalogue"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &info) != nil || info.ServerInfo.Name != "testserver" || len(info.Catalogue.Tools) < 4 {
		t.Errorf("inspect --json: exit %d %.300s", code, out)
	}
}

// mcpgen inspect shows the protocol version it negotiated and the ones the
// server supports over that transport: every one over stdio and HTTP,
// whose default endpoint serves 2026-07-28 sessionlessly beside the
// sessions of older versions.
func TestInspectProtocolVersions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := buildBinary(t, "./testserver")
	all := "2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05"
	for _, tc := range []struct {
		name                  string
		target                []string
		negotiated, supported string
	}{
		{"stdio", []string{"--", bin}, "2026-07-28", all},
		{"default HTTP endpoint", []string{startHTTP(t, bin)}, "2026-07-28", all},
		{"stateless HTTP", []string{startHTTP(t, bin, "-stateless")}, "2026-07-28", all},
		{"stateless HTTP, JSON responses", []string{startHTTP(t, bin, "-stateless", "-json-response")}, "2026-07-28", all},
	} {
		args := append([]string{"inspect"}, tc.target...)
		out, errOut, code := run(t, dir, args...)
		want := fmt.Sprintf("Protocol:      %s (negotiated)\nSupported:     %s (over this transport)\n", tc.negotiated, tc.supported)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d\n%s%s\nwant the lines\n%s", tc.name, code, out, errOut, want)
		}
		// --json goes before "--": after it, everything is the command.
		args = append([]string{"inspect", "--json"}, tc.target...)
		out, errOut, code = run(t, dir, args...)
		var info struct {
			ProtocolVersion   string   `json:"protocolVersion"`
			SupportedVersions []string `json:"supportedVersions"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &info) != nil || info.ProtocolVersion != tc.negotiated ||
			strings.Join(info.SupportedVersions, ", ") != tc.supported {
			t.Errorf("%s: inspect --json: exit %d %.400s %s", tc.name, code, out, errOut)
		}
	}
}

// mcpgen call against a real server: a comma list for an array of
// strings (as the generated CLI takes), the nearest tool name for an
// unknown one, and missing required arguments named with the signature,
// before anything is sent.
func TestCLICallHelps(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := buildBinary(t, "./testserver")
	out, errOut, code := run(t, dir, "call", "echo", "text=hi", "tags=home,garden", "--", bin)
	var echoed struct {
		Text string   `json:"text"`
		Tags []string `json:"tags"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &echoed) != nil || echoed.Text != "hi" || strings.Join(echoed.Tags, "|") != "home|garden" {
		t.Errorf("comma list: exit %d %q %q", code, out, errOut)
	}
	_, errOut, code = run(t, dir, "call", "ecoh", "text=hi", "--", bin)
	if code != 1 || !strings.Contains(errOut, `the server has no tool "ecoh"; did you mean "echo"?`) {
		t.Errorf("unknown tool: exit %d %q", code, errOut)
	}
	_, errOut, code = run(t, dir, "call", "echo", "repeat=2", "--", bin)
	want := "Missing required arguments: text\n  echo(text: string, repeat?: integer = 1, tags?: []string) -> {text, tags}\n"
	if code != 1 || errOut != want {
		t.Errorf("missing arguments: exit %d\n%q\nwant\n%q", code, errOut, want)
	}
}
