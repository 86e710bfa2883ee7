package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgen/mcpgen/internal/testenv"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth/oauthproxy"
	"github.com/mcpgen/mcpgen/runtime/state/redisstore"
	"github.com/mcpgen/mcpgen/runtime/state/storetest"
)

func open(t *testing.T, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	addr := testenv.RedisAddr(t, "runtime/state/redisstore")
	s, err := redisstore.Open(context.Background(), "redis://"+addr+"/0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) runtime.StateStore { return open(t, redisstore.Options{}) })
}

// Two stores on one Redis with different prefixes do not see each other's
// keys; two with the same prefix (two replicas) share them.
func TestPrefix(t *testing.T) {
	ctx := context.Background()
	a := open(t, redisstore.Options{Prefix: "mcpgen-test-a:"})
	b := open(t, redisstore.Options{Prefix: "mcpgen-test-b:"})
	a2 := open(t, redisstore.Options{Prefix: "mcpgen-test-a:"})
	key := "prefix-" + time.Now().Format("150405.000000000")
	t.Cleanup(func() { a.Delete(ctx, key) })
	if err := a.Set(ctx, key, []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.Get(ctx, key); ok {
		t.Error("a store with another prefix sees the key")
	}
	if v, ok, err := a2.Get(ctx, key); err != nil || !ok || string(v) != "v" {
		t.Errorf("a second store with the same prefix read %q, %v, %v", v, ok, err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t, "runtime/state/redisstore")})
	defer rdb.Close()
	if ttl := rdb.PTTL(ctx, "mcpgen-test-a:"+key).Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("the key's TTL in Redis is %v, want (0, 1m]", ttl)
	}
}

func TestRefusesNonPositiveTTL(t *testing.T) {
	s := open(t, redisstore.Options{})
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.Set(context.Background(), "k", []byte("v"), ttl); err == nil || !strings.Contains(err.Error(), "ttl must be positive") {
			t.Errorf("Set with ttl %v: err = %v", ttl, err)
		}
	}
}

// An unreachable Redis is an error from Open, promptly, naming the cause;
// and a store whose Redis goes away fails requests within its timeout
// instead of holding them.
func TestUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens there.
	_, err := redisstore.Open(ctx, "redis://127.0.0.1:1/0", redisstore.Options{Timeout: 500 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "redis does not answer") {
		t.Fatalf("Open of an unreachable Redis: %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	s := redisstore.New(rdb, redisstore.Options{Timeout: 300 * time.Millisecond})
	if _, _, err := s.Get(ctx, "k"); err == nil {
		t.Error("Get on an unreachable Redis succeeded")
	}
	if ctx.Err() != nil {
		t.Error("Get on an unreachable Redis held the request until the test's deadline")
	}
	if _, err := redisstore.Open(ctx, "http://127.0.0.1:6379", redisstore.Options{}); err == nil {
		t.Error("Open accepted an http:// URL")
	}
}

// Take hands a value to exactly one of many concurrent takers, across
// stores (replicas) sharing the Redis.
func TestTakeOnce(t *testing.T) {
	ctx := context.Background()
	prefix := "mcpgen-test-take-" + time.Now().Format("150405.000000000") + ":"
	var stores []*redisstore.Store
	for i := 0; i < 4; i++ {
		stores = append(stores, open(t, redisstore.Options{Prefix: prefix}))
	}
	for round := 0; round < 20; round++ {
		key := fmt.Sprint("code-", round)
		if err := stores[0].Set(ctx, key, []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var got atomic.Int32
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, ok, err := stores[i%len(stores)].Take(ctx, key)
				if err != nil {
					t.Error(err)
				}
				if ok {
					got.Add(1)
					if string(v) != "v" {
						t.Errorf("took %q", v)
					}
				}
			}()
		}
		wg.Wait()
		if got.Load() != 1 {
			t.Fatalf("round %d: %d takers got the value, want 1", round, got.Load())
		}
		if _, ok, _ := stores[1].Get(ctx, key); ok {
			t.Fatal("the value is still there after Take")
		}
	}
}

// The OAuth proxy redeems single-use values atomically across replicas
// with a store that implements its Taker.
var _ oauthproxy.Taker = (*redisstore.Store)(nil)
