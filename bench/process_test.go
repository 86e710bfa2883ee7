package bench

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/bench/load"
)

// stdioSession serves impl in process over a pair of pipes and opens a
// session with the load client, the one the process benchmarks use.
func stdioSession(t testing.TB, impl *Impl) *load.Stdio {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- impl.ServeIO(ctx, sr, sw) }()
	t.Cleanup(func() {
		cw.Close()
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	s, err := load.NewStdio(cr, cw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestProcessImpls checks every implementation the process benchmarks run,
// with their client: the call answers the right result over stdio, one
// at a time and pipelined, and over stateful HTTP with parallel sessions;
// and every server lists the tool.
func TestProcessImpls(t *testing.T) {
	for _, name := range Impls {
		t.Run(name, func(t *testing.T) {
			impl, err := NewImpl(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			s := stdioSession(t, impl)
			resp, err := s.Call("tools/call", CallParams)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckCall(resp); err != nil {
				t.Fatal(err)
			}
			if r, err := s.Sequential(20*time.Millisecond, "tools/call", CallParams, CheckCallQuick); err != nil || r.Ops == 0 || r.P50() == 0 {
				t.Fatalf("sequential: %+v ops, %v", r.Ops, err)
			}
			if r, err := s.Pipelined(20*time.Millisecond, 16, "tools/call", CallParams, CheckCallQuick); err != nil || r.Ops == 0 {
				t.Fatalf("pipelined: %d ops, %v", r.Ops, err)
			}
			resp, err = s.Call("tools/list", nil)
			if err != nil {
				t.Fatal(err)
			}
			list, err := ListedTools(resp)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 {
				t.Fatalf("tools/list: %d tools, want 1", len(list))
			}
			if list[0]["name"] != ToolName || list[0]["inputSchema"] == nil {
				t.Fatalf("tools/list: %v", list)
			}

			srv := httptest.NewServer(impl.Handler)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			sess, err := load.OpenHTTP(ctx, load.NewHTTPClient(1), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if resp, err = sess.Call(ctx, "tools/call", CallParams); err != nil {
				t.Fatal(err)
			}
			if err := CheckCall(resp); err != nil {
				t.Fatal(err)
			}
			if r, err := load.HTTP(ctx, srv.URL, 4, 20*time.Millisecond, "tools/call", CallParams, CheckCallQuick); err != nil || r.Ops == 0 {
				t.Fatalf("HTTP, 4 clients: %d ops, %v", r.Ops, err)
			}
		})
	}
}

// TestProcessImplsCheckArguments shows that every implementation rejects
// what the generated code rejects (an empty query, a limit out of range)
// with an error result, so that all do the same checks.
func TestProcessImplsCheckArguments(t *testing.T) {
	bad := []string{
		`{"name":"search","arguments":{"query":"","limit":5}}`,
		`{"name":"search","arguments":{"query":"go","limit":51}}`,
		`{"name":"search","arguments":{"limit":5}}`,
	}
	for _, name := range Impls {
		t.Run(name, func(t *testing.T) {
			impl, err := NewImpl(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			s := stdioSession(t, impl)
			for _, params := range bad {
				resp, err := s.Call("tools/call", []byte(params))
				if err != nil {
					t.Fatal(err)
				}
				if CheckCallQuick(resp) == nil {
					t.Errorf("%s accepted: %s", params, resp)
				}
			}
		})
	}
}

// BenchmarkInProcess measures one tools/call from the load client to each
// implementation served in this process over a pair of pipes, as its
// stdio transport would be: the same client for every row, so that the
// rows differ only by the server (B/op and allocs/op count both sides).
// cmd/procbench measures the same with real processes and interleaved
// rounds.
func BenchmarkInProcess(b *testing.B) {
	for _, name := range Impls {
		row := name
		if row == "bare" {
			row = "baseline" // the name cmd/benchtable compares with
		}
		b.Run(load.ProtocolVersion+"/"+row, func(b *testing.B) {
			impl, err := NewImpl(name, nil)
			if err != nil {
				b.Fatal(err)
			}
			s := stdioSession(b, impl)
			resp, err := s.Call("tools/call", CallParams)
			if err != nil {
				b.Fatal(err)
			}
			if err := CheckCall(resp); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := s.Call("tools/call", CallParams)
				if err != nil {
					b.Fatal(err)
				}
				if err := CheckCallQuick(resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestProcessImplsModern checks every implementation over stdio in the
// 2026-07-28 protocol: no initialize, each request with its _meta, each
// answer complete (resultType) with the right result.
func TestProcessImplsModern(t *testing.T) {
	for _, name := range Impls {
		t.Run(name, func(t *testing.T) {
			impl, err := NewImpl(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cr, sw := io.Pipe()
			sr, cw := io.Pipe()
			done := make(chan error, 1)
			go func() { done <- impl.ServeIO(ctx, sr, sw) }()
			defer func() {
				cw.Close()
				cancel()
				<-done
			}()
			s := load.NewStdioSessionless(cr, cw)
			resp, err := s.Call("tools/call", CallParamsModern)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckCall(resp); err != nil {
				t.Fatal(err)
			}
			if err := CheckCallModern(resp); err != nil {
				t.Fatal(err)
			}
			if r, err := s.Pipelined(20*time.Millisecond, 16, "tools/call", CallParamsModern, CheckCallModern); err != nil || r.Ops == 0 {
				t.Fatalf("pipelined: %d ops, %v", r.Ops, err)
			}
		})
	}
}
