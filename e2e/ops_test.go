package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
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

// SIGTERM makes a real server drain, over stdio and HTTP: the call in
// flight finishes and its client gets the result, new work is refused
// (over HTTP readiness turns false and a new session gets 503), and the
// process exits 0.
func TestSIGTERMDrains(t *testing.T) {
	bin := buildBinary(t, "./testserver")
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var cmd *exec.Cmd
			var tr mcp.Transport
			var url string
			var stderr lockedBuffer
			if transport == "stdio" {
				cmd = exec.Command(bin)
				cmd.Stderr = &stderr
				tr = &mcp.CommandTransport{Command: cmd}
			} else {
				cmd = exec.Command(bin, "-http", "127.0.0.1:0")
				url = startCommand(t, cmd)
				tr = &mcp.StreamableClientTransport{Endpoint: url}
			}
			started := make(chan struct{}, 1)
			client := mcp.NewClient(&mcp.Implementation{Name: "e2e-sigterm", Version: "1"}, &mcp.ClientOptions{
				ProgressNotificationHandler: func(context.Context, *mcp.ProgressNotificationClientRequest) { started <- struct{}{} },
			})
			cs, err := client.Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			type outcome struct {
				res *mcp.CallToolResult
				err error
			}
			result := make(chan outcome, 1)
			go func() {
				p := &mcp.CallToolParams{Name: "pause", Arguments: map[string]any{"millis": 1500}}
				p.SetProgressToken("pause-1")
				res, err := cs.CallTool(ctx, p)
				result <- outcome{res, err}
			}()
			select {
			case <-started:
			case o := <-result:
				t.Fatalf("pause returned before it started: %+v %v", o.res, o.err)
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if transport == "http" {
				base := strings.TrimSuffix(url, "/mcp")
				deadline := time.Now().Add(10 * time.Second)
				for status(t, http.MethodGet, base+"/readyz", "") != http.StatusServiceUnavailable {
					if time.Now().After(deadline) {
						t.Fatal("readiness stayed true after SIGTERM")
					}
					time.Sleep(10 * time.Millisecond)
				}
				if s := status(t, http.MethodGet, base+"/healthz", ""); s != http.StatusOK {
					t.Errorf("liveness while draining: %d", s)
				}
				init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"late","version":"1"}}}`
				if s := status(t, http.MethodPost, url, init); s != http.StatusServiceUnavailable {
					t.Errorf("a new session while draining: %d, want 503", s)
				}
			}
			o := <-result
			if o.err != nil || o.res.IsError || o.res.Content[0].(*mcp.TextContent).Text != "paused 1500ms" {
				t.Fatalf("the call in flight: %+v %v", o.res, o.err)
			}
			cs.Close()
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				if err != nil && !strings.Contains(err.Error(), "Wait was already called") {
					t.Errorf("exit: %v\n%s", err, stderr.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the server did not exit after draining")
			}
			if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 0 {
				t.Errorf("exit: %v, want code 0", cmd.ProcessState)
			}
		})
	}
}

// startCommand starts cmd, a server that prints its endpoint URL to
// stderr, and returns the URL; the process is killed at the end of the
// test if it still runs.
func startCommand(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- "http://" + m[1] + "/mcp":
				default:
				}
			}
		}
	}()
	select {
	case url := <-found:
		return url
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not print its URL")
	}
	return ""
}

// status sends one HTTP request and returns its status.
func status(t *testing.T, method, url, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
