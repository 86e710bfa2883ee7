package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// connect returns a go-sdk client session to the test server over the named
// transport: the binary itself over stdio, or a child process serving HTTP.
func connect(t *testing.T, transport, pkgDir string, extra ...string) *mcp.ClientSession {
	t.Helper()
	return connectAt(t, transport, pkgDir, "", extra...)
}

// connectAt is connect offering protocol version ("" for go-sdk's newest).
func connectAt(t *testing.T, transport, pkgDir, version string, extra ...string) *mcp.ClientSession {
	t.Helper()
	bin := buildBinary(t, pkgDir)
	var tr mcp.Transport
	switch transport {
	case "stdio":
		tr = &mcp.CommandTransport{Command: exec.Command(bin, extra...)}
	case "http":
		tr = &mcp.StreamableClientTransport{Endpoint: startHTTP(t, bin, extra...)}
	default:
		t.Fatalf("unknown transport %q", transport)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1.0.0"}, nil).Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect over %s: %v", transport, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func callText(t *testing.T, cs *mcp.ClientSession, name string, args any) (*mcp.CallToolResult, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("tools/call %s: %v", name, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return res, b.String()
}

// TestGoSDKClient exercises a generated server end to end over stdio, stateful
// HTTP and stateless HTTP with go-sdk's client.
func TestGoSDKClient(t *testing.T) {
	for _, tc := range []struct {
		transport string
		extra     []string
	}{
		{"stdio", nil},
		{"http", nil},
		{"http", []string{"-stateless"}},
	} {
		name := tc.transport + strings.Join(tc.extra, "")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cs := connect(t, tc.transport, "./testserver", tc.extra...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			tools, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*mcp.Tool{}
			for _, tool := range tools.Tools {
				got[tool.Name] = tool
			}
			for _, want := range []string{"echo", "explode", "fail", "sleep"} {
				if got[want] == nil {
					t.Fatalf("tools/list lacks %q", want)
				}
			}
			schema, _ := json.Marshal(got["echo"].InputSchema)
			if err := contains(string(schema), `"type":"object"`, `"text"`, `"minLength":1`, `"required":["text"]`); err != nil {
				t.Errorf("echo input schema: %v", err)
			}

			res, text := callText(t, cs, "echo", map[string]any{"text": "ab", "repeat": 2, "tags": []string{"x"}})
			if res.IsError || text != `{"text":"abab","tags":["x"]}` {
				t.Errorf("echo: isError=%v text=%s", res.IsError, text)
			}
			// The client decodes structured content into a map, so compare
			// it as JSON values rather than text.
			if sc, _ := json.Marshal(res.StructuredContent); string(sc) != `{"tags":["x"],"text":"abab"}` {
				t.Errorf("echo structured content = %s", sc)
			}

			// Bad arguments: every problem in one tool error the model can read.
			res, text = callText(t, cs, "echo", map[string]any{"text": "", "repeat": 9, "tags": []string{"a", "b", "c", "d"}})
			if !res.IsError {
				t.Errorf("bad arguments: not an error result: %s", text)
			}
			if err := contains(text, "invalid arguments", "text", "repeat", "tags"); err != nil {
				t.Errorf("bad arguments: %v", err)
			}
			res, text = callText(t, cs, "echo", map[string]any{"text": 42})
			if !res.IsError || !strings.Contains(text, "text: expected string, got number") {
				t.Errorf("wrong type: isError=%v %q", res.IsError, text)
			}
			res, text = callText(t, cs, "echo", map[string]any{})
			if !res.IsError || !strings.Contains(text, `missing required argument "text"`) {
				t.Errorf("missing argument: isError=%v %q", res.IsError, text)
			}

			// A panicking tool is an error result, and the server keeps serving.
			res, text = callText(t, cs, "explode", map[string]any{"message": "kaboom"})
			if !res.IsError || !strings.Contains(text, "kaboom") {
				t.Errorf("explode: isError=%v %q", res.IsError, text)
			}
			res, text = callText(t, cs, "fail", nil)
			if !res.IsError || text != "the tool failed on purpose" {
				t.Errorf("fail: isError=%v %q", res.IsError, text)
			}
			start := time.Now()
			res, text = callText(t, cs, "sleep", nil)
			if !res.IsError || !strings.Contains(text, "timed out") {
				t.Errorf("sleep: isError=%v %q", res.IsError, text)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("sleep's 200ms timeout returned after %v", d)
			}
			if res, _ := callText(t, cs, "echo", map[string]any{"text": "still here"}); res.IsError {
				t.Error("server stopped serving after the failures")
			}

			// Unknown tool: a protocol error.
			_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "nope"})
			var rpcErr *jsonrpc.Error
			if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInvalidParams {
				t.Errorf("unknown tool: err = %v, want -32602", err)
			}

			// Resource template with a typed variable.
			rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "notes://2"})
			if err != nil || len(rr.Contents) != 1 || rr.Contents[0].Text != "note number 2" || rr.Contents[0].MIMEType != "text/plain" {
				t.Errorf("notes://2: %+v, %v", rr, err)
			}
			_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "notes://9"})
			notFound := int64(-32002) // up to 2025-11-25; see TestResourceErrors
			if cs.InitializeResult().ProtocolVersion >= "2026-07-28" {
				notFound = jsonrpc.CodeInvalidParams
			}
			if !errors.As(err, &rpcErr) || rpcErr.Code != notFound || rpcErr.Message != "note 9: resource not found" {
				t.Errorf("notes://9: err = %v, want resource not found (%d)", err, notFound)
			}
			_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "notes://abc"})
			if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInvalidParams {
				t.Errorf("notes://abc: err = %v, want invalid params", err)
			}
		})
	}
}
