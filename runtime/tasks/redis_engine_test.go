package tasks_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgen/mcpgen/internal/testenv"
	"github.com/mcpgen/mcpgen/runtime/tasks"
	"github.com/mcpgen/mcpgen/runtime/tasks/redistasks"
)

// redisAddr, when set, makes newFixture keep its tasks in Redis.
var redisAddr string

// redisStore returns a store under a prefix of its own, emptied at the
// end of the test.
func redisStore(t testing.TB, addr string) *redistasks.Store {
	id := make([]byte, 6)
	rand.Read(id)
	prefix := "{mcpgen-test-engine-" + hex.EncodeToString(id) + "}:"
	s, err := redistasks.Open(context.Background(), "redis://"+addr+"/0", redistasks.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		ctx := context.Background()
		if keys, _ := rdb.Keys(ctx, prefix+"*").Result(); len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return s
}

// The engine's tests again, with the tasks in Redis.
func TestEngineOnRedis(t *testing.T) {
	redisAddr = testenv.RedisAddr(t, "runtime/tasks")
	defer func() { redisAddr = "" }()
	for name, test := range map[string]func(*testing.T){
		"ListShowsTaskSupport":  TestListShowsTaskSupport,
		"ExtensionLifecycle":    TestExtensionLifecycle,
		"CancelStopsHandler":    TestCancelStopsHandler,
		"ExtensionNotDeclared":  TestExtensionNotDeclared,
		"ExtensionInput":        TestExtensionInput,
		"PreludeThenTask":       TestPreludeThenTask,
		"TaskHeaders":           TestTaskHeaders,
		"TasksBoundToPrincipal": TestTasksBoundToPrincipal,
		"InputTimeoutAndTTL":    TestInputTimeoutAndTTL,
		"SEP1686Session":        TestSEP1686Session,
		"SEP1686StdioInput":     TestSEP1686StdioInput,
		"HostileTaskRequests":   TestHostileTaskRequests,
		"ListenToTasks":         TestListenToTasks,
		"ListenRefusals":        TestListenRefusals,
		"SEP1686StatusNotes":    TestSEP1686StatusNotifications,
		"ListenBurst":           TestListenBurst,
		"ExpiredAndStateless":   TestWatchesOfExpiredTasksAndStatelessCalls,
	} {
		t.Run(name, test)
	}
}

var _ = tasks.Store(nil)
