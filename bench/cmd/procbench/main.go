// Command procbench measures what users run: each implementation of
// bench.Impls as a real server process (cmd/benchserver), over stdio (one
// request at a time, and pipelined; 2025-11-25 after initialize, and
// 2026-07-28 with its per-request _meta) and stateful streamable HTTP (one
// client, 16 and 64 in parallel), driven by the one client of package
// load; the same client in process over pipes; tools/list of the
// synthetic 500-tool package over stdio; and the memory of idle HTTP
// sessions. Measurements are interleaved: every round measures every
// implementation once per scenario, in an order that rotates between
// rounds, and the ratios are taken within a round, then their median over
// rounds is printed, as a Markdown table. Run it from the bench directory:
//
//	go run ./cmd/procbench [-rounds 5] [-d 1s] [-list500=true] [-memory=true]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mcpgen/mcpgen/bench"
	"github.com/mcpgen/mcpgen/bench/load"
	"github.com/mcpgen/mcpgen/bench/synth"
)

var (
	rounds   = flag.Int("rounds", 5, "interleaved rounds; medians are over rounds")
	duration = flag.Duration("d", time.Second, "measuring time of each implementation in each scenario and round")
	list500  = flag.Bool("list500", true, "measure tools/list of the synthetic 500-tool package (generates and compiles it once)")
	memory   = flag.Bool("memory", true, "measure the memory of idle stateful HTTP sessions")
	sessions = flag.Int("sessions", 200, "idle sessions opened for the memory measurement")
	root     = flag.String("root", "..", "root of the mcpgen checkout")
	only     = flag.String("only", "", "measure only the scenarios whose name contains this")
	impls    = flag.String("impls", "", "measure only these implementations (comma-separated; mcpgen is always measured)")
)

func main() {
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "procbench:", err)
		os.Exit(1)
	}
}

// A scenario is one row group of the table: how each implementation is
// measured, returning its figure (higher is better unless lowerIsBetter).
type scenario struct {
	name          string
	unit          string
	lowerIsBetter bool
	impls         []string
	measure       func(ctx context.Context, impl string) (float64, error)
}

func run(ctx context.Context) error {
	tmp, err := os.MkdirTemp("", "procbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "benchserver")
	log("building cmd/benchserver")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/benchserver").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/benchserver: %v\n%s", err, out)
	}
	d := *duration
	scenarios := []scenario{
		{name: "stdio, sequential", unit: "calls/s", impls: bench.Impls, measure: func(ctx context.Context, impl string) (float64, error) {
			return withStdio(ctx, bin, impl, "", func(s *load.Stdio) (load.Result, error) {
				return s.Sequential(d, "tools/call", bench.CallParams, bench.CheckCallQuick)
			})
		}},
		{name: "stdio, pipelined (128 in flight)", unit: "calls/s", impls: bench.Impls, measure: func(ctx context.Context, impl string) (float64, error) {
			return withStdio(ctx, bin, impl, "", func(s *load.Stdio) (load.Result, error) {
				return s.Pipelined(d, 128, "tools/call", bench.CallParams, bench.CheckCallQuick)
			})
		}},
		{name: "stdio 2026-07-28, sequential", unit: "calls/s", impls: bench.Impls, measure: func(ctx context.Context, impl string) (float64, error) {
			return withStdioModern(ctx, bin, impl, func(s *load.Stdio) (load.Result, error) {
				return s.Sequential(d, "tools/call", bench.CallParamsModern, bench.CheckCallModern)
			})
		}},
		{name: "stdio 2026-07-28, pipelined (128 in flight)", unit: "calls/s", impls: bench.Impls, measure: func(ctx context.Context, impl string) (float64, error) {
			return withStdioModern(ctx, bin, impl, func(s *load.Stdio) (load.Result, error) {
				return s.Pipelined(d, 128, "tools/call", bench.CallParamsModern, bench.CheckCallModern)
			})
		}},
		httpScenario("stateful HTTP, sequential", bin, 1, d),
		httpScenario("stateful HTTP, 16 clients", bin, 16, d),
		httpScenario("stateful HTTP, 64 clients", bin, 64, d),
		{name: "in process (stdio over pipes), sequential", unit: "calls/s", impls: bench.Impls, measure: func(ctx context.Context, impl string) (float64, error) {
			return inProcess(ctx, impl, d)
		}},
	}
	if *list500 {
		list, err := tools500(ctx, tmp)
		if err != nil {
			return err
		}
		file := filepath.Join(tmp, "tools500.json")
		if err := os.WriteFile(file, list, 0o644); err != nil {
			return err
		}
		scenarios = append(scenarios, scenario{
			name: "tools/list, 500 tools, stdio, p50", unit: "µs", lowerIsBetter: true,
			impls: []string{"mcpgen", "gosdk-raw", "mcpgo", "bare"},
			measure: func(ctx context.Context, impl string) (float64, error) {
				var p50 time.Duration
				_, err := withStdio(ctx, bin, impl, file, func(s *load.Stdio) (load.Result, error) {
					resp, err := s.Call("tools/list", nil)
					if err != nil {
						return load.Result{}, err
					}
					if tools, err := bench.ListedTools(resp); err != nil || len(tools) != 500 {
						return load.Result{}, fmt.Errorf("tools/list: %d tools, %v", len(tools), err)
					}
					r, err := s.Sequential(d, "tools/list", nil, checkList)
					p50 = r.P50()
					return r, err
				})
				return float64(p50.Microseconds()), err
			},
		})
	}
	if *memory {
		scenarios = append(scenarios, scenario{
			name: fmt.Sprintf("idle stateful HTTP session (%d open), RSS after GC", *sessions), unit: "KB/session", lowerIsBetter: true,
			impls: bench.Impls,
			measure: func(ctx context.Context, impl string) (float64, error) {
				return idleSessionKB(ctx, bin, impl, *sessions)
			},
		})
	}

	scenarios = slices.DeleteFunc(scenarios, func(sc scenario) bool { return !strings.Contains(sc.name, *only) })
	if *impls != "" {
		keep := strings.Split(*impls+",mcpgen", ",")
		for i := range scenarios {
			scenarios[i].impls = slices.DeleteFunc(slices.Clone(scenarios[i].impls), func(impl string) bool { return !slices.Contains(keep, impl) })
		}
	}
	// figures[scenario][impl][round]
	figures := make([]map[string][]float64, len(scenarios))
	for i := range figures {
		figures[i] = map[string][]float64{}
	}
	for r := range *rounds {
		for i, sc := range scenarios {
			n := len(sc.impls)
			for k := range n {
				impl := sc.impls[(k+r)%n]
				v, err := sc.measure(ctx, impl)
				if err != nil {
					return fmt.Errorf("round %d, %s, %s: %v\nserver output:\n%s", r+1, sc.name, impl, err, stderr.Bytes())
				}
				figures[i][impl] = append(figures[i][impl], v)
				stderr.Reset()
			}
		}
		log("round %d of %d done", r+1, *rounds)
	}
	printTable(scenarios, figures)
	return nil
}

// stderr collects the servers' diagnostics (mcp-go logs, for one, that
// its tool call queue is full under pipelining); they are printed only
// when a measurement fails.
var stderr bytes.Buffer

func log(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "procbench: "+format+"\n", args...)
}

func checkList(resp []byte) error {
	if !strings.Contains(string(resp[:min(len(resp), 200)]), `"tools":[`) {
		return fmt.Errorf("not a tools/list result: %.200s", resp)
	}
	return nil
}

// withStdio starts impl as a stdio server process, opens a session, runs
// measure after a short warm-up of the same kind, and stops the process;
// it returns the throughput.
func withStdio(ctx context.Context, bin, impl, toolsFile string, measure func(*load.Stdio) (load.Result, error)) (float64, error) {
	args := []string{"-server", impl}
	if toolsFile != "" {
		args = append(args, "-tools", toolsFile)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer stop(cmd, in)
	s, err := load.NewStdio(out, in)
	if err != nil {
		return 0, err
	}
	if toolsFile == "" {
		resp, err := s.Call("tools/call", bench.CallParams)
		if err != nil {
			return 0, err
		}
		if err := bench.CheckCall(resp); err != nil {
			return 0, err
		}
		// Warm up the same way as the measurement, for a fifth of it.
		if _, err := s.Sequential(*duration/5, "tools/call", bench.CallParams, bench.CheckCallQuick); err != nil {
			return 0, err
		}
	}
	r, err := measure(s)
	if err != nil {
		return 0, err
	}
	return r.PerSecond(), nil
}

// withStdioModern is withStdio for the 2026-07-28 protocol: no
// handshake, every request carrying its _meta.
func withStdioModern(ctx context.Context, bin, impl string, measure func(*load.Stdio) (load.Result, error)) (float64, error) {
	cmd := exec.CommandContext(ctx, bin, "-server", impl)
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer stop(cmd, in)
	s := load.NewStdioSessionless(out, in)
	resp, err := s.Call("tools/call", bench.CallParamsModern)
	if err != nil {
		return 0, err
	}
	if err := bench.CheckCall(resp); err != nil {
		return 0, err
	}
	if err := bench.CheckCallModern(resp); err != nil {
		return 0, err
	}
	if _, err := s.Sequential(*duration/5, "tools/call", bench.CallParamsModern, bench.CheckCallModern); err != nil {
		return 0, err
	}
	r, err := measure(s)
	if err != nil {
		return 0, err
	}
	return r.PerSecond(), nil
}

// stop ends a server process: end of input for stdio, SIGTERM for HTTP,
// and SIGKILL if it has not exited within five seconds.
func stop(cmd *exec.Cmd, in io.Closer) {
	if in != nil {
		in.Close()
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// startHTTP starts impl as a stateful HTTP server process on a loopback
// port and returns its endpoint, and its standard output after the
// endpoint's line.
func startHTTP(ctx context.Context, bin, impl string) (*exec.Cmd, string, *bufio.Reader, error) {
	cmd := exec.CommandContext(ctx, bin, "-server", impl, "-http", "127.0.0.1:0")
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", nil, err
	}
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	if err != nil {
		stop(cmd, nil)
		return nil, "", nil, fmt.Errorf("reading the endpoint: %v", err)
	}
	return cmd, strings.TrimSpace(line), r, nil
}

func httpScenario(name, bin string, clients int, d time.Duration) scenario {
	return scenario{name: name, unit: "calls/s", impls: bench.Impls, measure: func(ctx context.Context, impl string) (float64, error) {
		cmd, url, _, err := startHTTP(ctx, bin, impl)
		if err != nil {
			return 0, err
		}
		defer stop(cmd, nil)
		c := load.NewHTTPClient(1)
		s, err := load.OpenHTTP(ctx, c, url)
		if err != nil {
			return 0, err
		}
		resp, err := s.Call(ctx, "tools/call", bench.CallParams)
		if err != nil {
			return 0, err
		}
		if err := bench.CheckCall(resp); err != nil {
			return 0, err
		}
		if _, err := load.HTTP(ctx, url, clients, d/5, "tools/call", bench.CallParams, bench.CheckCallQuick); err != nil {
			return 0, err
		}
		r, err := load.HTTP(ctx, url, clients, d, "tools/call", bench.CallParams, bench.CheckCallQuick)
		if err != nil {
			return 0, err
		}
		return r.PerSecond(), nil
	}}
}

// inProcess serves impl in this process over a pair of pipes, as its stdio
// transport would, and measures sequential calls with the same client.
func inProcess(ctx context.Context, name string, d time.Duration) (float64, error) {
	impl, err := bench.NewImpl(name, nil)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- impl.ServeIO(ctx, sr, sw) }()
	defer func() {
		cw.Close()
		cancel()
		sw.Close()
		<-done
	}()
	s, err := load.NewStdio(cr, cw)
	if err != nil {
		return 0, err
	}
	if _, err := s.Sequential(d/5, "tools/call", bench.CallParams, bench.CheckCall); err != nil {
		return 0, err
	}
	runtime.GC()
	r, err := s.Sequential(d, "tools/call", bench.CallParams, bench.CheckCallQuick)
	return r.PerSecond(), err
}

// idleSessionKB starts impl as an HTTP server, opens a few sessions to
// warm it up, then n more, left idle, and returns the growth of the
// process's resident memory per session. Each reading follows a garbage
// collection that returns freed memory to the system (benchserver's
// SIGUSR1), so that it counts what the sessions keep, not the garbage of
// opening them.
func idleSessionKB(ctx context.Context, bin, impl string, n int) (float64, error) {
	cmd, url, out, err := startHTTP(ctx, bin, impl)
	if err != nil {
		return 0, err
	}
	defer stop(cmd, nil)
	c := load.NewHTTPClient(4)
	defer c.CloseIdleConnections()
	rss := func() (int, error) {
		if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
			return 0, err
		}
		if line, err := out.ReadString('\n'); err != nil || strings.TrimSpace(line) != "freed" {
			return 0, fmt.Errorf("waiting for the server to collect garbage: %q, %v", line, err)
		}
		return rssKB(cmd.Process.Pid)
	}
	for range 4 {
		if _, err := load.OpenHTTP(ctx, c, url); err != nil {
			return 0, err
		}
	}
	before, err := rss()
	if err != nil {
		return 0, err
	}
	for range n {
		if _, err := load.OpenHTTP(ctx, c, url); err != nil {
			return 0, err
		}
	}
	after, err := rss()
	if err != nil {
		return 0, err
	}
	return float64(after-before) / float64(n), nil
}

// rssKB reads a process's resident set size from /proc.
func rssKB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("memory of the server (Linux only): %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// tools500 writes the synthetic 500-tool package (package synth), runs
// mcpgen generate on it and returns the "tools" array of its tools/list as
// the mcpgen runtime answers it, which every implementation then serves.
func tools500(ctx context.Context, tmp string) ([]byte, error) {
	log("generating and compiling the 500-tool package")
	gen := filepath.Join(tmp, "mcpgen")
	if err := synth.BuildGenerator(ctx, *root, gen); err != nil {
		return nil, err
	}
	m, err := synth.NewModule(filepath.Join(tmp, "synthetic"), *root, 500)
	if err != nil {
		return nil, err
	}
	if _, err := m.Generate(ctx, gen); err != nil {
		return nil, err
	}
	dump := filepath.Join(m.Dir, "cmd", "dump")
	if err := os.MkdirAll(dump, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dump, "main.go"), []byte(dumpMain), 0o644); err != nil {
		return nil, err
	}
	if err := m.Tidy(ctx); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "go", "run", "-trimpath", "./cmd/dump")
	cmd.Dir = m.Dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the 500 tools: %v", err)
	}
	var tools []json.RawMessage
	if err := json.Unmarshal(out, &tools); err != nil || len(tools) != 500 {
		return nil, fmt.Errorf("listing the 500 tools: %d tools, %v", len(tools), err)
	}
	return out, nil
}

// dumpMain prints the tools of the synthetic package's tools/list.
const dumpMain = `package main

import (
	"context"
	"encoding/json"
	"os"

	"example.com/synthetic/tools"
	"github.com/mcpgen/mcpgen/runtime"
)

func main() {
	s := runtime.NewServer(&runtime.Implementation{Name: "dump", Version: "1"}, nil)
	if err := s.Add(tools.Components()); err != nil {
		panic(err)
	}
	res, err := s.Serve(context.Background(), &runtime.Request{Method: "tools/list"})
	if err != nil {
		panic(err)
	}
	js, err := json.Marshal(res)
	if err != nil {
		panic(err)
	}
	var list struct{ Tools json.RawMessage ` + "`json:\"tools\"`" + ` }
	if err := json.Unmarshal(js, &list); err != nil {
		panic(err)
	}
	os.Stdout.Write(list.Tools)
}
`

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// advantage is mcpgen's advantage over other in one round: >1 means mcpgen
// is better.
func advantage(sc scenario, mcpgen, other float64) float64 {
	if sc.lowerIsBetter {
		return other / mcpgen
	}
	return mcpgen / other
}

// pairedRatio is the median over rounds of f(mcpgen's figure, other's
// figure) in the same round; "n/a" when other was not measured.
func pairedRatio(sc scenario, fig map[string][]float64, other string, f func(scenario, float64, float64) float64) string {
	m, o := fig["mcpgen"], fig[other]
	if len(o) == 0 || len(m) != len(o) {
		return "n/a"
	}
	r := make([]float64, len(m))
	for i := range m {
		r[i] = f(sc, m[i], o[i])
	}
	return fmt.Sprintf("%.2f×", median(r))
}

func printTable(scenarios []scenario, figures []map[string][]float64) {
	fmt.Printf("Rounds: %d, %v per implementation and scenario; ratios are medians of per-round ratios.\n\n", *rounds, *duration)
	fmt.Println("| scenario | mcpgen vs go-sdk generic | mcpgen vs go-sdk raw AddTool | mcpgen vs mcp-go | bare JSON-RPC vs mcpgen |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for i, sc := range scenarios {
		fig := figures[i]
		bare := pairedRatio(sc, fig, "bare", func(sc scenario, m, b float64) float64 { return 1 / advantage(sc, m, b) })
		fmt.Printf("| %s | %s | %s | %s | %s |\n", sc.name,
			pairedRatio(sc, fig, "gosdk", advantage), pairedRatio(sc, fig, "gosdk-raw", advantage),
			pairedRatio(sc, fig, "mcpgo", advantage), bare)
	}
	fmt.Println()
	fmt.Println("Medians over rounds (absolute figures move with the machine's load):")
	fmt.Println()
	fmt.Printf("| scenario | unit | %s |\n", strings.Join(bench.Impls, " | "))
	fmt.Printf("|---|---|%s\n", strings.Repeat("---:|", len(bench.Impls)))
	for i, sc := range scenarios {
		var cells []string
		for _, impl := range bench.Impls {
			if v := figures[i][impl]; len(v) > 0 {
				cells = append(cells, fmt.Sprintf("%.1f", median(v)))
			} else {
				cells = append(cells, "n/a")
			}
		}
		fmt.Printf("| %s | %s | %s |\n", sc.name, sc.unit, strings.Join(cells, " | "))
	}
}
