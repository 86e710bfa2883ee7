package redistasks_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgen/mcpgen/internal/testenv"
	"github.com/mcpgen/mcpgen/runtime/tasks"
	"github.com/mcpgen/mcpgen/runtime/tasks/redistasks"
	"github.com/mcpgen/mcpgen/runtime/tasks/taskstest"
)

const pkg = "runtime/tasks/redistasks"

// newStore returns a store under a prefix of its own, whose keys are
// deleted at the end of the test.
func newStore(t *testing.T) *redistasks.Store {
	addr := testenv.RedisAddr(t, pkg)
	id := make([]byte, 6)
	rand.Read(id)
	prefix := "{mcpgen-test-tasks-" + hex.EncodeToString(id) + "}:"
	s, err := redistasks.Open(context.Background(), "redis://"+addr+"/0", redistasks.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		s.Close()
	})
	return s
}

func TestRedisContract(t *testing.T) {
	taskstest.Run(t, func(t *testing.T) tasks.Store { return newStore(t) })
}

func TestOpenUnreachable(t *testing.T) {
	_, err := redistasks.Open(context.Background(), "redis://127.0.0.1:1/0", redistasks.Options{})
	if err == nil {
		t.Fatal("Open of an unreachable Redis succeeded")
	}
}
