package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// bench500 returns 500 tools with realistic schemas.
func bench500() *Components {
	var c Components
	for i := range 500 {
		c.Tools = append(c.Tools, &Tool{
			Name: fmt.Sprintf("tool_%03d", i), Description: "Looks something up in the catalogue of things, by name and kind.",
			Tags:        []string{"bench"},
			InputSchema: json.RawMessage(`{"type":"object","properties":{"name":{"type":"string","minLength":1,"description":"what to look up"},"kind":{"type":"string","enum":["a","b","c"]},"limit":{"type":"integer","minimum":1,"maximum":100,"default":10}},"required":["name"]}`),
			Handler:     text("ok"),
		})
	}
	return &c
}

// BenchmarkListTools500 lists 500 tools through the catalogue over go-sdk's
// in-memory transport, client decoding included.
func BenchmarkListTools500(b *testing.B) {
	s := NewServer(&Implementation{Name: "b", Version: "1"}, nil)
	if err := s.Add(bench500()); err != nil {
		b.Fatal(err)
	}
	ct, st := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := s.MCP().Connect(ctx, st, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer cs.Close()
	b.ReportAllocs()
	for b.Loop() {
		res, err := cs.ListTools(ctx, nil)
		if err != nil || len(res.Tools) != 500 {
			b.Fatalf("%d tools, %v", len(res.Tools), err)
		}
	}
}

// BenchmarkStatelessCall500 is one tools/call on the stateless JSON fast
// path of a server with 500 tools, over a loopback listener.
func BenchmarkStatelessCall500(b *testing.B) {
	s := NewServer(&Implementation{Name: "b", Version: "1"}, &Options{Stateless: true, JSONResponse: true})
	if err := s.Add(bench500()); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"tool_250","arguments":{"name":"x"}}}`
	client := srv.Client()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(out), `"ok"`) {
			b.Fatalf("%d %s", resp.StatusCode, out)
		}
	}
}
