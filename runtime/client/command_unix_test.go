//go:build unix

package client

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMain lets the test binary serve MCP over stdio when asked, so that
// tests can start it as a command server.
func TestMain(m *testing.M) {
	if os.Getenv("MCPGEN_CLIENT_TEST_SERVER") == "tasks" {
		if err := serveTaskTools(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv("MCPGEN_CLIENT_TEST_SERVER") == "1" {
		srv := mcp.NewServer(&mcp.Implementation{Name: "child", Version: "1"}, nil)
		if err := srv.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A launcher (here a shell, as npx or uvx would be) that leaves a
// grandchild behind: closing the session ends the grandchild too.
func TestCommandSessionEndsItsProcessGroup(t *testing.T) {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	t.Setenv("MCPGEN_CLIENT_TEST_SERVER", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	script := fmt.Sprintf("sleep 300 & echo $! > %q; exec %q", pidFile, bin)
	cs, err := ConnectCommand(ctx, []string{"sh", "-c", script}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.Ping(ctx, nil); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the grandchild is not running before Close: %v", err)
	}
	cs.Close()
	for alive(pid) {
		if ctx.Err() != nil {
			t.Fatalf("the grandchild (pid %d) outlived its session", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid runs: it exists and, where /proc says, is not
// a zombie (an orphan is reaped by init, or, in a container whose init
// does not reap, stays a zombie: dead all the same).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: Kill's answer is all there is
	}
	// pid (comm) state ...: the state follows the last ')'.
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}
