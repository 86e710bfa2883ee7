package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mcpgen/mcpgen/internal/generate"
	"github.com/mcpgen/mcpgen/internal/parse"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/proxy"
)

// ReloadOptions configure Reload.
type ReloadOptions struct {
	// Dir is the server's Go package: a main package, or a package with
	// generated code (served on its own, as the CLI's targets are).
	Dir string
	// HTTP, Stateless and JSONResponse are as for Run.
	HTTP         string
	Stateless    bool
	JSONResponse bool
	// Poll is how often the sources are checked (300 ms when 0), and
	// Debounce how long they must stay unchanged before a rebuild (200 ms
	// when 0).
	Poll, Debounce time.Duration
	// Stderr receives what happens: rebuilds, their failures, the
	// backend's own stderr.
	Stderr io.Writer
}

// Reload serves the server in o.Dir through a front process that keeps
// every client's session open while the server is rebuilt: it watches the
// sources of the server's module (Go files, go.mod and go.sum, embedded
// assets: every file outside hidden directories), and on a change
// regenerates the module's annotated packages, rebuilds, starts the new
// backend and switches to it. Clients get list_changed and see the new
// components in the same session. A failed generate or build is printed
// with its positions and the previous backend keeps serving.
func Reload(ctx context.Context, o ReloadOptions) error {
	stderr := o.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	if o.Poll <= 0 {
		o.Poll = 300 * time.Millisecond
	}
	if o.Debounce <= 0 {
		o.Debounce = 200 * time.Millisecond
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	root, err := moduleRoot(ctx, dir)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := &reloader{dir: dir, root: root, stderr: stderr, log: log}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	base := r.snapshot() // before the first build: a save during it is a change
	first, written, err := r.build(ctx)
	if err != nil {
		return err
	}
	base.absorb(written)
	sw := &switcher{cur: first}
	defer sw.close()
	s := runtime.NewServer(&runtime.Implementation{Name: "mcpgen-run-reload", Version: "dev"},
		&runtime.Options{Logger: log, Stateless: o.Stateless, JSONResponse: o.JSONResponse})
	if err := s.Mount(sw); err != nil {
		return err
	}
	wctx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		r.watch(wctx, base, o.Poll, o.Debounce, func() []string {
			b, written, err := r.build(wctx)
			if err != nil {
				fmt.Fprintf(stderr, "mcpgen run --reload: %v\nmcpgen run --reload: still serving the previous build\n", err)
				return written
			}
			if sw.replace(b) {
				fmt.Fprintf(stderr, "mcpgen run --reload: rebuilt; serving the new build\n")
			}
			return written
		})
	}()
	// Stop watching (a build in progress is killed) before the backends
	// close, so that none is left running.
	defer func() { stopWatch(); <-watched }()
	if o.HTTP == "" {
		return s.ServeStdio(ctx)
	}
	return s.ListenAndServe(ctx, o.HTTP, func(url string) {
		fmt.Fprintf(stderr, "mcpgen run --reload: serving MCP on %s\n", url)
	})
}

func moduleRoot(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOMOD")
	cmd.Dir = dir
	out, err := cmd.Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("%s is not inside a Go module (go env GOMOD: %q, %v)", dir, gomod, err)
	}
	return filepath.Dir(gomod), nil
}

type reloader struct {
	dir, root string
	stderr    io.Writer
	log       *slog.Logger
}

// backend is one build of the server, proxied.
type backend struct {
	proxy   *proxy.Proxy
	cleanup func()
}

func (b *backend) close() {
	b.proxy.Close()
	b.cleanup()
}

// build regenerates the module's annotated packages, builds the server and
// starts it; an error says what failed, with positions. written are the
// files generate wrote.
func (r *reloader) build(ctx context.Context) (b *backend, written []string, err error) {
	files, err := generate.Plan(r.root, "./...")
	if err != nil {
		var list parse.ErrorList
		if errors.As(err, &list) {
			var msg strings.Builder
			for _, e := range list {
				fmt.Fprintln(&msg, relativeTo(r.root, e.Error()))
			}
			return nil, nil, fmt.Errorf("generate failed:\n%s", strings.TrimRight(msg.String(), "\n"))
		}
		return nil, nil, fmt.Errorf("generate failed: %v", err)
	}
	for _, f := range files {
		if !f.Stale() {
			continue
		}
		if err := f.Write(); err != nil {
			return nil, written, err
		}
		written = append(written, f.Path)
	}
	bin, cleanup, err := buildPackage(ctx, r.dir, r.stderr)
	if err != nil {
		return nil, written, err
	}
	p, err := proxy.New(proxy.Target{Command: bin}, &proxy.Options{Stderr: r.stderr, Logger: r.log})
	if err != nil {
		cleanup()
		return nil, written, err
	}
	b = &backend{proxy: p, cleanup: cleanup}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := p.Lifespan(sctx); err == nil {
		_, err = p.Components(sctx)
	}
	if err != nil {
		b.close()
		return nil, written, fmt.Errorf("the new build does not serve: %v", err)
	}
	return b, written, nil
}

// relativeTo shortens the absolute paths in msg to paths under root.
func relativeTo(root, msg string) string {
	return strings.ReplaceAll(msg, root+string(filepath.Separator), "")
}

// watch calls rebuild whenever a source of the module changed and then
// stayed unchanged for debounce. rebuild returns the files it wrote
// (generated code), which are not changes to rebuild for; a file saved
// while it ran is, and gets a rebuild of its own.
func (r *reloader) watch(ctx context.Context, last files, poll, debounce time.Duration, rebuild func() []string) {
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := r.snapshot()
		if sameFiles(now, last) {
			continue
		}
		// Wait for the editor to finish writing.
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(debounce):
			}
			again := r.snapshot()
			if sameFiles(again, now) {
				break
			}
			now = again
		}
		written := rebuild()
		last = now
		last.absorb(written)
	}
}

// files are the stamps of a module's files.
type files map[string]stamp

// absorb takes the current stamps of paths (files a build wrote), so that
// they do not count as changes.
func (f files) absorb(paths []string) {
	for _, path := range paths {
		if info, err := os.Stat(path); err == nil {
			f[path] = stamp{info.Size(), info.ModTime()}
		} else {
			delete(f, path)
		}
	}
}

type stamp struct {
	size int64
	mod  time.Time
}

// snapshot stamps every file of the module outside hidden directories,
// node_modules and testdata, and other than tests.
func (r *reloader) snapshot() files {
	m := files{}
	filepath.WalkDir(r.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if path != r.root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "_test.go") || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			m[path] = stamp{info.Size(), info.ModTime()}
		}
		return nil
	})
	return m
}

func sameFiles(a, b files) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// switcher is the provider the front server mounts: the current backend's
// components, and on a switch, the next one's, with list_changed.
type switcher struct {
	mu        sync.Mutex
	cur       *backend
	unwatch   func()                   // the current backend's watch, from the first Watch on
	retired   map[*backend]*time.Timer // previous builds finishing their calls
	closed    bool
	closeOnce sync.Once

	watchers runtime.Watchers
}

func (s *switcher) current() *backend {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

func (s *switcher) Components(ctx context.Context) (*runtime.Components, error) {
	return s.current().proxy.Components(ctx)
}

// Watch forwards the current backend's changes, and calls changed on a
// switch.
func (s *switcher) Watch(changed func()) func() {
	stop := s.watchers.Watch(changed)
	s.mu.Lock()
	if s.unwatch == nil {
		s.unwatch = s.cur.proxy.Watch(s.watchers.Notify)
	}
	s.mu.Unlock()
	return stop
}

// retireGrace is how long a previous build keeps serving the calls it has
// in flight after a switch; longer calls are cut.
const retireGrace = 10 * time.Second

// replace switches to b, and reports whether it did: after close, b is
// closed instead. The previous backend keeps serving the calls it has in
// flight for retireGrace, then stops.
func (s *switcher) replace(b *backend) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		b.close()
		return false
	}
	old := s.cur
	s.cur = b
	if s.unwatch != nil {
		s.unwatch()
		s.unwatch = b.proxy.Watch(s.watchers.Notify)
	}
	if s.retired == nil {
		s.retired = map[*backend]*time.Timer{}
	}
	s.retired[old] = time.AfterFunc(retireGrace, func() {
		s.mu.Lock()
		_, still := s.retired[old]
		delete(s.retired, old)
		s.mu.Unlock()
		if still {
			old.close()
		}
	})
	s.mu.Unlock()
	s.watchers.Notify()
	return true
}

// close stops the current backend and every retired one still finishing.
func (s *switcher) close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		all := []*backend{s.cur}
		for b, t := range s.retired {
			// A timer already fired closes its backend itself.
			if t.Stop() {
				all = append(all, b)
				delete(s.retired, b)
			}
		}
		s.mu.Unlock()
		for _, b := range all {
			b.close()
		}
	})
}
