package runtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// TestServeIOSurvivesBadLines sends a stdio session every kind of bad line
// go-sdk's stream transport would end the session on, and checks that each
// gets the right JSON-RPC error and that the session then still answers.
func TestServeIOSurvivesBadLines(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	if err := s.Add(&Components{Tools: []*Tool{tool("echo", "", text("hi"))}}); err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.serveIO(ctx, inR, outW, ioLimits{maxLine: 1024, drain: time.Minute}); outW.Close() }()
	lines := bufio.NewScanner(outR)
	lines.Buffer(nil, 1<<20)

	send := func(line string) {
		t.Helper()
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	type reply struct {
		ID     json.RawMessage `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	next := func() reply {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("no reply: %v", lines.Err())
		}
		var r reply
		if err := json.Unmarshal(lines.Bytes(), &r); err != nil {
			t.Fatalf("reply %s: %v", lines.Bytes(), err)
		}
		return r
	}
	call := func(line string, id string) {
		t.Helper()
		send(line)
		if r := next(); string(r.ID) != id || r.Error != nil {
			t.Fatalf("%s: reply id %s error %+v", line, r.ID, r.Error)
		}
	}

	call(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`, "1")
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	for _, tc := range []struct {
		line string
		code int
		id   string
		msg  string
	}{
		{`{not json`, -32700, "null", "Parse error"},
		{`{"jsonrpc":"2.0","id":2,"method":"ping"} trailing`, -32700, "null", "Parse error"},
		{`7`, -32600, "null", "Invalid Request"},
		{`{"jsonrpc":"1.0","id":3,"method":"ping"}`, -32600, "3", `version tag "1.0"`},
		{`{"jsonrpc":"2.0","id":{},"method":"ping"}`, -32600, "null", "invalid ID"},
		{`{"jsonrpc":"2.0","id":"a","method":5}`, -32600, `"a"`, "Invalid Request"},
		{`[{"jsonrpc":"2.0","id":4,"method":"ping"}]`, -32600, "null", "batches are not supported in protocol version 2025-11-25"},
		{`{"jsonrpc":"2.0","id":5,"method":"ping","params":"` + strings.Repeat("x", 2000) + `"}`, -32600, "null", "longer than 1024 bytes"},
	} {
		send(tc.line)
		r := next()
		if r.Error == nil || r.Error.Code != tc.code || string(r.ID) != tc.id || !strings.Contains(r.Error.Message, tc.msg) {
			t.Errorf("%.60s: got id %s error %+v; want id %s code %d with %q", tc.line, r.ID, r.Error, tc.id, tc.code, tc.msg)
		}
	}
	send("")
	send("  \r")
	// The session goes on: a call and a ping still work.
	call(`{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"echo","arguments":{}}}`, `"c1"`)
	call(`{"jsonrpc":"2.0","id":6,"method":"ping"}`, "6")

	inW.Close() // end of input ends the session without an error
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeIO: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("ServeIO did not return at end of input")
	}
}

func TestPlainRequest(t *testing.T) {
	for line, want := range map[string]bool{
		`{"jsonrpc":"2.0","id":1,"method":"ping"}`:                       true,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`:         true,
		`{"method":"x","params":{"a":[1]},"id":"s","jsonrpc":"2.0"}`:     true,
		`{"jsonrpc":"2.0","id":1.5,"method":"ping"}`:                     false, // left to go-sdk
		`{"jsonrpc":"2.0","id":1e3,"method":"ping"}`:                     false,
		`{"jsonrpc":"2.0","id":1234567890123456,"method":"ping"}`:        false,
		`{"jsonrpc":"2.0","id":null,"method":"ping"}`:                    false,
		`{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}`:                false,
		`{"jsonrpc":"2.0","ID":1,"method":"ping"}`:                       false,
		`{"jsonrpc":"2.0","id":1,"result":{}}`:                           false,
		`{"jsonrpc":"2.0","id":1}`:                                       false,
		`{"id":1,"method":"ping"}`:                                       false,
		`{"jsonrpc":"2.0","id":1,"method":"ping","params":1,"params":2}`: false,
	} {
		if got := plainRequest([]byte(line)); got != want {
			t.Errorf("plainRequest(%s) = %v, want %v", line, got, want)
		}
	}
}

// FuzzPlainRequest checks that every line plainRequest lets through without
// asking go-sdk is one go-sdk decodes.
func FuzzPlainRequest(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized","params":{}}`,
		`{"jsonrpc":"2.0","id":"x\u00e9","method":"tools/call","params":{"name":"a","arguments":{"b":[1,2,{"c":null}]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if !json.Valid(line) || !plainRequest(line) {
			return
		}
		if _, err := jsonrpc.DecodeMessage(line); err != nil {
			t.Fatalf("plainRequest accepts %q, go-sdk does not: %v", line, err)
		}
	})
}

// Protocol versions before 2025-06-18 have batches, and they pass through.
func TestServeIOBatchesForOldClients(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":3,"method":"ping"}]`,
		`[]`,
	}, "\n") + "\n"
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() { s.ServeIO(ctx, inR, outW); outW.Close() }()
	go io.WriteString(inW, in)
	lines := bufio.NewScanner(outR)
	var got []string
	for len(got) < 3 && lines.Scan() {
		got = append(got, lines.Text())
	}
	inW.Close()
	if len(got) < 3 {
		t.Fatalf("replies: %q", got)
	}
	// The filter answers the empty batch at once; go-sdk answers the rest
	// in its own time, so the order of the three replies is open.
	all := strings.Join(got, "\n")
	for _, want := range []string{
		`"protocolVersion":"2025-03-26"`,
		"\n" + `[{"jsonrpc":"2.0","id":2,"result":{}},{"jsonrpc":"2.0","id":3,"result":{}}]`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: empty batch"}}`,
	} {
		if !strings.Contains("\n"+all, want) {
			t.Errorf("no %s in replies:\n%s", want, all)
		}
	}
}

// Over HTTP a body that is not JSON-RPC gets 400 with a JSON-RPC error
// (go-sdk alone answers in plain text), and the server goes on serving.
func TestHTTPMalformedPayloads(t *testing.T) {
	for _, stateless := range []bool{false, true} {
		s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{Stateless: stateless, JSONResponse: stateless})
		srv := httptest.NewServer(s.Handler())
		post := func(body string) (int, string, string) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
		}
		for _, tc := range []struct{ body, want string }{
			{`{not json`, `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: not valid JSON"}}`},
			{`{"hello":"world"}`, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: invalid message version tag \"\"; expected \"2.0\""}}`},
			{`{"jsonrpc":"2.0","id":7,"method":3}`, `{"jsonrpc":"2.0","id":7,"error":{"code":-32600,"message":"Invalid Request: `},
			{`[]`, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: empty batch"}}`},
			{`[{"jsonrpc":"2.0","id":1,"method":"ping"},5]`, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: batch element 1: `},
		} {
			code, ctype, body := post(tc.body)
			if code != http.StatusBadRequest || ctype != "application/json" || !strings.HasPrefix(body, tc.want) {
				t.Errorf("stateless=%v %s: %d %s %s\nwant prefix %s", stateless, tc.body, code, ctype, body, tc.want)
			}
		}
		code, _, body := post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`)
		if code != http.StatusOK || !strings.Contains(body, `"protocolVersion":"2025-11-25"`) {
			t.Errorf("stateless=%v: initialize after bad payloads: %d %s", stateless, code, body)
		}
		srv.Close()
	}
}

// Requests written before the end of input are answered before the session
// closes, as when a shell pipes a file of requests into a server.
func TestServeIOAnswersRequestsBeforeEOF(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	slow := tool("slow", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		time.Sleep(200 * time.Millisecond)
		return TextResult("done"), nil
	})
	if err := s.Add(&Components{Tools: []*Tool{slow}}); err != nil {
		t.Fatal(err)
	}
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2.0,"method":"tools/call","params":{"name":"slow","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":"\u0033","method":"tools/call","params":{"name":"slow","arguments":{}}}`,
	}, "\n") + "\n"
	var out syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.serveIO(ctx, strings.NewReader(in), &out, ioLimits{maxLine: maxLine, drain: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Errorf("ServeIO returned only when its context ended: a response was not matched to its request")
	}
	for _, want := range []string{`"id":2,"result":{"content":[{"type":"text","text":"done"}]`, `"id":"3","result":{"content":[{"type":"text","text":"done"}]`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %s in:\n%s", want, out.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestIDAndKind(t *testing.T) {
	for _, tc := range []struct {
		msg, id           string
		request, response bool
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"ping"}`, "1", true, false},
		{`{"method":"ping","params":{},"id":"a"}`, `"a"`, true, false},
		{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, "", true, false},
		{`{"jsonrpc":"2.0","id":7,"result":{"huge":[1,2,3]}}`, "7", false, true},
		{`{"jsonrpc":"2.0","id":7,"result":{"truncated":`, "7", false, true}, // the result is never read
		{`{"jsonrpc":"2.0","id":8,"error":{"code":1,"message":"x"}}`, "8", false, true},
		{`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, "", false, false},
		{`{"id":`, "", false, false},
	} {
		id, request, response := idAndKind([]byte(tc.msg))
		if string(id) != tc.id || request != tc.request || response != tc.response {
			t.Errorf("%s: got %s %v %v, want %s %v %v", tc.msg, id, request, response, tc.id, tc.request, tc.response)
		}
	}
	for raw, want := range map[string]string{`1`: "n1", `1.0`: "n1", `1.9`: "n1", `-3`: "n-3", `"a"`: "sa", `"\u0061"`: "sa", `null`: "", `{}`: ""} {
		if got, _ := canonicalID([]byte(raw)); got != want {
			t.Errorf("canonicalID(%s) = %q, want %q", raw, got, want)
		}
	}
}
