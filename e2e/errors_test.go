package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"testing"
	"time"

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
