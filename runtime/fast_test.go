package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// fastTestServer returns a stateless JSON server with tools covering every
// kind of outcome. noFast serves everything through go-sdk.
func fastTestServer(t testing.TB, noFast bool) *Server {
	t.Helper()
	return fastTestServerOpts(t, &Options{NoFastPath: noFast})
}

// fastTestServerOpts is fastTestServer with more options; it makes them
// stateless with JSON responses.
func fastTestServerOpts(t testing.TB, opts *Options) *Server {
	t.Helper()
	opts.Stateless, opts.JSONResponse = true, true
	s := NewServer(&Implementation{Name: "fast", Version: "1.0.0"}, opts)
	structured := func(context.Context, json.RawMessage) (*CallToolResult, error) {
		return StructuredResult([]byte(`{"n":1,"s":"<x>"}`)), nil
	}
	echo := func(_ context.Context, args json.RawMessage) (*CallToolResult, error) {
		if len(args) == 0 {
			return TextResult("no arguments"), nil
		}
		return TextResult(string(args)), nil
	}
	bad := func(_ context.Context, args json.RawMessage) (*CallToolResult, error) {
		return ArgumentsError(errors.New("n: must be at least 1")), nil
	}
	protocolErr := func(context.Context, json.RawMessage) (*CallToolResult, error) {
		return nil, InvalidParams("no such thing")
	}
	plainErr := func(context.Context, json.RawMessage) (*CallToolResult, error) {
		return nil, errors.New("plain failure")
	}
	boom := func(context.Context, json.RawMessage) (*CallToolResult, error) { panic("boom") }
	slow := func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	ask := func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		res, err := Elicit(ctx, "ok", &ElicitParams{Message: "ok?", RequestedSchema: json.RawMessage(`{"type":"object","properties":{}}`)})
		if err != nil {
			return ErrorResult(err), nil
		}
		return TextResult(string(res.Action)), nil
	}
	meta := func(context.Context, json.RawMessage) (*CallToolResult, error) {
		r := TextResult("with meta")
		r.Meta = map[string]any{"k": "v"}
		return r, nil
	}
	slowTool := tool("slow", "", slow)
	slowTool.Timeout = 20 * time.Millisecond
	if err := s.Add(&Components{Tools: []*Tool{
		tool("structured", "", structured), tool("echo", "", echo), tool("bad", "", bad),
		tool("protocol_error", "", protocolErr), tool("plain_error", "", plainErr), tool("boom", "", boom),
		slowTool, tool("ask", "", ask), tool("meta", "", meta),
		tool("versioned", "1.0", text("v1")), tool("versioned", "2.0", text("v2")),
		tool("hidden", "", text("hidden")),
	}}); err != nil {
		t.Fatal(err)
	}
	// Transforms and visibility are in play on both paths: a renamed copy
	// of a tool, and a tool disabled server-wide.
	s.AddTransform(TransformFunc(func(_ context.Context, in *Components) (*Components, error) {
		out := ApplyRules(in, Rule{Match: Match{Names: []string{"hidden"}}})
		for _, tl := range in.Tools {
			if tl.Name == "structured" {
				cp := *tl
				cp.Name = "ns_structured"
				out.Tools = append(out.Tools, &cp)
			}
		}
		return out, nil
	}))
	return s
}

type fastCase struct {
	name   string
	body   string
	header map[string]string
	host   string
	fast   bool // the fast path must answer it
}

const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`

func legacy(name, params string, fast bool) fastCase {
	return fastCase{name: name, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":` + params + `}`,
		header: map[string]string{"Mcp-Protocol-Version": "2025-11-25"}, fast: fast}
}

func modern(name, tool, params string, fast bool) fastCase {
	return fastCase{name: name, body: `{"jsonrpc":"2.0","id":"m1","method":"tools/call","params":` + params + `}`,
		header: map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": tool}, fast: fast}
}

func fastCases() []fastCase {
	cases := []fastCase{
		legacy("structured", `{"name":"structured","arguments":{}}`, true),
		legacy("no arguments", `{"name":"echo"}`, true),
		legacy("arguments echoed", `{"name":"echo","arguments":{"b":[1, 2],"a":"\u00e9"}}`, true),
		legacy("error result", `{"name":"bad","arguments":{"n":0}}`, true),
		legacy("protocol error", `{"name":"protocol_error","arguments":{}}`, true),
		legacy("plain error", `{"name":"plain_error","arguments":{}}`, true),
		legacy("panic", `{"name":"boom","arguments":{}}`, true),
		legacy("timeout", `{"name":"slow","arguments":{}}`, true),
		legacy("result meta", `{"name":"meta","arguments":{}}`, true),
		legacy("highest version", `{"name":"versioned","arguments":{}}`, true),
		legacy("unknown tool", `{"name":"nope","arguments":{}}`, true),
		withID(legacy("invalid UTF-8 id", `{"name":"echo","arguments":{}}`, false), "\"a\xffb\""),
		withID(legacy("escaped id", `{"name":"echo","arguments":{}}`, false), `"\u0041<"`),
		withID(legacy("plain string id", `{"name":"echo","arguments":{}}`, true), `"req-1 é"`),
		legacy("transformed tool", `{"name":"ns_structured","arguments":{}}`, true),
		legacy("disabled tool", `{"name":"hidden","arguments":{}}`, true),
		modern("modern disabled tool", "hidden", `{"name":"hidden",`+modernMeta+`}`, true),
		legacy("arguments not an object", `{"name":"echo","arguments":[1]}`, false),
		legacy("extra params field", `{"name":"echo","arguments":{},"task":{}}`, false),
		legacy("progress token", `{"name":"echo","arguments":{},"_meta":{"progressToken":"p"}}`, true),
		legacy("trace context", `{"name":"echo","arguments":{},"_meta":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"a=b","baggage":"k=v"}}`, true),
		legacy("trace context and more", `{"name":"echo","arguments":{},"_meta":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","progressToken":"p"}}`, true),
		legacy("legacy with the 2026 triple", `{"name":"echo",`+modernMeta+`}`, false),
		modern("modern trace context", "echo", `{"name":"echo",`+strings.Replace(modernMeta, `"_meta":{`, `"_meta":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",`, 1)+`}`, true),
		modern("modern structured", "structured", `{"name":"structured","arguments":{},`+modernMeta+`}`, true),
		modern("modern error result", "bad", `{"name":"bad","arguments":{},`+modernMeta+`}`, true),
		modern("modern protocol error", "protocol_error", `{"name":"protocol_error",`+modernMeta+`}`, true),
		modern("modern panic", "boom", `{"name":"boom",`+modernMeta+`}`, true),
		modern("modern plain error", "plain_error", `{"name":"plain_error",`+modernMeta+`}`, true),
		modern("modern timeout", "slow", `{"name":"slow",`+modernMeta+`}`, true),
		legacy("legacy input required", `{"name":"ask","arguments":{}}`, true),
		modern("modern input refused without the capability", "ask", `{"name":"ask",`+modernMeta+`}`, true),
		modern("modern input required", "ask", `{"name":"ask",`+strings.Replace(modernMeta, `"clientCapabilities":{}`, `"clientCapabilities":{"elicitation":{}}`, 1)+`}`, true),
		modern("modern result meta", "meta", `{"name":"meta",`+modernMeta+`}`, true),
		modern("modern without _meta", "echo", `{"name":"echo"}`, false),
		modern("modern wrong Mcp-Name", "other", `{"name":"echo",`+modernMeta+`}`, false),
		modern("modern unknown tool", "nope", `{"name":"nope",`+modernMeta+`}`, true),
		{name: "batch", body: `[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}]`, header: map[string]string{"Mcp-Protocol-Version": "2025-11-25"}},
		{name: "notification", body: `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"echo"}}`, header: map[string]string{"Mcp-Protocol-Version": "2025-11-25"}},
		{name: "fractional id", body: `{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"echo"}}`, header: map[string]string{"Mcp-Protocol-Version": "2025-11-25"}},
		{name: "tools/list", body: `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, header: map[string]string{"Mcp-Protocol-Version": "2025-11-25"}},
		{name: "bad JSON", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"`, header: map[string]string{"Mcp-Protocol-Version": "2025-11-25"}},
		{name: "unknown protocol version", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`, header: map[string]string{"Mcp-Protocol-Version": "1999-01-01"}},
		{name: "no protocol version", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`},
		{name: "form content type", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`, header: map[string]string{"Mcp-Protocol-Version": "2025-11-25", "Content-Type": "application/x-www-form-urlencoded"}},
		{name: "accept json only", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`, header: map[string]string{"Mcp-Protocol-Version": "2025-11-25", "Accept": "application/json"}},
		{name: "DNS rebinding", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`, header: map[string]string{"Mcp-Protocol-Version": "2025-11-25"}, host: "evil.example.com"},
	}
	return cases
}

// withID gives a case's request another raw id.
func withID(c fastCase, id string) fastCase {
	c.body = strings.Replace(c.body, `"id":1`, `"id":`+id, 1)
	return c
}

type httpAnswer struct {
	status      int
	contentType string
	body        any
	raw         string
}

func post(t *testing.T, url string, c fastCase) httpAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.host != "" {
		req.Host = c.host
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := httpAnswer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), raw: string(raw)}
	if json.Unmarshal(raw, &a.body) != nil {
		a.body = strings.TrimSpace(string(raw))
	}
	return a
}

// The fast path and go-sdk answer the same requests with the same status,
// content type and JSON; the fast path answers exactly the eligible ones.
func TestFastPathMatchesGoSDK(t *testing.T) {
	fast := fastTestServer(t, false)
	slow := fastTestServer(t, true)
	g, ok := fast.Handler().(*httpGuard)
	if !ok || g.fast == nil {
		t.Fatalf("stateless JSON server has no fast path: %T", fast.Handler())
	}
	fh := g.fast
	fsrv := httptest.NewServer(g)
	defer fsrv.Close()
	ssrv := httptest.NewServer(slow.Handler())
	defer ssrv.Close()
	for _, c := range fastCases() {
		t.Run(c.name, func(t *testing.T) {
			before := fh.served.Load()
			got := post(t, fsrv.URL, c)
			took := fh.served.Load() > before
			want := post(t, ssrv.URL, c)
			if took != c.fast {
				t.Errorf("fast path answered: %v, want %v", took, c.fast)
			}
			// Request states are signed with each server's own key.
			for _, a := range []*httpAnswer{&got, &want} {
				obj, _ := a.body.(map[string]any)
				if res, ok := obj["result"].(map[string]any); ok && res["requestState"] != nil {
					if res["requestState"] == "" {
						t.Errorf("empty requestState: %s", a.raw)
					}
					res["requestState"] = "<signed>"
				}
			}
			if utf8.ValidString(got.raw) != utf8.ValidString(want.raw) {
				t.Errorf("UTF-8 validity differs\nfast:   %q\ngo-sdk: %q", got.raw, want.raw)
			}
			if got.status != want.status || got.contentType != want.contentType || !reflect.DeepEqual(got.body, want.body) {
				t.Errorf("responses differ\nfast:   %d %s %s\ngo-sdk: %d %s %s", got.status, got.contentType, got.raw, want.status, want.contentType, want.raw)
			}
		})
	}
}

// A plain error from a handler is an internal error (-32603), not code 0,
// with its text, or with MaskErrors a message naming only the tool; on the
// fast path and on go-sdk's alike.
func TestInternalErrors(t *testing.T) {
	for _, mask := range []bool{false, true} {
		want := "plain failure"
		if mask {
			want = `tool "plain_error" failed`
		}
		for _, noFast := range []bool{false, true} {
			srv := httptest.NewServer(fastTestServerOpts(t, &Options{MaskErrors: mask, NoFastPath: noFast}).Handler())
			for _, c := range []fastCase{
				legacy("plain error", `{"name":"plain_error","arguments":{}}`, true),
				modern("modern plain error", "plain_error", `{"name":"plain_error",`+modernMeta+`}`, true),
			} {
				got := post(t, srv.URL, c)
				e, _ := got.body.(map[string]any)["error"].(map[string]any)
				if e["code"] != float64(-32603) || e["message"] != want {
					t.Errorf("mask=%v noFast=%v %s: %s, want -32603 %q", mask, noFast, c.name, got.raw, want)
				}
			}
			srv.Close()
		}
	}
}

// Bodies larger than the fast path buffers still reach go-sdk intact.
func TestFastPathLargeBody(t *testing.T) {
	fast := fastTestServer(t, false)
	srv := httptest.NewServer(fast.Handler())
	defer srv.Close()
	big := `{"pad":"` + strings.Repeat("x", maxFastBody) + `"}`
	c := legacy("big", `{"name":"echo","arguments":`+big+`}`, false)
	got := post(t, srv.URL, c)
	res, _ := got.body.(map[string]any)["result"].(map[string]any)
	content, _ := res["content"].([]any)
	if got.status != http.StatusOK || len(content) != 1 || !bytes.Contains([]byte(got.raw), []byte(strings.Repeat("x", 1000))) {
		t.Fatalf("large body: %d %.200s", got.status, got.raw)
	}
}

// Whatever the body, the fast path and go-sdk answer alike.
func FuzzFastPath(f *testing.F) {
	for _, c := range fastCases() {
		f.Add([]byte(c.body), c.header["Mcp-Protocol-Version"] == "2026-07-28", c.header["Mcp-Name"])
	}
	fast := fastTestServer(f, false).Handler()
	slow := fastTestServer(f, true).Handler()
	serve := func(h http.Handler, body []byte, modern bool, name string) (int, string, any, string) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if modern {
			req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
			req.Header.Set("Mcp-Method", "tools/call")
			req.Header.Set("Mcp-Name", name)
		} else {
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var v any
		if json.Unmarshal(rec.Body.Bytes(), &v) != nil {
			v = strings.TrimSpace(rec.Body.String())
		}
		return rec.Code, rec.Header().Get("Content-Type"), v, rec.Body.String()
	}
	f.Fuzz(func(t *testing.T, body []byte, modern bool, name string) {
		if strings.Contains(string(body), `"slow"`) {
			return // its timeout makes each run slow
		}
		fc, fct, fv, fraw := serve(fast, body, modern, name)
		sc, sct, sv, sraw := serve(slow, body, modern, name)
		if fc != sc || fct != sct || !reflect.DeepEqual(fv, sv) || utf8.ValidString(fraw) != utf8.ValidString(sraw) {
			t.Fatalf("responses differ for %q\nfast:   %d %s %s\ngo-sdk: %d %s %s", body, fc, fct, fraw, sc, sct, sraw)
		}
	})
}

// TestPlainResultMatchesMarshal checks the reflection-free result encoder
// against go-sdk's encoding it stands in for, on results it takes and
// on ones it must leave to json.Marshal.
func TestPlainResultMatchesMarshal(t *testing.T) {
	s := NewServer(&Implementation{Name: "fast <&>", Version: "1.0.0"}, nil)
	texts := []string{"", "plain", "<b>&amp;</b>", "São Paulo ☀", "line\nbreak\ttab", "\u2028\u2029", "bad \xff utf8", `quote " and \ backslash`, "\x00\x1f"}
	raws := []string{`{"a":1}`, `{"city":"São Paulo","t":[1,2.5,-3e-7]}`, `{"s":"<tag>"}`, `{"a": 1}`, `{"s":"a\"b\\"}`, "{\"s\":\"\u2028\"}", `[]`, `"x"`, `{"s":"bad \xff"}`}
	var results []*CallToolResult
	for _, txt := range texts {
		for _, raw := range append(raws, "") {
			res := &CallToolResult{Content: []Content{&TextContent{Text: txt}}}
			if raw != "" {
				res.StructuredContent = json.RawMessage(raw)
			}
			results = append(results, res, &CallToolResult{Content: res.Content, StructuredContent: res.StructuredContent, IsError: true})
		}
	}
	results = append(results,
		&CallToolResult{},
		&CallToolResult{Content: []Content{}},
		&CallToolResult{Content: []Content{&TextContent{Text: "a"}, &TextContent{Text: "b"}}},
		&CallToolResult{Content: []Content{&TextContent{Text: "a", Annotations: &mcp.Annotations{Priority: 1}}}},
		&CallToolResult{Content: []Content{&ImageContent{Data: []byte{1}, MIMEType: "image/png"}}},
		&CallToolResult{Meta: mcp.Meta{"k": "v"}, Content: []Content{&TextContent{Text: "m"}}},
		&CallToolResult{Content: []Content{&TextContent{Text: "m"}}, StructuredContent: map[string]any{"a": 1}},
	)
	plain := 0
	for _, modern := range []bool{false, true} {
		for _, res := range results {
			got, ok := s.appendPlainResult(nil, res, modern)
			// What go-sdk encodes: the result as the catalogue hands it over
			// (encodeSDK), after go-sdk's additions for 2026-07-28.
			cp := *res
			want, err := s.appendEncoded(nil, &encodedResult{Result: resultWithType(&cp, modern, false), s: s}, modern)
			if !ok {
				continue
			}
			plain++
			if err != nil {
				t.Errorf("json.Marshal fails where the plain encoder does not: %v", err)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("modern=%v\ngot:  %s\nwant: %s", modern, got, want)
			}
		}
	}
	if plain < len(texts)*4 {
		t.Errorf("only %d results took the plain encoder", plain)
	}
}
