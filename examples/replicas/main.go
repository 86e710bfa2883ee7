// Command replicas is a server built to run as several replicas behind a
// load balancer that sends each request anywhere: its tasks, session
// state and sessions' routes are in Redis, and the replicas share the
// request-state key. See the README's "Running many replicas".
//
//	MCPGEN_REDIS=redis://127.0.0.1:6379/0 MCPGEN_REQUEST_STATE_KEY=... \
//	MCPGEN_SELF=http://127.0.0.1:8081 go run ./examples/replicas -http 127.0.0.1:8081
//	go run ./examples/replicas worker    # a process that only runs tasks
//
// Environment: MCPGEN_REDIS (default redis://127.0.0.1:6379/0); MCPGEN_SELF,
// this replica's base URL as the others reach it (default from -http);
// MCPGEN_REPLICA, its name; MCPGEN_TASKS_WORKERS, tasks run at once
// (default 16; 0 here: none); MCPGEN_TASKS_LEASE, the workers' lease
// (default 30s); MCPGEN_TASKS_OPTIONAL=1 serves without tasks (and with
// state in memory) when Redis does not answer at start, instead of
// exiting.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/replicas"
	"github.com/mcpgen/mcpgen/runtime/state/redisstore"
	"github.com/mcpgen/mcpgen/runtime/tasks"
	"github.com/mcpgen/mcpgen/runtime/tasks/redistasks"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	args := os.Args[1:]
	workerOnly := len(args) > 0 && args[0] == "worker"
	if workerOnly {
		args = args[1:]
	}
	if name := os.Getenv("MCPGEN_REPLICA"); name != "" {
		replica = name
	} else {
		host, _ := os.Hostname()
		replica = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	redisURL := envOr("MCPGEN_REDIS", "redis://127.0.0.1:6379/0")
	workers, err := envInt("MCPGEN_TASKS_WORKERS", tasks.DefaultWorkers)
	if err != nil {
		return err
	}
	lease, err := envDuration("MCPGEN_TASKS_LEASE", tasks.DefaultLease)
	if err != nil {
		return err
	}
	opts := &runtime.Options{
		// Sessionless (2026-07-28) requests name their session in a
		// header: a stand-in for the authenticated principal.
		SessionKey: func(r *runtime.Request) string { return r.Header.Get("X-User") },
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	state, err := redisstore.Open(pctx, redisURL, redisstore.Options{})
	var taskStore *redistasks.Store
	if err == nil {
		if taskStore, err = redistasks.Open(pctx, redisURL, redistasks.Options{}); err != nil {
			state.Close()
		}
	}
	cancel()
	withTasks := err == nil
	switch {
	case err != nil && os.Getenv("MCPGEN_TASKS_OPTIONAL") == "1" && !workerOnly:
		fmt.Fprintf(os.Stderr, "replicas: %v: serving without tasks, session state in memory (MCPGEN_TASKS_OPTIONAL=1)\n", err)
	case err != nil:
		return fmt.Errorf("%w (the replicas share their tasks and state there: start Redis, or set MCPGEN_TASKS_OPTIONAL=1 to serve without tasks)", err)
	default:
		defer state.Close()
		defer taskStore.Close()
		opts.State = state
		if !workerOnly {
			self := os.Getenv("MCPGEN_SELF")
			if self == "" {
				self = "http://" + httpAddr(args)
			}
			// README: replicas-router
			router := replicas.NewRouter(replicas.Options{Self: self, Store: state})
			opts.HTTPMiddleware = []func(http.Handler) http.Handler{router.Middleware}
			// README end
		}
	}
	srv := runtime.NewServer(&runtime.Implementation{Name: "replicas", Version: "1.0.0"}, opts)
	if err := srv.Add(Components()); err != nil {
		return err
	}
	if withTasks {
		switch {
		case workerOnly:
			workers = max(workers, 1)
		case workers == 0:
			workers = -1 // this process only creates and serves tasks
		}
		if _, err := tasks.Register(srv, &tasks.Options{Store: taskStore, Workers: workers, Lease: lease, WorkerName: replica}); err != nil {
			return err
		}
	}
	if workerOnly {
		if err := srv.Start(ctx); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "replicas: %s runs tasks\n", replica)
		<-ctx.Done()
		return srv.Close(context.Background())
	}
	return srv.RunArgs(ctx, args)
}

func httpAddr(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "-http="); ok {
			return v
		}
		if (a == "-http" || a == "--http") && i+1 < len(args) {
			return args[i+1]
		}
	}
	return os.Getenv("MCPGEN_HTTP")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %v", name, v, err)
	}
	return n, nil
}

func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %v", name, v, err)
	}
	return d, nil
}
