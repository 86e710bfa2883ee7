package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transform"
)

// Config is an mcp.json-style configuration of several upstream servers:
//
//	{"mcpServers": {
//	  "weather": {"command": "weather-server", "args": ["--units", "metric"], "env": {"KEY": "..."}},
//	  "search":  {"url": "https://search.example.com/mcp", "headers": {"Authorization": "Bearer ..."}}
//	}}
type Config struct {
	MCPServers map[string]ServerConfig `json:"mcpServers"`
}

// ServerConfig is one server of a Config: a command (stdio) or a URL
// (streamable HTTP).
type ServerConfig struct {
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Cwd     string            `json:"cwd,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// Transport is "stdio", "http" or "streamable-http", or "" to infer it
	// from Command or URL. "sse" is not supported.
	Transport string `json:"transport,omitempty"`
}

// Target returns the server's target.
func (sc ServerConfig) Target() (Target, error) {
	switch strings.ToLower(sc.Transport) {
	case "", "stdio", "http", "streamable-http", "streamable_http", "streamablehttp":
	default:
		return Target{}, fmt.Errorf("transport %q is not supported (use stdio or streamable HTTP)", sc.Transport)
	}
	t := Target{URL: sc.URL, Command: sc.Command, Args: sc.Args, Env: sc.Env, Dir: sc.Cwd}
	if len(sc.Headers) > 0 {
		t.Header = http.Header{}
		for k, v := range sc.Headers {
			t.Header.Set(k, v)
		}
	}
	return t, t.check()
}

// ParseConfig decodes an mcp.json-style configuration.
func ParseConfig(data []byte) (*Config, error) {
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("proxy: config: %w", err)
	}
	if len(c.MCPServers) == 0 {
		return nil, errors.New(`proxy: config: no servers (want {"mcpServers": {"name": {...}}})`)
	}
	for name, sc := range c.MCPServers {
		if name == "" {
			return nil, errors.New("proxy: config: a server has an empty name")
		}
		if _, err := sc.Target(); err != nil {
			return nil, fmt.Errorf("proxy: config: server %q: %w", name, err)
		}
	}
	return &c, nil
}

// LoadConfig reads and decodes an mcp.json-style configuration file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Multi is a provider serving several upstream servers, each namespaced
// by its name in the configuration with transform.Namespace (tool "echo"
// of server "everything" is "everything_echo", resource "demo://x" is
// "demo://everything/x"). It implements runtime.Watcher and
// runtime.LifespanProvider. A server whose listing fails is logged and
// left out; Components fails only when every server fails.
type Multi struct {
	servers []*member
	opts    Options
}

type member struct {
	name  string
	proxy *Proxy
	p     runtime.Provider // proxy with the namespace applied
}

// NewConfig returns a provider serving every server of cfg, in name order.
func NewConfig(cfg *Config, opts *Options) (*Multi, error) {
	if cfg == nil || len(cfg.MCPServers) == 0 {
		return nil, errors.New("proxy: a config with no servers")
	}
	m := &Multi{}
	if opts != nil {
		m.opts = *opts
	}
	names := make([]string, 0, len(cfg.MCPServers))
	for name := range cfg.MCPServers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t, err := cfg.MCPServers[name].Target()
		if err != nil {
			return nil, fmt.Errorf("proxy: server %q: %w", name, err)
		}
		px, err := New(t, &m.opts)
		if err != nil {
			return nil, fmt.Errorf("proxy: server %q: %w", name, err)
		}
		m.servers = append(m.servers, &member{name: name, proxy: px, p: runtime.WithTransforms(px, transform.Namespace(name))})
	}
	return m, nil
}

// Servers returns the configured server names, sorted.
func (m *Multi) Servers() []string {
	out := make([]string, len(m.servers))
	for i, s := range m.servers {
		out[i] = s.name
	}
	return out
}

// Proxy returns the proxy of the named server (its components are not
// namespaced), or nil.
func (m *Multi) Proxy(name string) *Proxy {
	for _, s := range m.servers {
		if s.name == name {
			return s.proxy
		}
	}
	return nil
}

// Components implements runtime.Provider.
func (m *Multi) Components(ctx context.Context) (*runtime.Components, error) {
	out := &runtime.Components{}
	var errs []error
	for _, s := range m.servers {
		c, err := s.p.Components(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("server %q: %w", s.name, err))
			if m.opts.Logger != nil {
				m.opts.Logger.Error("proxy: listing a configured server failed; leaving it out", "server", s.name, "err", err)
			}
			continue
		}
		out.Tools = append(out.Tools, c.Tools...)
		out.Resources = append(out.Resources, c.Resources...)
		out.ResourceTemplates = append(out.ResourceTemplates, c.ResourceTemplates...)
		out.Prompts = append(out.Prompts, c.Prompts...)
		out.Completions = append(out.Completions, c.Completions...)
	}
	if len(errs) == len(m.servers) {
		return nil, errors.Join(errs...)
	}
	return dedupe(out), nil
}

// Watch implements runtime.Watcher.
func (m *Multi) Watch(changed func()) func() {
	stops := make([]func(), len(m.servers))
	for i, s := range m.servers {
		stops[i] = s.proxy.Watch(changed)
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}

// Lifespan implements runtime.LifespanProvider: it connects every server
// (a failure is logged, and retried on first use) and returns the
// function that closes them all.
func (m *Multi) Lifespan(ctx context.Context) (func(context.Context) error, error) {
	for _, s := range m.servers {
		if _, err := s.proxy.Lifespan(ctx); err != nil {
			return nil, err
		}
	}
	return func(context.Context) error { return m.Close() }, nil
}

// Close closes every server's upstream sessions.
func (m *Multi) Close() error {
	var errs []error
	for _, s := range m.servers {
		if err := s.proxy.Close(); err != nil {
			errs = append(errs, fmt.Errorf("server %q: %w", s.name, err))
		}
	}
	return errors.Join(errs...)
}
