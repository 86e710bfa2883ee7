package runtime

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// BenchmarkFastPathHandler is one tools/call through Server.Handler on the
// stateless JSON fast path, without the network: the cost of the guard
// (Origin, body, nesting and message checks) and the fast path together.
func BenchmarkFastPathHandler(b *testing.B) {
	s := NewServer(&Implementation{Name: "b", Version: "1"}, &Options{Stateless: true, JSONResponse: true})
	if err := s.Add(bench500()); err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"tool_250","arguments":{"name":"x"}}}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		rec := httptest.NewRecorder()
		h.ServeHTTP(connRecorder{rec}, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
}

// connRecorder is a recorder with a connection's deadlines, as net/http's
// ResponseWriter has.
type connRecorder struct{ *httptest.ResponseRecorder }

func (connRecorder) SetReadDeadline(time.Time) error  { return nil }
func (connRecorder) SetWriteDeadline(time.Time) error { return nil }
