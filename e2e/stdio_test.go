package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A real server process over stdio answers malformed lines with JSON-RPC
// errors and keeps serving the lines that follow.
func TestStdioBadLinesKeepServing(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t, "../examples/weather/cmd/weather")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()

	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 1<<20)
	exchange := func(line string) map[string]any {
		t.Helper()
		if _, err := io.WriteString(stdin, line+"\n"); err != nil {
			t.Fatalf("writing %s: %v", line, err)
		}
		if !lines.Scan() {
			t.Fatalf("no reply to %s (server gone?): %v", line, lines.Err())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("reply %s: %v", lines.Bytes(), err)
		}
		return m
	}
	code := func(m map[string]any) float64 {
		e, _ := m["error"].(map[string]any)
		c, _ := e["code"].(float64)
		return c
	}

	exchange(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2026-07-28","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`)
	if _, err := io.WriteString(stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	if c := code(exchange(`{"jsonrpc":"2.0","id":2,"method":"tools/list"`)); c != -32700 {
		t.Errorf("truncated JSON: code %v, want -32700", c)
	}
	if c := code(exchange(`{"hello":"world"}`)); c != -32600 {
		t.Errorf("not JSON-RPC: code %v, want -32600", c)
	}
	if c := code(exchange(`{"jsonrpc":"2.0","id":4,"method":"no/such"}`)); c != -32601 {
		t.Errorf("unknown method: code %v, want -32601", c)
	}
	res := exchange(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"forecast","arguments":{"city":"Paris","days":1}}}`)
	if r, _ := res["result"].(map[string]any); r == nil || r["isError"] == true || !strings.Contains(lines.Text(), "Paris") {
		t.Errorf("call after bad lines: %s", lines.Text())
	}
}
