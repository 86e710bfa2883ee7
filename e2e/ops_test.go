package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// -access-log, or MCPGEN_ACCESS_LOG=1, makes a server log one JSON line per
// request to stderr, which stdio leaves free; without either it logs none.
func TestAccessLogFlag(t *testing.T) {
	bin := buildBinary(t, "./testserver")
	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want bool
	}{
		{"flag", []string{"-access-log"}, nil, true},
		{"env", nil, []string{"MCPGEN_ACCESS_LOG=1"}, true},
		{"off", nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, tc.args...)
			cmd.Env = append(os.Environ(), tc.env...)
			var stderr lockedBuffer
			cmd.Stderr = &stderr
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "e2e-access", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}}); err != nil {
				t.Fatal(err)
			}
			callText(t, cs, "fail", nil)
			cs.Close()
			var recs []map[string]any
			for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "mcp request" {
					recs = append(recs, m)
				}
			}
			if !tc.want {
				if len(recs) != 0 {
					t.Errorf("access records without the flag: %v", recs)
				}
				return
			}
			if len(recs) != 2 || recs[0]["name"] != "echo" || recs[0]["outcome"] != "ok" || recs[1]["name"] != "fail" || recs[1]["outcome"] != "tool_error" {
				t.Fatalf("access records: %v\nstderr:\n%s", recs, stderr.String())
			}
			for _, r := range recs {
				if r["method"] != "tools/call" || r["session"] == nil || r["duration"] == nil {
					t.Errorf("record lacks a field: %v", r)
				}
			}
		})
	}
}
