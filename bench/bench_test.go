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

	mcpgoclient "github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
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

// A caller makes one tools/call over an in-memory connection.
type caller func(ctx context.Context) (toolResult, error)

// A target is one server under test. http is nil when the server has no
// HTTP transport, memory nil when it has no in-memory one.
type target struct {
	name   string
	http   func(tb testing.TB) http.Handler
	memory func(tb testing.TB, era string) caller
}

// targets lists the servers in the order of the results table.
func targets() []target {
	return []target{
		{name: "mcpgen", http: func(testing.TB) http.Handler { return NewMCPGenServer().Handler() }, memory: goSDKMemory(func() *mcp.Server { return NewMCPGenServer().MCP() })},
		{name: "gosdk", http: func(testing.TB) http.Handler { return StatelessHTTP(NewGoSDKServer()) }, memory: goSDKMemory(NewGoSDKServer)},
		{name: "mcpgo", http: func(testing.TB) http.Handler { return MCPGoHTTP(NewMCPGoServer(false)) }, memory: mcpGoMemory(false)},
		{name: "mcpgo-validate", http: func(testing.TB) http.Handler { return MCPGoHTTP(NewMCPGoServer(true)) }, memory: mcpGoMemory(true)},
		{name: "baseline", http: func(testing.TB) http.Handler { return Baseline{} }, memory: baselineMemory},
	}
}

// goSDKMemory connects a go-sdk client to the server built by newServer
// over mcp.NewInMemoryTransports, negotiating era.
func goSDKMemory(newServer func() *mcp.Server) func(tb testing.TB, era string) caller {
	return func(tb testing.TB, era string) caller {
		ctx := context.Background()
		ct, st := mcp.NewInMemoryTransports()
		ss, err := newServer().Connect(ctx, st, nil)
		if err != nil {
			tb.Fatalf("server connect: %v", err)
		}
		cs, err := mcp.NewClient(clientInfo, nil).Connect(ctx, ct, &mcp.ClientSessionOptions{ProtocolVersion: era})
		if err != nil {
			tb.Fatalf("client connect: %v", err)
		}
		tb.Cleanup(func() {
			cs.Close()
			ss.Wait()
		})
		if got := cs.InitializeResult().ProtocolVersion; got != era {
			tb.Fatalf("negotiated protocol version %s, want %s", got, era)
		}
		params := &mcp.CallToolParams{Name: ToolName, Arguments: callArgs}
		return func(ctx context.Context) (toolResult, error) {
			res, err := cs.CallTool(ctx, params)
			if err != nil {
				return toolResult{}, err
			}
			r := toolResult{IsError: res.IsError, Structured: res.StructuredContent}
			if len(res.Content) > 0 {
				if tc, ok := res.Content[0].(*mcp.TextContent); ok {
					r.Text = tc.Text
				}
			}
			return r, nil
		}
	}
}

// mcpGoMemory connects mcp-go's in-process client to a fresh mcp-go server,
// negotiating era.
func mcpGoMemory(validate bool) func(tb testing.TB, era string) caller {
	return func(tb testing.TB, era string) caller {
		ctx := context.Background()
		c, err := mcpgoclient.NewInProcessClientWithOptions(NewMCPGoServer(validate), mcpgoclient.WithProtocolVersion(era))
		if err != nil {
			tb.Fatalf("in-process client: %v", err)
		}
		if err := c.Start(ctx); err != nil {
			tb.Fatalf("client start: %v", err)
		}
		tb.Cleanup(func() { c.Close() })
		init := mcpgo.InitializeRequest{}
		init.Params.ProtocolVersion = era
		init.Params.ClientInfo = mcpgo.Implementation{Name: clientInfo.Name, Version: clientInfo.Version}
		ir, err := c.Initialize(ctx, init)
		if err != nil {
			tb.Fatalf("initialize: %v", err)
		}
		if ir.ProtocolVersion != era {
			tb.Fatalf("negotiated protocol version %s, want %s", ir.ProtocolVersion, era)
		}
		req := mcpgo.CallToolRequest{}
		req.Params.Name = ToolName
		req.Params.Arguments = callArgs
		return func(ctx context.Context) (toolResult, error) {
			res, err := c.CallTool(ctx, req)
			if err != nil {
				return toolResult{}, err
			}
			r := toolResult{IsError: res.IsError, Structured: res.StructuredContent}
			if len(res.Content) > 0 {
				if tc, ok := mcpgo.AsTextContent(res.Content[0]); ok {
					r.Text = tc.Text
				}
			}
			return r, nil
		}
	}
}

// baselineMemory is the in-memory floor: the client encodes the request
// with encoding/json, the Baseline handler serves it through an
// httptest.ResponseRecorder, and the client decodes the response with
// encoding/json, as an SDK client would.
func baselineMemory(tb testing.TB, era string) caller {
	var meta map[string]any
	if era >= modern {
		meta = map[string]any{
			mcp.MetaKeyProtocolVersion:    era,
			mcp.MetaKeyClientInfo:         clientInfo,
			mcp.MetaKeyClientCapabilities: map[string]any{},
		}
	}
	type params struct {
		Name      string           `json:"name"`
		Arguments tools.SearchArgs `json:"arguments"`
		Meta      map[string]any   `json:"_meta,omitempty"`
	}
	type request struct {
		JSONRPC string `json:"jsonrpc"`
		ID      int64  `json:"id"`
		Method  string `json:"method"`
		Params  params `json:"params"`
	}
	type response struct {
		Result struct {
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
			StructuredContent any  `json:"structuredContent"`
			IsError           bool `json:"isError"`
		} `json:"result"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	var h Baseline
	var id int64
	return func(ctx context.Context) (toolResult, error) {
		id++
		body, err := json.Marshal(&request{JSONRPC: "2.0", ID: id, Method: "tools/call", Params: params{Name: ToolName, Arguments: callArgs, Meta: meta}})
		if err != nil {
			return toolResult{}, err
		}
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
		setHeaders(req.Header, era)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var resp response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			return toolResult{}, fmt.Errorf("status %d, body %q: %v", rec.Code, rec.Body, err)
		}
		if resp.Error != nil {
			return toolResult{}, fmt.Errorf("JSON-RPC error: %s", resp.Error.Message)
		}
		r := toolResult{IsError: resp.Result.IsError, Structured: resp.Result.StructuredContent}
		if len(resp.Result.Content) > 0 {
			r.Text = resp.Result.Content[0].Text
		}
		return r, nil
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
			if tg.http == nil {
				continue
			}
			t.Run(era+"/"+tg.name, func(t *testing.T) { checkHTTP(t, tg.http(t), era) })
		}
	}
}

func TestInMemory(t *testing.T) {
	for _, era := range eras {
		for _, tg := range targets() {
			if tg.memory == nil {
				continue
			}
			t.Run(era+"/"+tg.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				call := tg.memory(t, era)
				for range 2 { // the second call shows the connection stays usable
					r, err := call(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if err := r.check(); err != nil {
						t.Fatal(err)
					}
				}
			})
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
			if tg.http == nil {
				continue
			}
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

// BenchmarkInMemory measures one tools/call from an SDK client over an
// in-memory connection, client encoding and decoding included.
func BenchmarkInMemory(b *testing.B) {
	for _, era := range eras {
		for _, tg := range targets() {
			if tg.memory == nil {
				continue
			}
			b.Run(era+"/"+tg.name, func(b *testing.B) {
				ctx := context.Background()
				call := tg.memory(b, era)
				r, err := call(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := r.check(); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					r, err := call(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if r.IsError || r.Structured == nil {
						b.Fatalf("bad result: %+v", r)
					}
				}
			})
		}
	}
}
