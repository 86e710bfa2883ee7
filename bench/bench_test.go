package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/bench/tools"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The two protocol eras measured: the last one with the initialize
// handshake, and the stateless core where each request carries its protocol
// version, client info and capabilities in _meta.
const (
	classic = "2025-11-25"
	modern  = "2026-07-28"
)

var eras = []string{classic, modern}

// callArgs are the arguments of every benchmarked call. Limit is explicit so
// that no server's default handling changes the result.
var callArgs = tools.SearchArgs{Query: "golang generics", Limit: 5, Tags: []string{"go", "mcp"}}

// wantResult is what every server must return for callArgs.
var wantResult = func() tools.SearchResult {
	out, err := tools.Search(context.Background(), callArgs)
	if err != nil {
		panic(err)
	}
	return out
}()

// clientInfo names the benchmark client.
var clientInfo = &mcp.Implementation{Name: "bench-client", Version: "1.0.0"}

// callBody returns the raw JSON-RPC tools/call request for era. A 2026-07-28
// request carries the SEP-2575 _meta triple (protocol version, client info,
// client capabilities), which is how go-sdk and mcp-go recognise that era on
// stateless HTTP.
func callBody(era string) []byte {
	params := map[string]any{"name": ToolName, "arguments": callArgs}
	if era >= modern {
		params["_meta"] = map[string]any{
			mcp.MetaKeyProtocolVersion:    era,
			mcp.MetaKeyClientInfo:         clientInfo,
			mcp.MetaKeyClientCapabilities: map[string]any{},
		}
	}
	js, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params})
	if err != nil {
		panic(err)
	}
	return js
}

// setHeaders sets the headers every server gets for era: the streamable HTTP
// ones, plus Mcp-Method and Mcp-Name, which 2026-07-28 requires (SEP-2243).
func setHeaders(h http.Header, era string) {
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	h.Set("MCP-Protocol-Version", era)
	if era >= modern {
		h.Set("Mcp-Method", "tools/call")
		h.Set("Mcp-Name", ToolName)
	}
}

// A toolResult is the part of a tools/call result that the checks look at,
// whatever client produced it.
type toolResult struct {
	IsError    bool
	ResultType string // "complete" in 2026-07-28 results; "" before
	Text       string // the first content's text
	Structured any    // structuredContent as decoded by the client
}

// check reports whether r is the expected answer: not an error, structured
// content equal to wantResult, and a text copy holding the same JSON.
func (r toolResult) check() error {
	if r.IsError {
		return fmt.Errorf("tool returned an error result: %s", r.Text)
	}
	js, err := json.Marshal(r.Structured)
	if err != nil {
		return fmt.Errorf("re-encoding structured content: %v", err)
	}
	var got tools.SearchResult
	if err := json.Unmarshal(js, &got); err != nil {
		return fmt.Errorf("structured content %s: %v", js, err)
	}
	if !reflect.DeepEqual(got, wantResult) {
		return fmt.Errorf("structured content = %+v, want %+v", got, wantResult)
	}
	var fromText tools.SearchResult
	if err := json.Unmarshal([]byte(r.Text), &fromText); err != nil {
		return fmt.Errorf("text content %q is not the result's JSON: %v", r.Text, err)
	}
	if !reflect.DeepEqual(fromText, wantResult) {
		return fmt.Errorf("text content = %+v, want %+v", fromText, wantResult)
	}
	return nil
}

// A target is one server under test over stateless HTTP.
type target struct {
	name string
	http func(tb testing.TB) http.Handler
}

// targets lists the servers in the order of the results table.
func targets() []target {
	return []target{
		{name: "mcpgen", http: func(testing.TB) http.Handler { return NewMCPGenServer().Handler() }},
		{name: "gosdk-raw", http: func(testing.TB) http.Handler { return StatelessHTTP(NewGoSDKRawServer()) }},
		{name: "gosdk", http: func(testing.TB) http.Handler { return StatelessHTTP(NewGoSDKServer()) }},
		{name: "mcpgo", http: func(testing.TB) http.Handler { return MCPGoHTTP(NewMCPGoServer(false)) }},
		{name: "mcpgo-validate", http: func(testing.TB) http.Handler { return MCPGoHTTP(NewMCPGoServer(true)) }},
		{name: "baseline", http: func(testing.TB) http.Handler { return Baseline{} }},
	}
}

// httpClient returns a keep-alive client for one benchmark's server.
func httpClient(tb testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// post sends body to url with era's headers and reads the whole response
// into buf.
func post(ctx context.Context, c *http.Client, url string, body []byte, era string, buf *bytes.Buffer) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	setHeaders(req.Header, era)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	return resp, err
}

// decodeHTTPResult parses a JSON-RPC response to tools/call, as JSON or as
// a one-event SSE stream, into a toolResult.
func decodeHTTPResult(resp *http.Response, body []byte) (toolResult, error) {
	if resp.StatusCode != http.StatusOK {
		return toolResult{}, fmt.Errorf("status %s: %s", resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/event-stream") {
		var data []byte
		for line := range strings.SplitSeq(string(body), "\n") {
			if d, ok := strings.CutPrefix(line, "data:"); ok {
				data = []byte(strings.TrimSpace(d))
			}
		}
		body = data
	}
	var msg struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  *struct {
			Content []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
			StructuredContent any    `json:"structuredContent"`
			IsError           bool   `json:"isError"`
			ResultType        string `json:"resultType"`
		} `json:"result"`
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		return toolResult{}, fmt.Errorf("response %q: %v", body, err)
	}
	if msg.JSONRPC != "2.0" || string(msg.ID) != "1" {
		return toolResult{}, fmt.Errorf("response %s: not a JSON-RPC 2.0 response to id 1", body)
	}
	if msg.Error != nil {
		return toolResult{}, fmt.Errorf("JSON-RPC error %d: %s", msg.Error.Code, msg.Error.Message)
	}
	if msg.Result == nil {
		return toolResult{}, fmt.Errorf("response %s has no result", body)
	}
	r := toolResult{IsError: msg.Result.IsError, ResultType: msg.Result.ResultType, Structured: msg.Result.StructuredContent}
	if len(msg.Result.Content) > 0 {
		if msg.Result.Content[0].Type != "text" {
			return toolResult{}, fmt.Errorf("first content has type %q, want text", msg.Result.Content[0].Type)
		}
		r.Text = msg.Result.Content[0].Text
	}
	return r, nil
}

// okMarker is in every successful search response body (in the structured
// content) and in no error response; the benchmark loops look for it.
var okMarker = []byte(`"structuredContent"`)

// checkHTTP makes one call through handler over a loopback listener and
// fails unless it returns the expected result.
func checkHTTP(tb testing.TB, h http.Handler, era string) {
	tb.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var buf bytes.Buffer
	resp, err := post(ctx, httpClient(tb), srv.URL, callBody(era), era, &buf)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := decodeHTTPResult(resp, buf.Bytes())
	if err != nil {
		tb.Fatal(err)
	}
	if err := r.check(); err != nil {
		tb.Fatal(err)
	}
	// The stateless core's results say resultType; older ones do not. This
	// shows the server took the request for the era it was meant for.
	if want := map[bool]string{true: "complete", false: ""}[era >= modern]; r.ResultType != want {
		tb.Fatalf("era %s: resultType %q, want %q: %s", era, r.ResultType, want, buf.Bytes())
	}
	if !bytes.Contains(buf.Bytes(), okMarker) {
		tb.Fatalf("response %s lacks %s", buf.Bytes(), okMarker)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Logf("response Content-Type is %q, not JSON", ct)
	}
}

func TestHTTP(t *testing.T) {
	for _, era := range eras {
		for _, tg := range targets() {
			t.Run(era+"/"+tg.name, func(t *testing.T) { checkHTTP(t, tg.http(t), era) })
		}
	}
}

// TestRejectsBadArguments shows that every server turns an empty query
// (minLength=1) into an error result, by schema validation or by Search's
// own check, and that the benchmarks' success marker is absent from it, so
// a benchmark cannot measure an error path unnoticed.
func TestRejectsBadArguments(t *testing.T) {
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"query":"","limit":5}}}`)
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			srv := httptest.NewServer(tg.http(t))
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var buf bytes.Buffer
			resp, err := post(ctx, httpClient(t), srv.URL, body, classic, &buf)
			if err != nil {
				t.Fatal(err)
			}
			r, err := decodeHTTPResult(resp, buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if !r.IsError {
				t.Fatalf("empty query accepted: %s", buf.Bytes())
			}
			if bytes.Contains(buf.Bytes(), okMarker) {
				t.Fatalf("error response %s contains the success marker %s", buf.Bytes(), okMarker)
			}
		})
	}
}

// BenchmarkHTTP measures one tools/call over stateless streamable HTTP on a
// loopback listener: the loop POSTs the raw JSON-RPC body with a keep-alive
// client and reads the whole response.
func BenchmarkHTTP(b *testing.B) {
	for _, era := range eras {
		for _, tg := range targets() {
			b.Run(era+"/"+tg.name, func(b *testing.B) {
				h := tg.http(b)
				checkHTTP(b, h, era)
				srv := httptest.NewServer(h)
				defer srv.Close()
				c := httpClient(b)
				body := callBody(era)
				ctx := context.Background()
				var buf bytes.Buffer
				b.ReportAllocs()
				for b.Loop() {
					resp, err := post(ctx, c, srv.URL, body, era, &buf)
					if err != nil {
						b.Fatal(err)
					}
					if resp.StatusCode != http.StatusOK || !bytes.Contains(buf.Bytes(), okMarker) {
						b.Fatalf("status %s, body %s", resp.Status, buf.Bytes())
					}
				}
			})
		}
	}
}
