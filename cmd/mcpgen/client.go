package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mcpgen/mcpgen/internal/cli"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"
)

// targetFlags are the connection flags every client command shares.
type targetFlags struct {
	headers   []string
	bearer    string
	auth      string
	noBrowser bool
	env       []string
	timeout   time.Duration
	json      bool
}

func (f *targetFlags) add(c *cobra.Command) {
	c.Flags().StringArrayVarP(&f.headers, "header", "H", nil, `HTTP header "Name: value" (repeatable; env MCPGEN_HEADERS, one per line)`)
	c.Flags().StringVar(&f.bearer, "bearer", "", "bearer token for HTTP targets (env MCPGEN_BEARER); implies --auth bearer")
	c.Flags().StringVar(&f.auth, "auth", "", "authorization with HTTP targets: oauth (the default: log in when the server asks, tokens stored and reused; mcpgen logout forgets them), bearer (the token of --bearer) or none")
	c.Flags().BoolVar(&f.noBrowser, "no-browser", false, "print the OAuth login URL without opening a browser (env MCPGEN_NO_BROWSER=1)")
	c.Flags().StringArrayVarP(&f.env, "env", "e", nil, "KEY=VALUE for a stdio server's environment (repeatable)")
	c.Flags().DurationVar(&f.timeout, "timeout", 30*time.Second, "time allowed to connect")
	c.Flags().BoolVar(&f.json, "json", false, "print raw JSON")
}

// split separates the positional arguments from a stdio command after
// "--": the target is the command when there is one, and otherwise the
// first positional argument.
func split(c *cobra.Command, args []string, needTarget bool) (spec string, rest, command []string, err error) {
	if dash := c.ArgsLenAtDash(); dash >= 0 {
		rest, command = args[:dash], args[dash:]
		if len(command) == 0 {
			return "", nil, nil, errors.New("nothing after --: give the server command")
		}
		return "", rest, command, nil
	}
	if needTarget && len(args) == 0 {
		return "", nil, nil, errors.New("give a target: a URL, a Go package directory, a server name from mcpgen discover, or -- COMMAND ARGS...")
	}
	if len(args) == 0 {
		return "", nil, nil, nil
	}
	return args[0], args[1:], nil, nil
}

func (f *targetFlags) target(spec string, command []string) (cli.Target, error) {
	h := http.Header{}
	lines := append([]string(nil), f.headers...)
	if env := os.Getenv("MCPGEN_HEADERS"); env != "" && len(f.headers) == 0 {
		lines = append(lines, strings.Split(env, "\n")...)
	}
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return cli.Target{}, fmt.Errorf("header %q: want \"Name: value\"", line)
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	login, err := f.authorize(h)
	if err != nil {
		return cli.Target{}, err
	}
	for _, e := range f.env {
		if !strings.Contains(e, "=") {
			return cli.Target{}, fmt.Errorf("--env %q: want KEY=VALUE", e)
		}
	}
	return cli.Target{Spec: spec, Command: command, Header: h, Env: f.env, Timeout: f.timeout, Login: login}, nil
}

// authorize applies --auth and --bearer (or MCPGEN_BEARER) to the
// headers of HTTP targets, and returns the OAuth login, if any. Left
// out, --auth is bearer when a token or an Authorization header is
// given, and oauth otherwise.
func (f *targetFlags) authorize(h http.Header) (*cli.Login, error) {
	bearer := f.bearer
	if bearer == "" && f.auth != "oauth" && f.auth != "none" {
		bearer = os.Getenv("MCPGEN_BEARER")
	}
	mode := f.auth
	if mode == "" {
		mode = "oauth"
		if bearer != "" || h.Get("Authorization") != "" {
			mode = "bearer"
		}
	}
	switch mode {
	case "bearer":
		if bearer == "" && h.Get("Authorization") == "" {
			return nil, errors.New("--auth bearer needs a token: --bearer TOKEN or MCPGEN_BEARER")
		}
		if bearer != "" {
			h.Set("Authorization", "Bearer "+bearer)
		}
		return nil, nil
	case "oauth", "none":
		if f.bearer != "" {
			return nil, fmt.Errorf("--bearer goes with --auth bearer, not --auth %s", mode)
		}
		if h.Get("Authorization") != "" {
			return nil, fmt.Errorf("an Authorization header goes with --auth bearer, not --auth %s", mode)
		}
		if mode == "none" {
			return nil, nil
		}
	default:
		return nil, fmt.Errorf("--auth %q: want oauth, bearer or none", f.auth)
	}
	login := &cli.Login{Out: os.Stderr, Browser: !f.noBrowser && os.Getenv("MCPGEN_NO_BROWSER") == ""}
	if dir, err := cli.TokenDir(); err == nil {
		login.Dir = dir
	}
	return login, nil
}

// session connects to the target, with progress and log handlers writing
// to stderr.
func session(ctx context.Context, f *targetFlags, spec string, command []string, progress *progressPrinter) (*cli.Session, error) {
	return sessionWith(ctx, f, spec, command, progress, cli.Handlers{})
}

// sessionWith is session with the handlers h sets (Elicit, TaskStatus)
// besides.
func sessionWith(ctx context.Context, f *targetFlags, spec string, command []string, progress *progressPrinter, h cli.Handlers) (*cli.Session, error) {
	t, err := f.target(spec, command)
	if err != nil {
		return nil, err
	}
	h.Log = func(p *mcp.LoggingMessageParams) {
		logger := ""
		if p.Logger != "" {
			logger = " " + p.Logger
		}
		line := fmt.Sprintf("[%s%s] %v", p.Level, logger, p.Data)
		if progress != nil {
			progress.message(line)
		} else {
			fmt.Fprintln(os.Stderr, line)
		}
	}
	if progress != nil {
		h.Progress = progress.update
	}
	return cli.Connect(ctx, t, h, os.Stderr)
}

// progressPrinter shows progress as a bar on a terminal and as lines
// otherwise.
type progressPrinter struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	drawn    bool
}

func newProgress() *progressPrinter {
	p := &progressPrinter{w: os.Stderr}
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		p.terminal = true
	}
	return p
}

func (p *progressPrinter) update(n *mcp.ProgressNotificationParams) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.terminal {
		if n.Total > 0 {
			fmt.Fprintf(p.w, "progress %g/%g %s\n", n.Progress, n.Total, n.Message)
		} else {
			fmt.Fprintf(p.w, "progress %g %s\n", n.Progress, n.Message)
		}
		return
	}
	const width = 30
	if n.Total > 0 {
		frac := min(max(n.Progress/n.Total, 0), 1)
		full := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %s\x1b[K", strings.Repeat("█", full), strings.Repeat("·", width-full), frac*100, n.Message)
	} else {
		fmt.Fprintf(p.w, "\r%g %s\x1b[K", n.Progress, n.Message)
	}
	p.drawn = true
}

// message writes a line of its own; a drawn bar is cleared first and comes
// back with the next update.
func (p *progressPrinter) message(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
	fmt.Fprintln(p.w, line)
}

// task reports a task's state as a line of its own.
func (p *progressPrinter) task(st *client.TaskState) {
	line := fmt.Sprintf("task %s: %s", st.ID, st.Status)
	if st.StatusMessage != "" {
		line += ": " + st.StatusMessage
	}
	p.message(line)
}

// done ends a drawn bar's line, so that what follows starts on its own.
func (p *progressPrinter) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}

// failed maps cli.ErrFailed (already reported) to exit status 1.
func failed(err error) error {
	if errors.Is(err, cli.ErrFailed) {
		return &exitError{code: 1}
	}
	return err
}

func init() {
	var f targetFlags
	var o cli.ListOptions
	var all bool
	list := &cobra.Command{
		Use:   "list [TARGET] [-- COMMAND ARGS...]",
		Short: "List a server's tools (and resources, templates, prompts)",
		Long: `list connects to a server and prints its tools as signatures, with their
arguments, types, required marks and descriptions. It follows pagination to
the end. TARGET is an http(s) URL (streamable HTTP, falling back to HTTP+SSE),
a Go package directory (built and run over stdio), or a server name found by
mcpgen discover; or give a stdio command after --.`,
		Example: `  mcpgen list http://127.0.0.1:8080/mcp
  mcpgen list ./examples/weather --all
  mcpgen list -- npx -y @modelcontextprotocol/server-everything`,
		RunE: onSession(&f, nil, func(ctx context.Context, s *cli.Session, _ []string) error {
			if all {
				o.Tools, o.Resources, o.Templates, o.Prompts = true, true, true, true
			}
			if !o.Resources && !o.Templates && !o.Prompts {
				o.Tools = true
			}
			o.JSON = f.json
			return cli.List(ctx, s, o, os.Stdout)
		}),
	}
	f.add(list)
	list.Flags().BoolVar(&o.Tools, "tools", false, "list tools (the default)")
	list.Flags().BoolVar(&o.Resources, "resources", false, "list resources")
	list.Flags().BoolVar(&o.Templates, "templates", false, "list resource templates")
	list.Flags().BoolVar(&o.Prompts, "prompts", false, "list prompts")
	list.Flags().BoolVar(&all, "all", false, "list everything")
	addCommand(list)

	addCallCommands()
	addDiscoverInstall()
}

func addCallCommands() {
	var f targetFlags
	var rawArgs, outDir, elicitMode string
	var callTimeout time.Duration
	call := &cobra.Command{
		Use:   "call [TARGET] TOOL [key=value...] [-- COMMAND ARGS...]",
		Short: "Call a tool",
		Long: `call calls a tool with arguments given as key=value, coerced by the tool's
input schema (numbers; booleans as true/false or yes/no; arrays of scalars as
comma lists, tags=home,garden, or JSON; objects as JSON), or as --args '{...}'
or --args @file.json. Missing required arguments are reported with the tool's
signature before anything is sent. Progress shows as a bar on
a terminal and as lines otherwise; server logs go to stderr. Structured
content is printed as JSON, text as text; images, audio and blobs are saved
to files. The exit status is 1 when the tool returns an error result or the
call fails.

Task tools (background tasks: the tasks extension of protocol 2026-07-28,
or the tasks of 2025-11-25) are waited for: call prints the task's id and
each change of its status and message (the task's progress) on stderr, and
then the result as for any call. It follows the task on a subscriptions/listen
stream when the server offers one, and polls tasks/get at the server's
interval otherwise. A task that fails is an error (exit status 1) with the
server's JSON-RPC error. Ctrl-C, or --call-timeout running out, cancels the
task on the server (tasks/cancel) before call exits.

Elicitation requests (the server's, or a task's input requests) are answered
as --elicit says: ask asks for each field on stderr and reads the answers
from stdin, a line each (an empty line takes the default, !decline or
!cancel answer so, the end of stdin declines); defaults accepts with the
schema's defaults; decline declines. The default is ask when stdin is a
terminal, decline otherwise. Ctrl-C or --call-timeout ends a question
unanswered. Sampling requests are refused.`,
		Example: `  mcpgen call http://127.0.0.1:8080/mcp forecast city=Paris days=2
  mcpgen call ./examples/weather compare_cities --args '{"cities":["Paris","Tokyo"]}'
  mcpgen call echo message=hi -- npx -y @modelcontextprotocol/server-everything`,
		RunE: func(c *cobra.Command, args []string) error {
			spec, rest, command, err := split(c, args, true)
			if err != nil {
				return err
			}
			if len(rest) == 0 {
				return errors.New("give the tool's name")
			}
			tool, pairs := rest[0], rest[1:]
			if elicitMode == "" {
				elicitMode = cli.ElicitDefault(os.Stdin)
			}
			elicit, err := cli.Elicitor(elicitMode, os.Stdin, os.Stderr)
			if err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			progress := newProgress()
			s, err := sessionWith(ctx, &f, spec, command, progress, cli.Handlers{Elicit: elicit, TaskStatus: progress.task})
			if err != nil {
				return err
			}
			defer s.Close()
			var found *mcp.Tool
			var names []string
			for t, err := range s.Tools(ctx, nil) {
				if err != nil {
					return fmt.Errorf("tools/list: %w", err)
				}
				if t.Name == tool {
					found = t
					break
				}
				names = append(names, t.Name)
			}
			if found == nil {
				if near := cli.Nearest(tool, names); near != "" {
					return fmt.Errorf("the server has no tool %q; did you mean %q? (mcpgen list shows its tools)", tool, near)
				}
				return fmt.Errorf("the server has no tool %q (mcpgen list shows its tools)", tool)
			}
			callArgs, err := cli.ParseArgs(found.InputSchema, pairs, rawArgs)
			if err != nil {
				return err
			}
			if missing := cli.MissingArgs(found.InputSchema, callArgs); len(missing) > 0 {
				fmt.Fprintf(os.Stderr, "Missing required arguments: %s\n  %s\n", strings.Join(missing, ", "), cli.Signature(found))
				return &exitError{code: 1}
			}
			cctx := ctx
			if callTimeout > 0 {
				var stop context.CancelFunc
				cctx, stop = context.WithTimeout(ctx, callTimeout)
				defer stop()
			}
			err = cli.Call(cctx, s, tool, callArgs, "mcpgen-progress", cli.CallOptions{JSON: f.json, OutDir: outDir}, os.Stdout, os.Stderr)
			progress.done()
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				err = fmt.Errorf("no result within --call-timeout %v: %w", callTimeout, err)
			}
			return failed(err)
		},
	}
	f.add(call)
	call.Flags().StringVar(&rawArgs, "args", "", "arguments as a JSON object, or @file.json")
	call.Flags().StringVar(&elicitMode, "elicit", "", "how to answer elicitation requests: ask (on stderr, answers from stdin), defaults (accept the schema's defaults) or decline (default: ask when stdin is a terminal, else decline)")
	call.Flags().DurationVar(&callTimeout, "call-timeout", 0, "time allowed for the call, a task tool's task included (0: no limit); when it runs out a task is cancelled on the server")
	call.Flags().StringVarP(&outDir, "out", "o", ".", "directory for images, audio and binary content")
	addCommand(call)

	var rf targetFlags
	var rOut string
	read := &cobra.Command{
		Use:   "read [TARGET] URI [-- COMMAND ARGS...]",
		Short: "Read a resource",
		RunE: onSession(&rf, func(a targetArgs) error {
			if len(a.rest) != 1 {
				return errors.New("give exactly one resource URI")
			}
			return nil
		}, func(ctx context.Context, s *cli.Session, rest []string) error {
			return cli.Read(ctx, s, rest[0], cli.CallOptions{JSON: rf.json, OutDir: rOut}, os.Stdout, os.Stderr)
		}),
	}
	rf.add(read)
	read.Flags().StringVarP(&rOut, "out", "o", ".", "directory for binary contents")
	addCommand(read)

	var pf targetFlags
	prompt := &cobra.Command{
		Use:   "prompt [TARGET] NAME [key=value...] [-- COMMAND ARGS...]",
		Short: "Get a prompt",
		RunE: onSession(&pf, func(a targetArgs) error {
			if len(a.rest) == 0 {
				return errors.New("give the prompt's name")
			}
			return nil
		}, func(ctx context.Context, s *cli.Session, rest []string) error {
			return cli.Prompt(ctx, s, rest[0], rest[1:], cli.CallOptions{JSON: pf.json, OutDir: "."}, os.Stdout, os.Stderr)
		}),
	}
	pf.add(prompt)
	addCommand(prompt)

	var inf targetFlags
	inspect := &cobra.Command{
		Use:   "inspect [TARGET] [-- COMMAND ARGS...]",
		Short: "Summarise a server: info, negotiated and supported protocol versions, capabilities, counts",
		RunE: onSession(&inf, nil, func(ctx context.Context, s *cli.Session, _ []string) error {
			return cli.Inspect(ctx, s, inf.json, os.Stdout)
		}),
	}
	inf.add(inspect)
	addCommand(inspect)
}

func init() {
	var f targetFlags
	var out, pkgName, importPath, server string
	gen := &cobra.Command{
		Use:   "generate-client [--server] TARGET -o DIR [-- COMMAND ARGS...]",
		Short: "Write a typed Go client for any MCP server, from its live tools/list",
		Long: `generate-client connects to a server (any server, any language), lists its
tools, resources, templates and prompts, and writes DIR/mcp_client_gen.go: a
typed Go client with one method per tool, Go types derived from the JSON
Schemas, and generated encoders and decoders. The package name defaults to
DIR's base name.`,
		Example: `  mcpgen generate-client -o ./everything -- npx -y @modelcontextprotocol/server-everything
  mcpgen generate-client http://127.0.0.1:8080/mcp -o ./internal/weather`,
		RunE: func(c *cobra.Command, args []string) error {
			if pkgName == "" {
				pkgName = goPackageName(out)
			}
			if importPath == "" {
				importPath = "generated/" + pkgName
			}
			ctx, cancel := signalContext()
			defer cancel()
			g, err := connectForGenerator(ctx, c, args, server, out, &f, nil)
			if err != nil {
				return err
			}
			defer g.s.Close()
			s, cat := g.s, g.cat
			path, err := cli.GenerateClient(cat, s.InitializeResult().ServerInfo, out, pkgName, importPath)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "wrote %s (%d tools, %d resources, %d templates, %d prompts)\n", path,
				len(cat.Tools), len(cat.Resources), len(cat.ResourceTemplates), len(cat.Prompts))
			return nil
		},
	}
	f.add(gen)
	gen.Flags().StringVarP(&out, "out", "o", "", "output directory")
	gen.Flags().StringVar(&pkgName, "package", "", "package name (default: the directory's name)")
	gen.Flags().StringVar(&importPath, "import-path", "", "the package's import path (only used to name it in comments)")
	gen.Flags().StringVar(&server, "server", "", "the target (same as the TARGET argument)")
	addCommand(gen)
}

// goPackageName derives a package name from a directory.
func goPackageName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	var b strings.Builder
	for _, r := range strings.ToLower(filepath.Base(abs)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "mcpclient"
	}
	return b.String()
}

func init() {
	var f targetFlags
	var out, name, module, mcpgenDir, server string
	gen := &cobra.Command{
		Use:   "generate-cli [--server] TARGET -o DIR [--name NAME] [-- COMMAND ARGS...]",
		Short: "Write a standalone CLI for a server: one subcommand per tool, typed flags",
		Long: `generate-cli lists a server's tools and writes a standalone Go module into DIR
(main.go, go.mod, README.md): a cobra command with one subcommand per tool and
one typed flag per argument (required flags enforced, enums checked, defaults
in help, objects as JSON), --json output, and the server baked in (a URL, or
the stdio command) but overridable with --server or --server-command.
Build it with go build.`,
		Example: `  mcpgen generate-cli -o ./everything-cli --name everything -- npx -y @modelcontextprotocol/server-everything
  mcpgen generate-cli http://127.0.0.1:8080/mcp -o ./weather-cli`,
		RunE: func(c *cobra.Command, args []string) error {
			if name == "" {
				name = goPackageName(out)
			}
			if module == "" {
				module = "example.com/" + name
			}
			ctx, cancel := signalContext()
			defer cancel()
			o := cli.CLIOptions{Name: name, Module: module, MCPGenDir: mcpgenDir}
			bakeable := func(spec string, command []string) error {
				switch {
				case len(command) > 0:
					o.Command = command
				case strings.HasPrefix(spec, "http://") || strings.HasPrefix(spec, "https://"):
					o.URL = spec
				default:
					return errors.New("generate-cli bakes the server into the CLI: give a URL or a command after --")
				}
				return nil
			}
			g, err := connectForGenerator(ctx, c, args, server, out, &f, bakeable)
			if err != nil {
				return err
			}
			defer g.s.Close()
			s, cat := g.s, g.cat
			files, err := cli.GenerateCLI(cli.CLISpec(cat.Tools, s.InitializeResult().ServerInfo, o), out, o)
			if err != nil {
				return err
			}
			for _, p := range files {
				fmt.Fprintf(os.Stderr, "wrote %s\n", p)
			}
			fmt.Fprintf(os.Stderr, "build it: cd %s && go mod tidy && go build\n", out)
			return nil
		},
	}
	f.add(gen)
	gen.Flags().StringVarP(&out, "out", "o", "", "output directory")
	gen.Flags().StringVar(&name, "name", "", "the command's name (default: the directory's name)")
	gen.Flags().StringVar(&module, "module", "", "module path of the generated module (default example.com/NAME)")
	gen.Flags().StringVar(&mcpgenDir, "mcpgen-dir", "", "use this local mcpgen checkout (a replace directive), e.g. before mcpgen is published")
	gen.Flags().StringVar(&server, "server", "", "the target (same as the TARGET argument)")
	addCommand(gen)
}

// generatorTarget is a connected server whose catalogue a generator reads.
type generatorTarget struct {
	s   *cli.Session
	cat *cli.Catalogue
}

// connectForGenerator resolves the target of generate-client and
// generate-cli (--server, the TARGET argument, or a command after --),
// checks it with accept (if not nil) before connecting, connects, and lists
// the server's catalogue.
func connectForGenerator(ctx context.Context, c *cobra.Command, args []string, server, out string, f *targetFlags, accept func(spec string, command []string) error) (*generatorTarget, error) {
	if server != "" {
		if c.ArgsLenAtDash() >= 0 || len(args) > 0 {
			return nil, errors.New("give the server either with --server or as the target, not both")
		}
		args = []string{server}
	}
	spec, rest, command, err := split(c, args, true)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", rest)
	}
	if out == "" {
		return nil, errors.New("give the output directory with -o DIR")
	}
	if accept != nil {
		if err := accept(spec, command); err != nil {
			return nil, err
		}
	}
	s, err := session(ctx, f, spec, command, nil)
	if err != nil {
		return nil, err
	}
	cat, err := cli.FetchForClient(ctx, s)
	if err != nil {
		s.Close()
		return nil, err
	}
	return &generatorTarget{s: s, cat: cat}, nil
}
