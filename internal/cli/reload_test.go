package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/proxy"
)

// A file saved while a rebuild runs gets a rebuild of its own; what the
// rebuild wrote itself (generated code) does not.
func TestReloadWatchSeesSavesDuringBuild(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.go", "package main\n")
	r := &reloader{root: root}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := make(chan int, 8)
	n := 0
	done := make(chan struct{})
	base := r.snapshot()
	go func() {
		defer close(done)
		r.watch(ctx, base, 10*time.Millisecond, 20*time.Millisecond, func() []string {
			n++
			if n == 1 {
				write("mcp_gen.go", "package main // generated\n") // written by the rebuild
				write("main.go", "package main\n\n// saved during the build\n")
			}
			calls <- n
			return []string{filepath.Join(root, "mcp_gen.go")}
		})
	}()
	write("main.go", "package main\n\n// first edit\n")
	for want := 1; want <= 2; want++ {
		select {
		case got := <-calls:
			if got != want {
				t.Fatalf("rebuild %d, want %d", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no rebuild %d: a save during the build was missed", want)
		}
	}
	select {
	case got := <-calls:
		t.Fatalf("rebuild %d for the generated file", got)
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	<-done
}

// close stops every backend: the current one and those still finishing
// calls after a switch; a build that finishes after close is stopped too.
func TestSwitcherCloseStopsRetired(t *testing.T) {
	var mu sync.Mutex
	var closed []string
	mk := func(name string) *backend {
		p, err := proxy.New(proxy.Target{Command: "true"}, nil) // never connected
		if err != nil {
			t.Fatal(err)
		}
		return &backend{proxy: p, cleanup: func() {
			mu.Lock()
			defer mu.Unlock()
			closed = append(closed, name)
		}}
	}
	sw := &switcher{cur: mk("first")}
	sw.Watch(func() {})
	if !sw.replace(mk("second")) || !sw.replace(mk("third")) {
		t.Fatal("replace refused before close")
	}
	sw.close()
	if sw.replace(mk("late")) {
		t.Error("replace after close switched")
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(closed)
	if want := []string{"first", "late", "second", "third"}; !slices.Equal(closed, want) {
		t.Errorf("closed %v, want %v", closed, want)
	}
}
