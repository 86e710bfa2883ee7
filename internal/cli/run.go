package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/proxy"
)

// RunOptions configure Run.
type RunOptions struct {
	// Spec is an http(s) URL or the path of an mcp.json-style config;
	// ignored when Command is set.
	Spec string
	// Command is a stdio server command line (after "--").
	Command []string
	// Header is sent with every HTTP request to a URL upstream.
	Header http.Header
	// Env (KEY=VALUE) is added to a command upstream's environment.
	Env []string
	// ConnectTimeout bounds connecting to each upstream (0 for the
	// proxy's default).
	ConnectTimeout time.Duration
	// HTTP, if set, serves streamable HTTP on this address instead of
	// stdio; Stateless and JSONResponse configure it.
	HTTP         string
	Stateless    bool
	JSONResponse bool
	// Version is reported to clients as the proxy's version.
	Version string
	// Stderr receives diagnostics and the upstream commands' stderr.
	Stderr io.Writer
}

// Run serves the upstream server(s) named by o through a proxy, over
// stdio or streamable HTTP, until ctx is done, SIGINT or SIGTERM arrives,
// or (stdio) the client disconnects. An upstream that cannot be reached
// is an error before anything is served.
func Run(ctx context.Context, o RunOptions) error {
	stderr := o.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	popts := &proxy.Options{ConnectTimeout: o.ConnectTimeout, Stderr: stderr, Logger: log}
	p, err := RunProvider(o, popts)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := runtime.NewServer(&runtime.Implementation{Name: "mcpgen-run", Version: firstNonEmpty(o.Version, "dev")},
		&runtime.Options{Logger: log, Stateless: o.Stateless, JSONResponse: o.JSONResponse})
	if err := s.Mount(p); err != nil {
		if c, ok := p.(io.Closer); ok {
			c.Close()
		}
		return err
	}
	if o.HTTP == "" {
		return s.ServeStdio(ctx)
	}
	return s.ListenAndServe(ctx, o.HTTP, func(url string) {
		fmt.Fprintf(stderr, "mcpgen run: serving MCP on %s\n", url)
	})
}

// RunProvider returns the proxy provider for o: one upstream for a URL or
// a command, or every server of a config file, namespaced by name.
func RunProvider(o RunOptions, popts *proxy.Options) (runtime.Provider, error) {
	if len(o.Command) > 0 {
		env := map[string]string{}
		for _, e := range o.Env {
			k, v, ok := strings.Cut(e, "=")
			if !ok {
				return nil, fmt.Errorf("--env %q: want KEY=VALUE", e)
			}
			env[k] = v
		}
		return proxy.New(proxy.Target{Command: o.Command[0], Args: o.Command[1:], Env: env}, popts)
	}
	switch {
	case o.Spec == "":
		return nil, errors.New("give an upstream: a URL, an mcp.json-style config file, or -- COMMAND ARGS...")
	case strings.HasPrefix(o.Spec, "http://") || strings.HasPrefix(o.Spec, "https://"):
		return proxy.New(proxy.Target{URL: o.Spec, Header: o.Header}, popts)
	}
	cfg, err := proxy.LoadConfig(o.Spec)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such config file (give a URL, an mcp.json-style config file, or -- COMMAND ARGS...)", o.Spec)
		}
		return nil, err
	}
	return proxy.NewConfig(cfg, popts)
}
