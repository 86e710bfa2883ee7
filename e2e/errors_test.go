package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/readme"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Errors from resource handlers reach a real client, over stdio and HTTP,
// as the JSON-RPC errors of its protocol version: a missing resource as
// "resource not found" (-32002 up to 2025-11-25, -32602 from 2026-07-28)
// with the handler's message and data.uri, any other error as an internal
// error (-32603), masked with Options.MaskErrors. The server keeps serving.
func TestResourceErrors(t *testing.T) {
	bin := buildBinary(t, "./testserver")
	for _, tc := range []struct {
		transport, protocol string
		extra               []string
		negotiated          string // when not protocol
		notFound            int64
	}{
		{"stdio", "2025-11-25", nil, "", -32002},
		{"stdio", "2026-07-28", nil, "", -32602},
		{"http", "2025-06-18", nil, "", -32002},
		{"http", "2025-11-25", nil, "", -32002},
		// The default endpoint answers 2026-07-28 sessionlessly.
		{"http", "2026-07-28", nil, "", -32602},
		// An older version asked of it: the code follows the version
		// negotiated.
		{"http", "2025-03-26", nil, "", -32002},
		{"http", "2025-11-25", []string{"-stateless"}, "", -32002},
		{"http", "2026-07-28", []string{"-stateless"}, "", -32602},
		{"stdio", "2025-11-25", []string{"-mask-errors"}, "", -32002},
		{"http", "2026-07-28", []string{"-mask-errors", "-stateless"}, "", -32602},
	} {
		name := tc.transport + "-" + tc.protocol
		for _, e := range tc.extra {
			name += e
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var tr mcp.Transport
			if tc.transport == "stdio" {
				tr = &mcp.CommandTransport{Command: exec.Command(bin, tc.extra...)}
			} else {
				tr = &mcp.StreamableClientTransport{Endpoint: startHTTP(t, bin, tc.extra...)}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			client := mcp.NewClient(&mcp.Implementation{Name: "e2e-errors", Version: "1.0.0"}, nil)
			cs, err := client.Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: tc.protocol})
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			want := tc.protocol
			if tc.negotiated != "" {
				want = tc.negotiated
			}
			if got := cs.InitializeResult().ProtocolVersion; got != want {
				t.Fatalf("negotiated %s, want %s", got, want)
			}
			masked := len(tc.extra) > 0 && tc.extra[0] == "-mask-errors"
			internal := "note 13: the disk is on fire"
			if masked {
				internal = `resource "notes://13" failed`
			}
			for _, want := range []struct {
				uri, message string
				code         int64
				dataURI      bool
			}{
				{"notes://9", "note 9: resource not found", tc.notFound, true}, // the handler's ErrResourceNotFound
				{"other://x", "Resource not found", tc.notFound, true},         // no resource or template matches
				{"notes://13", internal, jsonrpc.CodeInternalError, false},     // a plain error
			} {
				_, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: want.uri})
				var rpc *jsonrpc.Error
				if !errors.As(err, &rpc) {
					t.Errorf("read %s: %v, want a JSON-RPC error", want.uri, err)
					continue
				}
				if rpc.Code != want.code || rpc.Message != want.message {
					t.Errorf("read %s: code %d %q, want %d %q", want.uri, rpc.Code, rpc.Message, want.code, want.message)
				}
				var data struct {
					URI string `json:"uri"`
				}
				if want.dataURI && (json.Unmarshal(rpc.Data, &data) != nil || data.URI != want.uri) {
					t.Errorf("read %s: data %s, want {\"uri\":%q}", want.uri, rpc.Data, want.uri)
				}
			}
			rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "notes://2"})
			if err != nil || len(rr.Contents) != 1 || rr.Contents[0].Text != "note number 2" {
				t.Errorf("read after the errors: %+v, %v", rr, err)
			}
		})
	}
}

// Tool errors reach a real client over stdio, stateful HTTP and the
// stateless fast path: with -mask-errors a tool's own error and a panic
// only name the tool, while a runtime.ToolError and invalid arguments are
// shown; without it everything is shown.
func TestToolErrors(t *testing.T) {
	readme.Check(t, "../README.md", "testserver/server.go", "lookup")
	for _, tc := range []struct {
		transport string
		extra     []string
	}{
		{"stdio", nil},
		{"stdio", []string{"-mask-errors"}},
		{"http", []string{"-mask-errors"}},
		{"http", []string{"-mask-errors", "-stateless", "-json-response"}},
		{"http", []string{"-stateless", "-json-response"}},
	} {
		masked := slices.Contains(tc.extra, "-mask-errors")
		t.Run(tc.transport+strings.Join(tc.extra, ""), func(t *testing.T) {
			t.Parallel()
			cs := connect(t, tc.transport, "./testserver", tc.extra...)
			for _, c := range []struct {
				tool          string
				args          map[string]any
				plain, masked string
			}{
				{"fail", nil, "the tool failed on purpose", `tool "fail" failed`},
				{"explode", map[string]any{"message": "kaboom"}, `tool "explode" panicked: kaboom`, `tool "explode" failed with an internal error`},
				{"lookup", map[string]any{"city": "Atlantis"}, `no city named "Atlantis"; try Paris`, `no city named "Atlantis"; try Paris`},
				{"echo", map[string]any{"text": ""}, "invalid arguments: text: must be at least 1 character long", "invalid arguments: text: must be at least 1 character long"},
			} {
				want := c.plain
				if masked {
					want = c.masked
				}
				res, text := callText(t, cs, c.tool, c.args)
				if !res.IsError || text != want {
					t.Errorf("%s: isError=%v %q, want %q", c.tool, res.IsError, text, want)
				}
			}
			if res, text := callText(t, cs, "lookup", map[string]any{"city": "Paris"}); res.IsError || text != "Paris: 2.1 million people" {
				t.Errorf("lookup Paris: %v %q", res.IsError, text)
			}
		})
	}
}
