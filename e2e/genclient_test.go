package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tempModule creates a module that requires this checkout of mcpgen (by a
// replace directive), so that generated code can be built and run.
func tempModule(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	root, _ := filepath.Abs("..")
	gomod := "module " + name + "\n\ngo 1.26.0\n\nrequire github.com/mcpgen/mcpgen v0.0.0\n\nreplace github.com/mcpgen/mcpgen => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tempModuleEnv is the environment of the go command in a tempModule: it
// may add the requirements the module's go.mod lacks, and fetch the go.mod
// files of modules this checkout's own build never needed (a fresh module
// cache holds only those), such as gopkg.in/yaml.v3's unpruned test
// dependencies.
var tempModuleEnv = []string{"GOFLAGS=-mod=mod"}

// goRun runs `go args...` in dir and returns its combined output.
func goRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return goRunEnv(t, dir, tempModuleEnv, args...)
}

// goRunEnv runs `go args...` in dir with env added and returns its combined
// output.
func goRunEnv(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// generate-client against server-everything (over stdio): the generated
// client builds, vets, and calls the server with typed arguments and
// results.
func TestGenerateClientAgainstServerEverything(t *testing.T) {
	t.Parallel()
	needTool(t, everything, "npm ci --prefix e2e/ts")
	ev, _ := filepath.Abs(everything)
	mod := tempModule(t, "example.com/app")
	_, errOut, code := run(t, mod, "generate-client", "-o", "everything", "--", "node", ev, "stdio")
	if code != 0 || !strings.Contains(errOut, "wrote everything/mcp_client_gen.go (14 tools") {
		t.Fatalf("generate-client: exit %d %s", code, errOut)
	}
	main := `package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"example.com/app/everything"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func main() {
	ctx := context.Background()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "app", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: exec.Command("node", os.Args[1], "stdio")}, nil)
	if err != nil {
		panic(err)
	}
	defer cs.Close()
	c := everything.New(cs)
	sum, err := c.GetSum(ctx, everything.GetSumArgs{A: 2, B: 3.5})
	if err != nil {
		panic(err)
	}
	fmt.Println("sum:", client.Text(sum.Content))
	weather, err := c.GetStructuredContent(ctx, everything.GetStructuredContentArgs{Location: "Chicago"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("structured: %T %v %s\n", weather.Temperature, weather.Temperature > -100, weather.Conditions)
	echo, err := c.Echo(ctx, everything.EchoArgs{Message: "typed"})
	if err != nil {
		panic(err)
	}
	fmt.Println("echo:", client.Text(echo.Content))
	p, err := c.ArgsPrompt(ctx, everything.ArgsPromptArgs{City: "Paris"})
	if err != nil {
		panic(err)
	}
	fmt.Println("prompt:", p.Messages[0].Content.(*mcp.TextContent).Text)
	r, err := c.DynamicTextResource(ctx, "7")
	if err != nil {
		panic(err)
	}
	fmt.Println("resource:", r.URI)
	_, err = c.GetStructuredContent(ctx, everything.GetStructuredContentArgs{Location: "Atlantis"})
	var te *client.ToolError
	fmt.Println("bad location is an error:", err != nil, errors.As(err, &te))
}
`
	if err := os.WriteFile(filepath.Join(mod, "main.go"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	goRun(t, mod, "vet", "./...")
	out := goRun(t, mod, "run", ".", ev)
	for _, want := range []string{"sum: The sum of 2 and 3.5 is 5.5.", "structured: float64 true", "echo: Echo: typed", "prompt: What's weather in Paris?", "resource: demo://resource/dynamic/text/7", "bad location is an error: true"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// buildCLI runs generate-cli with args in a temp dir and builds the result,
// returning the binary.
func buildCLI(t *testing.T, name string, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	root, _ := filepath.Abs("..")
	out := filepath.Join(dir, name)
	full := append([]string{"generate-cli", "-o", out, "--name", name, "--mcpgen-dir", root}, args...)
	_, errOut, code := run(t, dir, full...)
	if code != 0 {
		t.Fatalf("generate-cli: exit %d\n%s", code, errOut)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	// The generated go.mod is complete: with this repository's go.sum it
	// builds offline, as is, from what building this repository downloaded.
	offline := []string{"GOFLAGS=-mod=readonly", "GOPROXY=off"}
	goRunEnv(t, out, offline, "vet", ".")
	goRunEnv(t, out, offline, "build", "-o", name, ".")
	return filepath.Join(out, name)
}

// runCLI runs a generated CLI and returns stdout, stderr and exit status.
func runCLI(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	return runIn(t, "", nil, bin, args...)
}

func TestGenerateCLIAgainstServerEverything(t *testing.T) {
	t.Parallel()
	needTool(t, everything, "npm ci --prefix e2e/ts")
	ev, _ := filepath.Abs(everything)
	bin := buildCLI(t, "everything", "--", "node", ev, "stdio")

	out, _, code := runCLI(t, bin, "--help")
	if code != 0 || !strings.Contains(out, "get-sum") || !strings.Contains(out, "Returns the sum of two numbers") {
		t.Errorf("--help: %d %s", code, out)
	}
	out, _, _ = runCLI(t, bin, "get-resource-links", "--help")
	if !strings.Contains(out, "--count float") || !strings.Contains(out, "(default 3)") {
		t.Errorf("defaults in help: %s", out)
	}
	out, _, code = runCLI(t, bin, "get-sum", "--a", "2", "--b", "3.5")
	if code != 0 || strings.TrimSpace(out) != "The sum of 2 and 3.5 is 5.5." {
		t.Errorf("get-sum: %d %q", code, out)
	}
	_, errOut, code := runCLI(t, bin, "get-sum", "--a", "2")
	if code == 0 || !strings.Contains(errOut, `required flag(s) "b" not set`) {
		t.Errorf("missing required flag: %d %q", code, errOut)
	}
	_, errOut, code = runCLI(t, bin, "get-annotated-message", "--message-type", "nope")
	if code == 0 || !strings.Contains(errOut, "--message-type must be one of error, success, debug") {
		t.Errorf("enum: %d %q", code, errOut)
	}
	_, errOut, code = runCLI(t, bin, "get-sum", "--a", "x", "--b", "1")
	if code == 0 || !strings.Contains(errOut, `invalid argument "x" for "--a"`) {
		t.Errorf("typed flag: %d %q", code, errOut)
	}
	out, _, code = runCLI(t, bin, "get-structured-content", "--location", "Chicago")
	var v map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v["temperature"] == nil {
		t.Errorf("structured: %d %q", code, out)
	}
	out, _, code = runCLI(t, bin, "--json", "echo", "--message", "hi")
	if code != 0 || !strings.Contains(out, `"text": "Echo: hi"`) {
		t.Errorf("--json: %d %q", code, out)
	}
	out, errOut, code = runCLI(t, bin, "trigger-long-running-operation", "--duration", "0.3", "--steps", "3")
	if code != 0 || !strings.Contains(out, "Long running operation completed") {
		t.Errorf("long running: %d %q %q", code, out, errOut)
	}
	for _, line := range []string{"progress 1/3", "progress 2/3", "progress 3/3"} {
		if !strings.Contains(errOut, line) {
			t.Errorf("progress: no %q on stderr:\n%s", line, errOut)
		}
	}
}

// The generated CLI of examples/weather, with the server's URL baked in,
// and pointed at another server with --server.
func TestGenerateCLIAgainstWeather(t *testing.T) {
	t.Parallel()
	weather := buildBinary(t, "../examples/weather/cmd/weather")
	url := startHTTP(t, weather)
	bin := buildCLI(t, "weather", "--server", url)
	// Subcommands are kebab-case, as flags are; the tool's own name works too.
	out, _, code := runCLI(t, bin, "--help")
	if code != 0 || !strings.Contains(out, "convert-temperature") || !strings.Contains(out, "compare-cities") || strings.Contains(out, "convert_temperature") {
		t.Errorf("--help: %d %s", code, out)
	}
	for _, sub := range []string{"convert-temperature", "convert_temperature"} {
		out, _, code := runCLI(t, bin, sub, "--value", "100", "--from", "celsius", "--to", "fahrenheit")
		if code != 0 || !strings.Contains(out, `"value": 212`) {
			t.Errorf("%s: %d %q", sub, code, out)
		}
	}
	readme, err := os.ReadFile(filepath.Join(filepath.Dir(bin), "README.md"))
	if err != nil || !strings.Contains(string(readme), "- `compare-cities` (tool `compare_cities`):") {
		t.Errorf("README of the CLI: %v\n%s", err, readme)
	}
	out, _, code = runCLI(t, bin, "compare-cities", "--cities", "Reykjavik,Cairo", "--date", "2026-01-10")
	if code != 0 || !strings.Contains(out, `"warmest": "Cairo"`) {
		t.Errorf("compare (string list flag): %d %q", code, out)
	}
	_, errOut, code := runCLI(t, bin, "forecast", "--city", "Atlantis")
	if code != 1 || !strings.Contains(errOut, `unknown city "Atlantis"`) {
		t.Errorf("tool error: %d %q", code, errOut)
	}
	out, _, _ = runCLI(t, bin, "forecast", "--help")
	if !strings.Contains(out, `--units string`) || !strings.Contains(out, `one of: metric, imperial`) || !strings.Contains(out, `(default "metric")`) || !strings.Contains(out, "--days int") {
		t.Errorf("forecast help: %s", out)
	}
	// Another server: the one at the other URL, given by flag.
	other := startHTTP(t, weather)
	out, _, code = runCLI(t, bin, "--server", other, "convert-temperature", "--value", "0", "--from", "kelvin", "--to", "celsius")
	if code != 0 || !strings.Contains(out, `"value": -273.15`) {
		t.Errorf("--server: %d %q", code, out)
	}
	// ...by environment (a URL), and by --server-command (over stdio).
	out, _, code = runIn(t, "", []string{"WEATHER_SERVER=" + other}, bin, "convert-temperature", "--value", "0", "--from", "kelvin", "--to", "celsius")
	if code != 0 || !strings.Contains(out, `"value": -273.15`) {
		t.Errorf("WEATHER_SERVER: %d %q", code, out)
	}
	out, _, code = runCLI(t, bin, "--server-command", weather, "convert-temperature", "--value", "32", "--from", "fahrenheit", "--to", "celsius")
	if code != 0 || !strings.Contains(out, `"value": 0`) {
		t.Errorf("--server-command: %d %q", code, out)
	}
}
