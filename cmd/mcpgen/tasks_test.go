package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/tasks"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// TestCallTaskTools runs mcpgen call against task tools on 127.0.0.1:
// the task is waited for, its states printed on stderr and its result on
// stdout; its elicitation is answered from stdin; a failed task exits 1
// with the server's error; --call-timeout cancels the task on the server.
func TestCallTaskTools(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "mcpgen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	schema := json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}}}`)
	release := make(chan struct{}) // closed once call printed the progress
	var once sync.Once
	srv := runtime.NewServer(&runtime.Implementation{Name: "jobs", Version: "1"}, nil)
	if err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{
		{Name: "slow_job", TaskSupport: runtime.TaskRequired, InputSchema: schema, Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			var a struct{ N int }
			json.Unmarshal(args, &a)
			runtime.Progress(ctx, 1, 2, "halfway there")
			if a.N == 3 {
				select {
				case <-release:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			js, _ := json.Marshal(map[string]int{"squared": a.N * a.N})
			return runtime.StructuredResult(js), nil
		}},
		{Name: "confirm", TaskSupport: runtime.TaskRequired, InputSchema: json.RawMessage(`{"type":"object"}`), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			res, err := runtime.Elicit(ctx, "confirm", &runtime.ElicitParams{Message: "Really?",
				RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"sure": map[string]any{"type": "boolean", "default": true}}}})
			if err != nil {
				return nil, err
			}
			return runtime.TextResult(fmt.Sprintf("%s %v", res.Action, res.Content["sure"])), nil
		}},
		{Name: "broken", TaskSupport: runtime.TaskRequired, InputSchema: json.RawMessage(`{"type":"object"}`), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			return nil, &jsonrpc.Error{Code: -32050, Message: "the backend is down"}
		}},
		{Name: "forever", TaskSupport: runtime.TaskRequired, InputSchema: json.RawMessage(`{"type":"object"}`), Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			if err := runtime.Detach(ctx); err != nil {
				return nil, err
			}
			<-ctx.Done()
			return nil, ctx.Err()
		}},
	}}); err != nil {
		t.Fatal(err)
	}
	engine, err := tasks.Register(srv, &tasks.Options{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
	})
	runWith := func(stdin io.Reader, args ...string) (string, string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append([]string{"call", hs.URL}, args...)...)
		cmd.Env = append(cmd.Environ(), "MCPGEN_HEADERS=", "MCPGEN_BEARER=")
		cmd.Stdin = stdin
		var stdout strings.Builder
		stderr := &watched{seen: func(s string) {
			if strings.Contains(s, "halfway there\n") {
				once.Do(func() { close(release) })
			}
		}}
		cmd.Stdout, cmd.Stderr = &stdout, stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}
	run := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		return runWith(strings.NewReader(stdin), args...)
	}

	out, errOut, code := run("", "slow_job", "n=3", "--auth", "none")
	if code != 0 || strings.TrimSpace(out) != "{\n  \"squared\": 9\n}" {
		t.Fatalf("slow_job: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if !regexp.MustCompile(`task \S+: working\n`).MatchString(errOut) || !strings.Contains(errOut, ": working: halfway there\n") || !regexp.MustCompile(`task \S+: completed\n`).MatchString(errOut) {
		t.Errorf("slow_job stderr %q", errOut)
	}
	if out, _, code := run("", "slow_job", "n=4", "--auth", "none", "--json"); code != 0 || !strings.Contains(out, `"squared": 16`) {
		t.Errorf("--json: exit %d, %q", code, out)
	}

	if out, errOut, code := run("no\n", "confirm", "--auth", "none", "--elicit", "ask"); code != 0 || strings.TrimSpace(out) != "accept false" || !strings.Contains(errOut, "The server asks: Really?") {
		t.Errorf("confirm answered no: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if out, _, code := run("", "confirm", "--auth", "none", "--elicit", "defaults"); code != 0 || strings.TrimSpace(out) != "accept true" {
		t.Errorf("confirm with defaults: exit %d, %q", code, out)
	}

	// A stdin that is no terminal, open and silent: the default declines;
	// asking gives up when --call-timeout runs out.
	silent, hold, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	defer hold.Close()
	if out, errOut, code := runWith(silent, "confirm", "--auth", "none"); code != 0 || strings.TrimSpace(out) != "decline <nil>" {
		t.Errorf("confirm, stdin no terminal: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, errOut, code := runWith(silent, "confirm", "--auth", "none", "--elicit", "ask", "--call-timeout", "1s"); code != 1 || !strings.Contains(errOut, "The server asks: Really?") || !strings.Contains(errOut, "no result within --call-timeout 1s") {
		t.Errorf("confirm asking a silent stdin: exit %d, stderr %q", code, errOut)
	}

	if _, errOut, code := run("", "broken", "--auth", "none"); code != 1 || !strings.Contains(errOut, "failed: the backend is down") {
		t.Errorf("broken: exit %d, stderr %q", code, errOut)
	}

	_, errOut, code = run("", "forever", "--auth", "none", "--call-timeout", "1s")
	id := regexp.MustCompile(`task (\S+): working`).FindStringSubmatch(errOut)
	if code != 1 || len(id) < 2 || !strings.Contains(errOut, "no result within --call-timeout 1s") {
		t.Fatalf("forever: exit %d, stderr %q", code, errOut)
	}
	st, err := engine.Store().Get(context.Background(), "", id[1])
	if err != nil || st.Status != tasks.Cancelled {
		t.Errorf("the task after --call-timeout: %+v, %v", st, err)
	}
}

// watched is a writer that calls seen with all written so far.
type watched struct {
	mu   sync.Mutex
	b    strings.Builder
	seen func(string)
}

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	w.seen(w.b.String())
	return len(p), nil
}

func (w *watched) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
