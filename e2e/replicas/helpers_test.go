// Package replicas_test runs examples/replicas as real processes: three
// replicas behind a round-robin reverse proxy, sharing a Redis server the
// test owns, and breaks things (kills a worker mid-task, restarts Redis,
// starts without it).
package replicas_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/mcpgen/mcpgen/internal/testenv"
)

const pkg = "e2e/replicas"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds examples/replicas once.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mcpgen-replicas-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "replicas")
		out, err := exec.Command("go", "build", "-o", binPath, "../../examples/replicas").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A redis-server of the test's own: append-only file on, every write
// synced, in a directory of its own, so that a restart keeps what it
// acknowledged.
type redisServer struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		testenv.Skip(t, pkg, "redis-server is not installed (apt-get install redis-server)")
	}
	r := &redisServer{t: t, port: freePort(t), dir: t.TempDir()}
	r.start()
	t.Cleanup(r.kill)
	return r
}

func (r *redisServer) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }
func (r *redisServer) url() string  { return "redis://" + r.addr() + "/0" }

func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", fmt.Sprint(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes")
	r.cmd.Stdout, r.cmd.Stderr = io.Discard, io.Discard
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", r.addr(), time.Second); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			c.Write([]byte("PING\r\n"))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops Redis at once (SIGKILL: no shutdown save, only what the
// append-only file already holds survives).
func (r *redisServer) kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}

// hget reads a field of a task's hash (the store's own layout), for the
// test to see which worker holds a task.
func (r *redisServer) hget(key, field string) string {
	c, err := net.DialTimeout("tcp", r.addr(), time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "*3\r\n$4\r\nHGET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(field), field)
	rd := bufio.NewReader(c)
	head, _ := rd.ReadString('\n')
	if !strings.HasPrefix(head, "$") || strings.HasPrefix(head, "$-1") {
		return ""
	}
	val, _ := rd.ReadString('\n')
	return strings.TrimRight(val, "\r\n")
}

// A replica: one process of examples/replicas.
type replica struct {
	t      *testing.T
	name   string
	addr   string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	mu     sync.Mutex
}

func (rp *replica) base() string { return "http://" + rp.addr }

// stateKey is the request-state key the replicas share.
const stateKey = "0123456789abcdef0123456789abcdef-replicas"

func startReplica(t *testing.T, name, redisURL string, worker bool, env ...string) *replica {
	t.Helper()
	rp := &replica{t: t, name: name, stderr: &bytes.Buffer{}}
	args := []string{}
	if worker {
		args = append(args, "worker")
	} else {
		rp.addr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
		args = append(args, "-http", rp.addr)
	}
	rp.cmd = exec.Command(binary(t), args...)
	rp.cmd.Env = append(os.Environ(), "MCPGEN_REDIS="+redisURL, "MCPGEN_REPLICA="+name, "MCPGEN_REQUEST_STATE_KEY="+stateKey,
		"MCPGEN_TASKS_LEASE=1s")
	if !worker {
		rp.cmd.Env = append(rp.cmd.Env, "MCPGEN_SELF="+rp.base())
	}
	rp.cmd.Env = append(rp.cmd.Env, env...)
	rp.cmd.Stderr = &lockedWriter{mu: &rp.mu, w: rp.stderr}
	if err := rp.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rp.kill)
	if !worker {
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get(rp.base() + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %s did not become ready: %s", name, rp.log())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return rp
}

func (rp *replica) log() string {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.stderr.String()
}

// kill stops the replica at once (SIGKILL): nothing it held is released.
func (rp *replica) kill() {
	if rp.cmd != nil && rp.cmd.Process != nil {
		rp.cmd.Process.Kill()
		rp.cmd.Wait()
		rp.cmd = nil
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// roundRobin is the load balancer: each request goes to the next backend,
// with no affinity at all. It counts the requests each backend got.
type roundRobin struct {
	*httptest.Server
	hits []atomic.Int64
}

func newRoundRobin(t *testing.T, backends ...*replica) *roundRobin {
	rr := &roundRobin{hits: make([]atomic.Int64, len(backends))}
	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			i := (next.Add(1) - 1) % uint64(len(backends))
			rr.hits[i].Add(1)
			u, _ := url.Parse(backends[i].base())
			pr.SetURL(u)
			pr.Out.URL.Path = pr.In.URL.Path
			pr.Out.Host = u.Host
		},
		FlushInterval: -1,
	}
	rr.Server = httptest.NewServer(proxy)
	t.Cleanup(rr.Close)
	return rr
}

func (rr *roundRobin) mcp() string { return rr.URL + "/mcp" }

// A 2026-07-28 client (stateless): every request carries its version,
// client info and capabilities.
type modernClient struct {
	t    *testing.T
	url  string
	user string
	caps map[string]any
	id   int
}

func newModern(t *testing.T, url, user string, tasksExt bool) *modernClient {
	caps := map[string]any{"elicitation": map[string]any{}}
	if tasksExt {
		caps["extensions"] = map[string]any{"io.modelcontextprotocol/tasks": map[string]any{}}
	}
	return &modernClient{t: t, url: url, user: user, caps: caps}
}

type rpcResponse struct {
	Result json.RawMessage `json:"result"`
	Error  *jsonrpc.Error  `json:"error"`
}

func (c *modernClient) do(method string, params map[string]any) (rpcResponse, error) {
	if params == nil {
		params = map[string]any{}
	}
	params["_meta"] = map[string]any{
		"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
		"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "replicas-test", "version": "1"},
		"io.modelcontextprotocol/clientCapabilities": c.caps,
	}
	c.id++
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": c.id, "method": method, "params": params})
	req, _ := http.NewRequest("POST", c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", method)
	if n, ok := params["name"].(string); ok {
		req.Header.Set("Mcp-Name", n)
	}
	if n, ok := params["taskId"].(string); ok {
		req.Header.Set("Mcp-Name", n)
	}
	if c.user != "" {
		req.Header.Set("X-User", c.user)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return rpcResponse{}, err
	}
	defer resp.Body.Close()
	return readResponse(resp)
}

func readResponse(resp *http.Response) (rpcResponse, error) {
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return rpcResponse{}, err
	}
	var out rpcResponse
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
				var m rpcResponse
				if json.Unmarshal([]byte(strings.TrimSpace(data)), &m) == nil && (m.Result != nil || m.Error != nil) {
					out = m
				}
			}
		}
		if out.Result == nil && out.Error == nil {
			return out, fmt.Errorf("HTTP %d: no response in %q", resp.StatusCode, raw)
		}
		return out, nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("HTTP %d: %q", resp.StatusCode, raw)
	}
	return out, nil
}

func (c *modernClient) call(method string, params map[string]any) map[string]any {
	c.t.Helper()
	r, err := c.do(method, params)
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	if r.Error != nil {
		c.t.Fatalf("%s: error %d %s", method, r.Error.Code, r.Error.Message)
	}
	var m map[string]any
	json.Unmarshal(r.Result, &m)
	return m
}

// until polls tasks/get until the task is in one of the statuses; polls
// that fail (a replica or Redis is down) are retried.
func (c *modernClient) until(id string, timeout time.Duration, want ...string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	var last any
	for {
		r, err := c.do("tasks/get", map[string]any{"taskId": id})
		if err == nil && r.Error == nil {
			var m map[string]any
			json.Unmarshal(r.Result, &m)
			for _, w := range want {
				if m["status"] == w {
					return m
				}
			}
			last = m
		} else if err != nil {
			last = err
		} else {
			last = r.Error
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("task %s: want %v, last %v", id, want, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func text(res any) string {
	m, _ := res.(map[string]any)
	content, _ := m["content"].([]any)
	if len(content) == 0 {
		return ""
	}
	first, _ := content[0].(map[string]any)
	s, _ := first["text"].(string)
	return s
}

// A 2025-11-25 client on a stateful session.
type sessionClient struct {
	t       *testing.T
	url     string
	session string
	id      int
}

func newSession(t *testing.T, url string) *sessionClient {
	c := &sessionClient{t: t, url: url}
	r, h := c.post("initialize", map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "legacy", "version": "1"}}, true)
	if r.Error != nil {
		t.Fatalf("initialize: %v", r.Error)
	}
	if c.session = h.Get("Mcp-Session-Id"); c.session == "" {
		t.Fatal("no session id")
	}
	c.post("notifications/initialized", map[string]any{}, false)
	return c
}

func (c *sessionClient) post(method string, params map[string]any, call bool) (rpcResponse, http.Header) {
	c.t.Helper()
	msg := map[string]any{"jsonrpc": "2.0", "method": method, "params": params}
	if call {
		c.id++
		msg["id"] = c.id
	}
	body, _ := json.Marshal(msg)
	req, _ := http.NewRequest("POST", c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	if !call {
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode >= 300 {
			c.t.Fatalf("%s: HTTP %d", method, resp.StatusCode)
		}
		return rpcResponse{}, resp.Header
	}
	r, err := readResponse(resp)
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	return r, resp.Header
}

func (c *sessionClient) call(method string, params map[string]any) map[string]any {
	c.t.Helper()
	r, _ := c.post(method, params, true)
	if r.Error != nil {
		c.t.Fatalf("%s: error %d %s", method, r.Error.Code, r.Error.Message)
	}
	var m map[string]any
	json.Unmarshal(r.Result, &m)
	return m
}
