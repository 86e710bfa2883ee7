package runtime

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Run serves the transport chosen by the command line (os.Args) and the
// environment, until ctx is done or SIGINT/SIGTERM arrives. See RunArgs.
func (s *Server) Run(ctx context.Context) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return s.RunArgs(ctx, os.Args[1:])
}

// RunArgs serves the transport chosen by args:
//
//	-http ADDR       serve streamable HTTP at http://ADDR/mcp (env MCPGEN_HTTP)
//	-stateless       serve HTTP without sessions (env MCPGEN_STATELESS=1)
//	-json-response   answer HTTP with application/json rather than SSE
//
// With no -http, it serves stdio. Flags override the environment. When
// serving HTTP it prints the endpoint URL to stderr.
func (s *Server) RunArgs(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet(s.impl.Name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	addr := fs.String("http", os.Getenv("MCPGEN_HTTP"), "serve streamable HTTP on `address` (host:port) instead of stdio")
	stateless := fs.Bool("stateless", envBool("MCPGEN_STATELESS"), "serve HTTP without sessions")
	jsonResp := fs.Bool("json-response", envBool("MCPGEN_JSON_RESPONSE"), "answer HTTP requests with application/json instead of SSE")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage of %s: serves MCP over stdio, or over streamable HTTP with -http.\n", s.impl.Name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *addr == "" {
		return s.ServeStdio(ctx)
	}
	s.opts.Stateless = s.opts.Stateless || *stateless
	s.opts.JSONResponse = s.opts.JSONResponse || *jsonResp
	return s.ListenAndServe(ctx, *addr, func(url string) {
		fmt.Fprintf(os.Stderr, "%s: serving MCP on %s\n", s.impl.Name, url)
	})
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

// ListenAndServe serves streamable HTTP at /mcp on addr until ctx is done,
// then shuts down gracefully. ready, if not nil, is called with the
// endpoint URL once the listener is bound (useful with port 0).
//
// It starts the server's lifespans first (Start) and stops them after the
// HTTP server has shut down (Close).
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(url string)) (err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := s.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	defer func() { err = errors.Join(err, s.Close(context.Background())) }()
	mux := http.NewServeMux()
	mux.Handle("/mcp", s.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	if ready != nil {
		ready("http://" + ln.Addr().String() + "/mcp")
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
