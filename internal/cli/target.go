// Package cli implements mcpgen's client commands: list, call, read,
// prompt, inspect, discover and install. Every command talks to a target:
// an http(s) URL, a stdio command, a local Go package with generated code,
// or a server name found by discover.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mcpgen/mcpgen/internal/parse"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/mcpgen/mcpgen/runtime/otel"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Target says how to reach a server.
type Target struct {
	// Spec is what the user typed: a URL, a directory, or a discovered name.
	Spec string
	// Command is the stdio command after "--", when given.
	Command []string
	// Header is sent with every HTTP request.
	Header http.Header
	// Env is added to a stdio command's environment.
	Env []string
	// Timeout bounds connecting (not the time the user spends logging
	// in).
	Timeout time.Duration
	// Login, if set, logs in with OAuth to an HTTP server that asks for
	// it; nil sends only Header.
	Login *Login
}

// Handlers are the client-side callbacks a command installs.
type Handlers struct {
	Progress func(*mcp.ProgressNotificationParams)
	Log      func(*mcp.LoggingMessageParams)
	// Elicit, if set, answers the server's elicitation requests (and
	// those of tasks); nil declares no elicitation.
	Elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)
	// TaskStatus, if set, receives the states of the tasks Call waits for.
	TaskStatus func(*client.TaskState)
}

// Session is a connected client session and how to close it.
type Session struct {
	*mcp.ClientSession
	// Transport names what the session runs over, for people.
	Transport string
	versions  *versionSpy
	cleanup   func()
}

// SupportedVersions returns the protocol versions the server said it
// supports over this transport (in its server/discover answer), and
// whether it said; the negotiated one is InitializeResult().ProtocolVersion.
func (s *Session) SupportedVersions() ([]string, bool) { return s.versions.Supported() }

// Close ends the session and removes anything built for it.
func (s *Session) Close() error {
	err := s.ClientSession.Close()
	if s.cleanup != nil {
		s.cleanup()
	}
	return err
}

// Connect opens a session with the target.
func Connect(ctx context.Context, t Target, h Handlers, stderr io.Writer) (*Session, error) {
	if t.Timeout == 0 {
		t.Timeout = 30 * time.Second
	}
	opts := &mcp.ClientOptions{}
	if h.Progress != nil {
		opts.ProgressNotificationHandler = func(_ context.Context, req *mcp.ProgressNotificationClientRequest) { h.Progress(req.Params) }
	}
	if h.Log != nil {
		opts.LoggingMessageHandler = func(_ context.Context, req *mcp.LoggingMessageRequest) { h.Log(req.Params) }
	}
	opts.ElicitationHandler = h.Elicit
	// The client declares the tasks extension and taps its transports,
	// so that Call can wait for the tasks of task tools.
	tasks := &client.Tasks{Status: h.TaskStatus}
	// Traced when the OTEL_* variables configure an exporter (inst is nil
	// otherwise): each request gets a CLIENT span whose context goes to the
	// server in _meta.
	inst, stopTracing, err := otel.FromEnv(ctx, "mcpgen")
	if err != nil {
		return nil, err
	}
	traceTarget := ""
	if isURL(t.Spec) && len(t.Command) == 0 {
		traceTarget = t.Spec
	}
	newClient := func() *mcp.Client {
		c := tasks.NewClient(&mcp.Implementation{Name: "mcpgen", Version: Version}, opts)
		client.AddSkillMethods(c) // skills list|pull
		if inst != nil {
			c.AddSendingMiddleware(inst.ClientMiddleware(traceTarget))
		}
		return c
	}
	// Transports keep using the context they were connected with (the
	// HTTP+SSE stream lives in it), so it must outlive connecting: the
	// timeout cancels it only if connecting takes too long, and Close
	// cancels it at the end.
	cctx, cancel := context.WithCancel(ctx)
	var timedOut atomic.Bool
	timer := time.AfterFunc(t.Timeout, func() { timedOut.Store(true); cancel() })
	// A login pauses the timeout while the user is in the browser.
	hold := func() func() {
		if !timer.Stop() {
			return func() {}
		}
		return func() { timer.Reset(t.Timeout) }
	}
	s, err := connect(cctx, newClient, tasks, t, stderr, hold)
	if !timer.Stop() && timedOut.Load() {
		if s != nil {
			s.Close()
		}
		cancel()
		stopTracing(ctx)
		return nil, fmt.Errorf("connecting to %s: no answer within %v", describe(t), t.Timeout)
	}
	if err != nil {
		cancel()
		stopTracing(ctx)
		return nil, err
	}
	prev := s.cleanup
	s.cleanup = func() {
		cancel()
		if prev != nil {
			prev()
		}
		// Export what is left before the command exits, but do not keep
		// the user waiting long for a collector that is down.
		flush, done := context.WithTimeout(context.Background(), 2*time.Second)
		defer done()
		stopTracing(flush)
	}
	return s, nil
}

func describe(t Target) string {
	if len(t.Command) > 0 {
		return strings.Join(t.Command, " ")
	}
	return t.Spec
}

func connect(cctx context.Context, newClient func() *mcp.Client, tasks *client.Tasks, t Target, stderr io.Writer, hold func() func()) (*Session, error) {
	client := newClient()
	switch {
	case len(t.Command) > 0:
		return connectCommand(cctx, client, tasks, t.Command, t.Env, stderr, nil)
	case isURL(t.Spec):
		return connectURL(cctx, newClient, tasks, t.Spec, t.Header, t.Login, hold)
	case t.Spec == "":
		return nil, errors.New("no target: give a URL, a Go package directory, a server name, or -- COMMAND ARGS...")
	}
	if dir, ok := goPackageDir(t.Spec); ok {
		bin, cleanup, err := buildPackage(cctx, dir, stderr)
		if err != nil {
			return nil, err
		}
		return connectCommand(cctx, client, tasks, []string{bin}, t.Env, stderr, cleanup)
	}
	servers, _ := Discover(DefaultSources())
	for _, s := range servers {
		if s.Name != t.Spec {
			continue
		}
		if s.URL != "" {
			hdr := t.Header.Clone()
			if hdr == nil {
				hdr = http.Header{}
			}
			for k, v := range s.Headers {
				if hdr.Get(k) == "" {
					hdr.Set(k, v)
				}
			}
			login := t.Login
			if hdr.Get("Authorization") != "" {
				login = nil // the client's configuration authorizes it
			}
			return connectURL(cctx, newClient, tasks, s.URL, hdr, login, hold)
		}
		env := append(append([]string(nil), s.EnvList()...), t.Env...)
		return connectCommand(cctx, client, tasks, append([]string{s.Command}, s.Args...), env, stderr, nil)
	}
	return nil, fmt.Errorf("unknown target %q: not a URL, not a directory with Go files, and no server of that name in %s", t.Spec, strings.Join(sourceNames(), ", "))
}

func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

// connectURL connects over streamable HTTP, falling back to the
// 2024-11-05 HTTP+SSE transport for servers that predate it. A URL whose
// path ends in /sse names an SSE endpoint, so it is tried over SSE first.
// With login, a server that asks for OAuth over streamable HTTP gets it;
// a server that answers 401 ends the attempt there, with what to do.
func connectURL(ctx context.Context, newClient func() *mcp.Client, tasks *client.Tasks, url string, header http.Header, login *Login, hold func() func()) (_ *Session, err error) {
	spy := &versionSpy{}
	denied := &deniedSpy{}
	httpClient := func() *http.Client {
		// A fresh connection pool per attempt: nothing of a failed attempt
		// is reused.
		rt := client.WithHeader(http.DefaultTransport.(*http.Transport).Clone(), header)
		return &http.Client{Transport: tasks.RoundTripper(&spyRoundTripper{next: denied.wrap(rt), spy: spy})}
	}
	var oauth auth.OAuthHandler
	var cleanup func()
	if login != nil {
		var o *client.OAuth
		var lb *loopback
		if o, lb, err = login.oauth(url, hold); err != nil {
			return nil, err
		}
		cleanup = func() { lb.Close() }
		defer func() {
			if err != nil {
				lb.Close()
			}
		}()
		if oauth, err = o.Handler(); err != nil {
			if o.Store != nil {
				return nil, fmt.Errorf("%w (mcpgen logout %s removes the stored login)", err, url)
			}
			return nil, err
		}
	}
	streamable := func(u string) (*Session, error) {
		t := &mcp.StreamableClientTransport{Endpoint: u, HTTPClient: httpClient(), OAuthHandler: oauth}
		cs, err := newClient().Connect(ctx, t, nil)
		if err != nil {
			return nil, err
		}
		return &Session{ClientSession: cs, Transport: "streamable HTTP " + u, versions: spy, cleanup: cleanup}, nil
	}
	sse := func(u string) (*Session, error) {
		cs, err := newClient().Connect(ctx, &mcp.SSEClientTransport{Endpoint: u, HTTPClient: httpClient()}, nil)
		if err != nil {
			return nil, err
		}
		return &Session{ClientSession: cs, Transport: "HTTP+SSE " + u, versions: spy, cleanup: cleanup}, nil
	}
	if strings.HasSuffix(strings.TrimSuffix(url, "/"), "/sse") {
		s, err := sse(url)
		if err == nil {
			return s, nil
		}
		s, err2 := streamable(url)
		if err2 == nil {
			return s, nil
		}
		return nil, fmt.Errorf("connecting to %s over HTTP+SSE: %v (and over streamable HTTP: %v)", url, err, err2)
	}
	s, err := streamable(url)
	if err == nil {
		return s, nil
	}
	if code := denied.status(); code != 0 {
		return nil, deniedError(url, code, err, login != nil, header.Get("Authorization") != "")
	}
	sseURL := strings.TrimSuffix(strings.TrimSuffix(url, "/"), "/mcp") + "/sse"
	s, err2 := sse(sseURL)
	if err2 == nil {
		return s, nil
	}
	return nil, fmt.Errorf("connecting to %s: %v (and over HTTP+SSE at %s: %v)", url, err, sseURL, err2)
}

func connectCommand(ctx context.Context, mc *mcp.Client, tasks *client.Tasks, argv, env []string, stderr io.Writer, cleanup func()) (*Session, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = stderr
	spy := &versionSpy{}
	cs, err := mc.Connect(ctx, tasks.Transport(&spyTransport{Transport: client.CommandTransport(cmd, 0), spy: spy}), nil)
	if err != nil {
		if cleanup != nil {
			cleanup()
		}
		return nil, fmt.Errorf("starting %s: %w", strings.Join(argv, " "), err)
	}
	return &Session{ClientSession: cs, Transport: "stdio: " + strings.Join(argv, " "), versions: spy, cleanup: cleanup}, nil
}

// goPackageDir reports whether spec is a directory holding Go files.
func goPackageDir(spec string) (string, bool) {
	st, err := os.Stat(spec)
	if err != nil || !st.IsDir() {
		return "", false
	}
	matches, _ := filepath.Glob(filepath.Join(spec, "*.go"))
	return spec, len(matches) > 0
}

// buildPackage builds the Go package in dir into a temporary server
// binary. A main package is built as it is. Any other package with
// mcpgen-generated code is served by a small main, added through a build
// overlay so that nothing is written into the user's tree: its
// Components on a runtime.Server named after the package, over stdio.
func buildPackage(ctx context.Context, dir string, stderr io.Writer) (string, func(), error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	list := exec.CommandContext(ctx, "go", "list", "-f", "{{.Name}} {{.ImportPath}}", ".")
	list.Dir = abs
	out, err := list.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return "", nil, fmt.Errorf("loading the Go package in %s: %v\n%s", dir, err, msg)
	}
	name, importPath, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	tmp, err := os.MkdirTemp("", "mcpgen-target-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	bin := filepath.Join(tmp, "server")
	args := []string{"build", "-o", bin, "."}
	if name != "main" {
		if !hasGenerated(abs) {
			cleanup()
			return "", nil, fmt.Errorf("%s is package %s, neither a main package nor one with mcpgen-generated code (mcp_gen.go); run go generate there, or give a main package", dir, name)
		}
		pkgDir, err := servePackage(tmp, abs, name, importPath)
		if err != nil {
			cleanup()
			return "", nil, err
		}
		args = []string{"build", "-overlay", filepath.Join(tmp, "overlay.json"), "-o", bin, pkgDir}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = abs
	built, err := cmd.CombinedOutput()
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building %s: %v\n%s", dir, err, built)
	}
	return bin, cleanup, nil
}

// hasGenerated reports whether dir holds mcpgen's mcp_gen.go.
func hasGenerated(dir string) bool {
	src, err := os.ReadFile(filepath.Join(dir, "mcp_gen.go"))
	return err == nil && parse.GeneratedFile(src)
}

// servePackage writes, in tmp, a main package serving the generated
// package importPath and an overlay that places it at a directory under
// dir that does not exist on disk. It returns that directory, relative
// to dir, for go build.
func servePackage(tmp, dir, name, importPath string) (string, error) {
	const sub = "mcpgen_serve_main"
	src := fmt.Sprintf(`package main

import (
	"context"
	"fmt"
	"os"

	served %q
	"github.com/mcpgen/mcpgen/runtime"
)

func main() {
	s := runtime.NewServer(&runtime.Implementation{Name: %q, Version: "dev"}, nil)
	if err := s.Add(served.Components()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := s.ServeStdio(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`, importPath, name)
	mainFile := filepath.Join(tmp, "main.go")
	if err := os.WriteFile(mainFile, []byte(src), 0o644); err != nil {
		return "", err
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(dir, sub, "main.go"): mainFile}})
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "overlay.json"), overlay, 0o644); err != nil {
		return "", err
	}
	return "./" + sub, nil
}
