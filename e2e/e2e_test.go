// Package e2e holds end-to-end tests that run the example servers as real
// processes and talk to them with clients nobody in this project wrote.
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/testenv"
)

var (
	buildMu  sync.Mutex
	binDir   string
	binaries = map[string]string{}
)

// buildBinary builds the main package at pkgDir (relative to this
// directory) once per test run and returns the binary's path.
func buildBinary(t *testing.T, pkgDir string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if bin, ok := binaries[pkgDir]; ok {
		return bin
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "mcpgen-e2e-bin")
		if err != nil {
			t.Fatal(err)
		}
		binDir = dir
	}
	bin := filepath.Join(binDir, filepath.Base(pkgDir))
	out, err := exec.Command("go", "build", "-o", bin, pkgDir).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkgDir, err, out)
	}
	binaries[pkgDir] = bin
	return bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// needTool skips (or, under CI=true, fails) when a third-party dependency
// installed by .ci/run is missing, saying how to install it.
func needTool(t *testing.T, path, howto string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	// path is relative to this directory; the message is for the repository root.
	skipThirdParty(t, fmt.Sprintf("e2e/%s is not installed; run: %s", path, howto))
}

// skipThirdParty skips t because a third-party client is missing, or fails
// it under CI=true, logging the skip for make test (testenv.Skip).
func skipThirdParty(t *testing.T, msg string) {
	t.Helper()
	testenv.Skip(t, "e2e", msg)
}

var listenLine = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/mcp`)

// startHTTP starts bin with -http on a free loopback port and returns the
// endpoint URL once the server says it is listening.
func startHTTP(t *testing.T, bin string, extra ...string) string {
	t.Helper()
	return startHTTPArgs(t, bin, append([]string{"-http", "127.0.0.1:0"}, extra...)...)
}

// startHTTPArgs starts bin with args (which make it serve HTTP on
// 127.0.0.1:0) and returns the endpoint URL once the server prints it and
// accepts connections. At the end of the test the server gets SIGTERM, so
// that it can end what it started (a proxy's upstream commands), and is
// killed if it has not exited 10 seconds later.
func startHTTPArgs(t *testing.T, bin string, args ...string) string {
	t.Helper()
	return startHTTPEnv(t, nil, bin, args...)
}

// startHTTPEnv is startHTTPArgs with the server's environment (nil for
// this process's).
func startHTTPEnv(t *testing.T, env []string, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })

	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case addr := <-found:
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatalf("server said it listens on %s but: %v", addr, err)
		}
		conn.Close()
		return "http://" + addr + "/mcp"
	case <-time.After(30 * time.Second):
		t.Fatalf("%s %v did not report its listen address within 30s", filepath.Base(bin), args)
	}
	return ""
}

func contains(s string, subs ...string) error {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return fmt.Errorf("%q does not contain %q", s, sub)
		}
	}
	return nil
}
