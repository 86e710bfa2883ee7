package runtime

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The default HTTP endpoint serves every era at one URL: older clients
// initialize a session and keep it; 2026-07-28 clients are answered
// without one (server/discover, per-request _meta, header validation),
// and input reaches both. -stateless keeps its meaning: no sessions.
func TestOneEndpointForEveryEra(t *testing.T) {
	s := NewServer(&Implementation{Name: "era", Version: "1"}, nil)
	must(t, s.Add(&Components{Tools: []*Tool{
		tool("who", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
			return TextResult(ProtocolVersion(ctx) + " session=" + SessionID(ctx)), nil
		}),
		tool("ask", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
			res, err := Elicit(ctx, "ok", &ElicitParams{Message: "ok?", RequestedSchema: json.RawMessage(`{"type":"object","properties":{}}`)})
			if err != nil {
				return ErrorResult(err), nil
			}
			return TextResult("answered " + string(res.Action)), nil
		}),
	}}))
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	accept := &mcp.ClientOptions{ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		return &mcp.ElicitResult{Action: "accept"}, nil
	}}
	for _, version := range []string{"2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, accept).Connect(context.Background(),
				&mcp.StreamableClientTransport{Endpoint: srv.URL}, &mcp.ClientSessionOptions{ProtocolVersion: version})
			must(t, err)
			t.Cleanup(func() { cs.Close() })
			if got := cs.InitializeResult().ProtocolVersion; got != version {
				t.Fatalf("negotiated %s", got)
			}
			modern := version >= statelessVersion
			if (cs.ID() == "") != modern {
				t.Errorf("session id %q", cs.ID())
			}
			who := resultText(call(t, cs, "who", nil))
			if !strings.HasPrefix(who, version+" session=") || (who == version+" session=") != modern {
				t.Errorf("who = %q", who)
			}
			if got := resultText(call(t, cs, "ask", nil)); got != "answered accept" {
				t.Errorf("ask = %q", got)
			}
		})
	}
	h := map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "server/discover"}
	a := post(t, srv.URL, fastCase{body: `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{` + modernMeta + `}}`, header: h})
	if a.status != http.StatusOK || !strings.Contains(a.raw, `"supportedVersions"`) || !strings.Contains(a.raw, `"2026-07-28"`) {
		t.Errorf("server/discover: %d %s", a.status, a.raw)
	}
	// A 2026-07-28 request without its Mcp-Protocol-Version header, or
	// whose Mcp-Name disagrees with its body, is a header mismatch.
	a = post(t, srv.URL, fastCase{body: `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"who",` + modernMeta + `}}`,
		header: map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "who"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.raw, `-32020`) {
		t.Errorf("no version header: %d %s", a.status, a.raw)
	}
	a = post(t, srv.URL, fastCase{body: `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"who",` + modernMeta + `}}`,
		header: map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "ask"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.raw, `-32020`) {
		t.Errorf("wrong Mcp-Name: %d %s", a.status, a.raw)
	}
	// Without a session, an older request still has to initialize.
	a = post(t, srv.URL, fastCase{body: `{"jsonrpc":"2.0","id":4,"method":"tools/list"}`, header: map[string]string{"Mcp-Protocol-Version": "2025-11-25"}})
	if !strings.Contains(a.raw, `"error"`) || strings.Contains(a.raw, `"tools"`) {
		t.Errorf("sessionless 2025-11-25 tools/list: %d %s", a.status, a.raw)
	}

	// -stateless: no sessions for anyone.
	st := NewServer(&Implementation{Name: "era", Version: "1"}, &Options{Stateless: true})
	must(t, st.Add(&Components{Tools: []*Tool{tool("who", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		return TextResult("session=" + SessionID(ctx)), nil
	})}}))
	ssrv := httptest.NewServer(st.Handler())
	t.Cleanup(ssrv.Close)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: ssrv.URL}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	must(t, err)
	t.Cleanup(func() { cs.Close() })
	if cs.ID() != "" || resultText(call(t, cs, "who", nil)) != "session=" {
		t.Errorf("stateless server gave a session: %q", cs.ID())
	}
}

// A call that closes its SSE stream mid-way still reaches a 2025-11-25
// client, which resumes the stream from the event store; on a 2026-07-28
// request and over stdio, CloseSSEStream does nothing.
func TestCloseSSEStreamResumes(t *testing.T) {
	s := NewServer(&Implementation{Name: "sse", Version: "1"}, &Options{EventStore: mcp.NewMemoryEventStore(nil)})
	must(t, s.Add(&Components{Tools: []*Tool{tool("long", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		CloseSSEStream(ctx, 10*time.Millisecond)
		if err := Progress(ctx, 1, 2, "half way"); err != nil {
			return nil, err
		}
		select { // the handler outlives the request it came on
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		return TextResult("done after reconnecting"), nil
	})}}))
	var resumed atomic.Int32 // GETs that resume a stream
	h := s.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.Header.Get("Last-Event-ID") != "" {
			resumed.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(),
			&mcp.StreamableClientTransport{Endpoint: srv.URL}, &mcp.ClientSessionOptions{ProtocolVersion: version})
		must(t, err)
		t.Cleanup(func() { cs.Close() })
		if got := resultText(call(t, cs, "long", nil)); got != "done after reconnecting" {
			t.Errorf("%s: long = %q", version, got)
		}
		if want := map[string]int32{"2025-11-25": 1, "2026-07-28": 1}[version]; resumed.Load() != want {
			t.Errorf("%s: %d resumed streams, want %d", version, resumed.Load(), want)
		}
	}
	if got := resultText(call(t, connect(t, s, nil), "long", nil)); got != "done after reconnecting" {
		t.Errorf("in memory: long = %q", got)
	}
	// Where the client could not resume (stateless HTTP, no event store),
	// the stream stays open and the result arrives on it.
	for _, opts := range []*Options{{Stateless: true, EventStore: mcp.NewMemoryEventStore(nil)}, {}} {
		s2 := NewServer(&Implementation{Name: "sse", Version: "1"}, opts)
		must(t, s2.Add(&Components{Tools: []*Tool{tool("long", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
			CloseSSEStream(ctx, 10*time.Millisecond)
			return TextResult("done"), nil
		})}}))
		srv2 := httptest.NewServer(s2.Handler())
		t.Cleanup(srv2.Close)
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(),
			&mcp.StreamableClientTransport{Endpoint: srv2.URL, MaxRetries: -1}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
		must(t, err)
		t.Cleanup(func() { cs.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "long"})
		cancel()
		if err != nil || resultText(res) != "done" {
			t.Errorf("stateless=%v: %v", opts.Stateless, err)
		}
	}
}
