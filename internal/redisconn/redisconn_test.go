package redisconn_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/redisconn"
	"github.com/mcpgen/mcpgen/internal/testenv"
)

func TestTimeout(t *testing.T) {
	for _, c := range []struct{ in, want time.Duration }{
		{0, redisconn.DefaultTimeout},
		{-time.Second, redisconn.DefaultTimeout},
		{time.Millisecond, time.Millisecond},
	} {
		if got := redisconn.Timeout(c.in); got != c.want {
			t.Errorf("Timeout(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// Bound keeps an earlier deadline and adds one where there is none or a
// later one.
func TestBound(t *testing.T) {
	ctx, cancel := redisconn.Bound(context.Background(), time.Minute)
	dl, ok := ctx.Deadline()
	cancel()
	if !ok || time.Until(dl) > time.Minute {
		t.Errorf("no deadline: Bound gave %v, %v; want one within a minute", dl, ok)
	}
	if ctx.Err() == nil {
		t.Error("the cancel Bound returned did not cancel")
	}

	parent, pcancel := context.WithTimeout(context.Background(), time.Second)
	defer pcancel()
	ctx, cancel = redisconn.Bound(parent, time.Minute)
	cancel()
	if ctx != parent {
		t.Error("an earlier deadline: Bound did not return the context itself")
	}
	if parent.Err() != nil {
		t.Error("Bound's cancel cancelled the caller's context")
	}

	parent, pcancel = context.WithTimeout(context.Background(), time.Hour)
	defer pcancel()
	ctx, cancel = redisconn.Bound(parent, time.Second)
	defer cancel()
	if dl, _ := ctx.Deadline(); time.Until(dl) > time.Second {
		t.Errorf("a later deadline: Bound left it at %v", dl)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := redisconn.Open(ctx, "somestore", "http://127.0.0.1:6379", time.Second)
	if err == nil || !strings.HasPrefix(err.Error(), "somestore: ") {
		t.Errorf("Open of an http:// URL: %v, want an error starting %q", err, "somestore: ")
	}
	// Port 1 on loopback: nothing listens there.
	_, err = redisconn.Open(ctx, "somestore", "redis://127.0.0.1:1/0", 500*time.Millisecond)
	if err == nil || !strings.HasPrefix(err.Error(), "somestore: redis does not answer: ") {
		t.Errorf("Open of an unreachable Redis: %v, want an error starting %q", err, "somestore: redis does not answer: ")
	}
	if ctx.Err() != nil {
		t.Error("Open of an unreachable Redis held on until the test's deadline")
	}
}

func TestOpen(t *testing.T) {
	addr := testenv.RedisAddr(t, "internal/redisconn")
	ctx := context.Background()
	rdb, err := redisconn.Open(ctx, "somestore", "redis://"+addr+"/0", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := redisconn.Ping(ctx, "somestore", rdb, time.Second); err != nil {
		t.Errorf("Ping of an open client: %v", err)
	}
	rdb.Close()
	if err := redisconn.Ping(ctx, "somestore", rdb, time.Second); err == nil || !strings.HasPrefix(err.Error(), "somestore: redis does not answer: ") {
		t.Errorf("Ping of a closed client: %v", err)
	}
}
