package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// tsResult is what e2e/ts/weather-client.mjs reports.
type tsResult struct {
	Server struct{ Name, Version string }
	Tools  []struct {
		Name            string
		Description     string
		InputSchema     map[string]any
		HasOutputSchema bool
	}
	Forecast    toolResult
	BadArgs     toolResult
	UnknownCity toolResult
	UnknownTool json.RawMessage
	Templates   []struct{ URITemplate string }
	City        struct {
		Contents []struct{ URI, MimeType, Text string }
	}
	Prompt struct {
		Messages []struct {
			Role    string
			Content struct{ Type, Text string }
		}
	}
}

type toolResult struct {
	Content []struct{ Type, Text string }
	// StructuredContent is decoded loosely: the test checks its shape.
	StructuredContent map[string]any
	IsError           bool
}

func (r toolResult) text() string {
	var b strings.Builder
	for _, c := range r.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

// TestTypeScriptClient runs the official TypeScript SDK client against the
// weather example over streamable HTTP and over stdio.
func TestTypeScriptClient(t *testing.T) {
	needTool(t, "ts/node_modules/@modelcontextprotocol/sdk/package.json", "npm ci --prefix e2e/ts")
	bin := buildBinary(t, "../examples/weather/cmd/weather")

	for _, tc := range []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"http", func(t *testing.T) []string { return []string{"http", startHTTP(t, bin)} }},
		{"http-stateless", func(t *testing.T) []string { return []string{"http", startHTTP(t, bin, "-stateless")} }},
		{"stdio", func(t *testing.T) []string { return []string{"stdio", bin} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", append([]string{"ts/weather-client.mjs"}, tc.args(t)...)...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node client: %v\nstderr:\n%s", err, stderr.String())
			}
			var r tsResult
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("client output: %v\n%s", err, out)
			}
			checkTSResult(t, &r)
		})
	}
}

func checkTSResult(t *testing.T, r *tsResult) {
	t.Helper()
	if r.Server.Name != "weather" {
		t.Errorf("server name = %q, want weather", r.Server.Name)
	}
	names := map[string]bool{}
	for _, tool := range r.Tools {
		names[tool.Name] = true
		if tool.Description == "" {
			t.Errorf("tool %s has no description", tool.Name)
		}
		if tool.InputSchema["type"] != "object" {
			t.Errorf("tool %s input schema type = %v, want object", tool.Name, tool.InputSchema["type"])
		}
	}
	for _, want := range []string{"forecast", "convert_temperature", "compare_cities"} {
		if !names[want] {
			t.Errorf("tools/list lacks %s (got %v)", want, names)
		}
	}

	if r.Forecast.IsError {
		t.Fatalf("forecast failed: %s", r.Forecast.text())
	}
	days, _ := r.Forecast.StructuredContent["days"].([]any)
	if r.Forecast.StructuredContent["city"] != "Paris" || len(days) != 2 {
		t.Errorf("forecast structured content = %v, want city Paris and 2 days", r.Forecast.StructuredContent)
	}
	if r.Forecast.StructuredContent["units"] != "metric" {
		t.Errorf("units default not applied: %v", r.Forecast.StructuredContent["units"])
	}
	// The text content mirrors the structured content for older clients.
	var mirrored map[string]any
	if err := json.Unmarshal([]byte(r.Forecast.text()), &mirrored); err != nil || mirrored["city"] != "Paris" {
		t.Errorf("text content is not the JSON of the result: %q", r.Forecast.text())
	}

	if !r.BadArgs.IsError {
		t.Errorf("bad arguments did not give isError: %+v", r.BadArgs)
	}
	if err := contains(r.BadArgs.text(), "invalid arguments", "city", "days"); err != nil {
		t.Errorf("bad arguments message: %v", err)
	}
	if !r.UnknownCity.IsError {
		t.Errorf("unknown city did not give isError")
	}
	if err := contains(r.UnknownCity.text(), "unknown city", "Atlantis"); err != nil {
		t.Errorf("unknown city message: %v", err)
	}
	var unknown struct {
		Code    int
		Message string
	}
	if err := json.Unmarshal(r.UnknownTool, &unknown); err != nil || unknown.Code != -32602 {
		t.Errorf("unknown tool: got %s, want a JSON-RPC -32602 error", r.UnknownTool)
	}

	if len(r.Templates) == 0 || r.Templates[0].URITemplate != "weather://cities/{name}" {
		t.Errorf("resource templates = %+v", r.Templates)
	}
	if len(r.City.Contents) != 1 || r.City.Contents[0].MimeType != "application/json" || !strings.Contains(r.City.Contents[0].Text, `"Tokyo"`) {
		t.Errorf("weather://cities/tokyo = %+v", r.City.Contents)
	}
	if len(r.Prompt.Messages) != 1 || !strings.Contains(r.Prompt.Messages[0].Content.Text, "Reykjavik") {
		t.Errorf("plan_trip = %+v", r.Prompt.Messages)
	}
}
