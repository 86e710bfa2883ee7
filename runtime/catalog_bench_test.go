package runtime

import (
	"bufio"
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

// BenchmarkListTools500Stdio lists 500 tools over ServeIO with raw
// JSON-RPC lines and reads the response without decoding it, so that what
// it measures is the server's side alone (go-sdk's framing included):
// BenchmarkListTools500's figures are mostly its client's decoding.
func BenchmarkListTools500Stdio(b *testing.B) {
	s := NewServer(&Implementation{Name: "b", Version: "1"}, nil)
	if err := s.Add(bench500()); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.ServeIO(ctx, sr, sw) }()
	defer func() {
		cw.Close()
		cancel()
		<-done
	}()
	out := bufio.NewReaderSize(cr, 1<<20)
	send := func(line string) []byte {
		if _, err := io.WriteString(cw, line+"\n"); err != nil {
			b.Fatal(err)
		}
		var resp []byte
		for {
			chunk, err := out.ReadSlice('\n')
			resp = append(resp, chunk...)
			if err == nil {
				return resp
			}
			if err != bufio.ErrBufferFull {
				b.Fatal(err)
			}
		}
	}
	send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`)
	if _, err := io.WriteString(cw, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"); err != nil {
		b.Fatal(err)
	}
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	if resp := send(list); strings.Count(string(resp), `"name":"tool_`) != 500 {
		b.Fatalf("tools/list: %.300s", resp)
	}
	b.ReportAllocs()
	for b.Loop() {
		if resp := send(list); !strings.Contains(string(resp[len(resp)-200:]), `"tool_499"`) {
			b.Fatalf("tools/list: %.300s", resp)
		}
	}
}
