package runtime

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// benchStdio measures sequential tools/call over ServeIO on pipes (the
// server's side and a minimal client), in the era of modern.
func benchStdio(b *testing.B, modern bool) {
	s := NewServer(&Implementation{Name: "b", Version: "1"}, nil)
	s.Add(&Components{Tools: []*Tool{tool("echo", "", func(_ context.Context, args json.RawMessage) (*CallToolResult, error) {
		return TextResult("ok"), nil
	})}})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.ServeIO(ctx, inR, outW)
	rd := bufio.NewReader(outR)
	send := func(line string) {
		io.WriteString(inW, line+"\n")
	}
	meta := ""
	if modern {
		meta = `,"_meta":{` + metaTriple + `}`
		send(`{"jsonrpc":"2.0","id":0,"method":"tools/list","params":{"_meta":{` + metaTriple + `}}}`)
	} else {
		send(initBody("2025-11-25"))
		rd.ReadString('\n')
		send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		send(`{"jsonrpc":"2.0","id":0,"method":"ping"}`)
	}
	rd.ReadString('\n')
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		send(`{"jsonrpc":"2.0","id":` + strconv.Itoa(i+1) + `,"method":"tools/call","params":{"name":"echo","arguments":{"q":"x"}` + meta + `}}`)
		if _, err := rd.ReadString('\n'); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	inW.Close()
}

func BenchmarkStdioHotCall(b *testing.B)       { benchStdio(b, false) }
func BenchmarkStdioHotCallModern(b *testing.B) { benchStdio(b, true) }

// BenchmarkStatefulHotCall measures tools/call on one stateful HTTP
// session per client over loopback, clients in parallel.
func BenchmarkStatefulHotCall(b *testing.B) {
	s := NewServer(&Implementation{Name: "b", Version: "1"}, nil)
	s.Add(&Components{Tools: []*Tool{tool("echo", "", func(_ context.Context, args json.RawMessage) (*CallToolResult, error) {
		return TextResult("ok"), nil
	})}})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	open := func(c *http.Client) string {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(initBody("2025-11-25")))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.Header.Get("Mcp-Session-Id")
	}
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
		sid := open(c)
		i := 0
		for pb.Next() {
			i++
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"jsonrpc":"2.0","id":`+strconv.Itoa(i)+`,"method":"tools/call","params":{"name":"echo","arguments":{"q":"x"}}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Mcp-Session-Id", sid)
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
