// Package testenv holds what tests share about their environment: skipping
// a test whose outside component is missing (and failing it under CI=true
// instead), and finding the Redis server tests use.
package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// Skip skips t because something outside the repository is missing, or
// fails it under CI=true, where everything must be present. When
// MCPGEN_SKIP_LOG names a file (make test sets it), it also appends one
// line naming pkg, the test and msg, so that a run without -v still says
// what it did not test and how to enable it.
func Skip(t testing.TB, pkg, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	if log := os.Getenv("MCPGEN_SKIP_LOG"); log != "" {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatalf("MCPGEN_SKIP_LOG: %v", err)
		}
		// One write per line: O_APPEND keeps lines from parallel tests whole.
		_, err = fmt.Fprintf(f, "SKIP %s %s: %s\n", pkg, t.Name(), msg)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("MCPGEN_SKIP_LOG: %v", err)
		}
	}
	t.Skip(msg)
}

// RedisAddr returns the address of the Redis server tests use
// (MCPGEN_TEST_REDIS, or 127.0.0.1:6379) after checking that it answers
// PING; when it does not, the test is skipped (failed under CI=true).
// Tests share that server: each must use keys of its own.
func RedisAddr(t testing.TB, pkg string) string {
	t.Helper()
	addr := os.Getenv("MCPGEN_TEST_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if err := ping(addr); err != nil {
		Skip(t, pkg, fmt.Sprintf("no Redis at %s (%v); run: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no", addr, err))
	}
	return addr
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}
