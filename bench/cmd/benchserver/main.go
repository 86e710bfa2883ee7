// Command benchserver serves the benchmarks' search tool, or a list of tool
// descriptors, with one of the benchmarked implementations (bench.Impls),
// over stdio or stateful streamable HTTP. cmd/procbench starts one process
// per measurement:
//
//	benchserver -server mcpgen|gosdk|gosdk-raw|mcpgo|bare [-http 127.0.0.1:0] [-tools tools.json]
//
// With -http it prints the endpoint URL on its first line of standard
// output, then serves until killed; on SIGUSR1 it collects garbage and
// returns the freed memory to the system, then prints "freed", so that its
// resident memory can be read without the garbage of past requests. With -tools it serves the tools of a
// tools/list result (a JSON array) instead of the search tool; their
// handlers are never called.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/mcpgen/mcpgen/bench"
)

func main() {
	server := flag.String("server", "mcpgen", "implementation: mcpgen, gosdk, gosdk-raw, mcpgo or bare")
	addr := flag.String("http", "", "serve stateful streamable HTTP on `address` instead of stdio")
	toolsFile := flag.String("tools", "", "serve the tools of this JSON `file` (a tools/list array) instead of the search tool")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *server, *addr, *toolsFile); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, server, addr, toolsFile string) error {
	var list []byte
	if toolsFile != "" {
		var err error
		if list, err = os.ReadFile(toolsFile); err != nil {
			return err
		}
	}
	impl, err := bench.NewImpl(server, list)
	if err != nil {
		return err
	}
	if addr == "" {
		return impl.ServeIO(ctx, os.Stdin, os.Stdout)
	}
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		for range usr1 {
			debug.FreeOSMemory()
			fmt.Println("freed")
		}
	}()
	return impl.ListenAndServe(ctx, addr, func(url string) { fmt.Println(url) })
}
