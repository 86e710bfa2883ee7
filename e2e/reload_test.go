package e2e

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// reloadServer is a server package whose tools the test edits.
const reloadServer = `package main

import (
	"context"
	"log"

	"github.com/mcpgen/mcpgen/runtime"
)

// Hello greets.
//
//mcp:tool
func Hello(ctx context.Context) (string, error) { return "hello", nil }
%s
func main() {
	srv := runtime.NewServer(&runtime.Implementation{Name: "reloaded", Version: "1"}, nil)
	if err := srv.Add(Components()); err != nil {
		log.Fatal(err)
	}
	if err := srv.ServeStdio(context.Background()); err != nil {
		log.Fatal(err)
	}
}
`

const byeTool = `
// Bye takes leave.
//
//mcp:tool
func Bye(ctx context.Context) (string, error) { return "bye", nil }
`

// lines collects a process's stderr and waits for a line matching a
// pattern.
type lines struct {
	mu   sync.Mutex
	all  []string
	cond chan struct{}
}

func (l *lines) add(s string) {
	l.mu.Lock()
	l.all = append(l.all, s)
	close(l.cond)
	l.cond = make(chan struct{})
	l.mu.Unlock()
}

// wait returns the first line from index from on matching re, and the
// index after it.
func (l *lines) wait(t *testing.T, from int, re string, timeout time.Duration) (string, int) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		for i := from; i < len(l.all); i++ {
			if rx.MatchString(l.all[i]) {
				s := l.all[i]
				l.mu.Unlock()
				return s, i + 1
			}
		}
		cond := l.cond
		l.mu.Unlock()
		select {
		case <-cond:
		case <-deadline:
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no line matching %q within %v; stderr:\n%s", re, timeout, strings.Join(l.all, "\n"))
		}
	}
}

// mcpgen run --reload keeps the client's session across rebuilds: the
// client gets list_changed and sees the new tool in the same session; a
// broken edit is reported and the old build keeps serving.
func TestRunReload(t *testing.T) {
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) { testRunReload(t, transport) })
	}
}

func testRunReload(t *testing.T, transport string) {
	mcpgen := mcpgenBinary(t)
	dir := tempModule(t, "example.com/reloaded")
	src := filepath.Join(dir, "main.go")
	write := func(extra string) {
		t.Helper()
		if err := os.WriteFile(src, []byte(strings.Replace(reloadServer, "%s", extra, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	goRun(t, dir, "run", filepath.Join(mustAbs(t, ".."), "cmd/mcpgen"), "generate", ".")

	args := []string{"run", "--reload", "."}
	if transport == "http" {
		args = append(args, "--http", "127.0.0.1:0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, mcpgen, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), tempModuleEnv...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	stderr := &lines{cond: make(chan struct{})}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = pw
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			stderr.add(sc.Text())
		}
	}()

	changed := make(chan struct{}, 16)
	client := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	})
	var cs *mcp.ClientSession
	cctx, ccancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer ccancel()
	if transport == "stdio" {
		cs, err = client.Connect(cctx, &mcp.CommandTransport{Command: cmd}, nil)
		pw.Close()
	} else {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pw.Close()
		line, _ := stderr.wait(t, 0, `serving MCP on http://`, 3*time.Minute)
		url := line[strings.Index(line, "http://"):]
		cs, err = client.Connect(cctx, &mcp.StreamableClientTransport{Endpoint: url}, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close(); cancel(); cmd.Wait() })
	session := cs.ID()

	names := func() []string {
		t.Helper()
		lt, err := cs.ListTools(cctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, tl := range lt.Tools {
			n = append(n, tl.Name)
		}
		slices.Sort(n)
		return n
	}
	callText := func(name string) string {
		t.Helper()
		res, err := cs.CallTool(cctx, &mcp.CallToolParams{Name: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res.Content[0].(*mcp.TextContent).Text
	}
	if got := names(); !slices.Equal(got, []string{"hello"}) {
		t.Fatalf("tools = %v", got)
	}
	if got := callText("hello"); got != "hello" {
		t.Fatalf("hello = %q", got)
	}

	// A new tool: list_changed, the tool in the same session.
	write(byeTool)
	_, next := stderr.wait(t, 0, `rebuilt; serving the new build`, 3*time.Minute)
	select {
	case <-changed:
	case <-time.After(30 * time.Second):
		t.Fatal("no notifications/tools/list_changed after the rebuild")
	}
	if got := names(); !slices.Equal(got, []string{"bye", "hello"}) {
		t.Fatalf("tools after the edit = %v", got)
	}
	if got := callText("bye"); got != "bye" {
		t.Fatalf("bye = %q", got)
	}
	if cs.ID() != session {
		t.Errorf("session id changed from %q to %q", session, cs.ID())
	}

	// A broken edit: reported with its position, the old build serves.
	write(byeTool + "\nfunc broken() { undefined_name() }\n")
	line, _ := stderr.wait(t, next, `main\.go:\d+:\d+: .*undefined`, 3*time.Minute)
	stderr.wait(t, next, `still serving the previous build`, time.Minute)
	if !strings.Contains(line, "undefined_name") {
		t.Errorf("the build error does not name the problem: %s", line)
	}
	if got := callText("bye"); got != "bye" {
		t.Fatalf("bye after a broken edit = %q", got)
	}
	if got := names(); !slices.Equal(got, []string{"bye", "hello"}) {
		t.Fatalf("tools after a broken edit = %v", got)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
