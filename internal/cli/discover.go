package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Server is one MCP server configured in a client's config file.
type Server struct {
	Name      string            `json:"name"`
	Source    string            `json:"source"` // the client, e.g. "cursor"
	File      string            `json:"file"`
	Transport string            `json:"transport"` // "stdio", "http" or "sse"
	Command   string            `json:"command,omitempty"`
	Args      []string          `json:"args,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
	URL       string            `json:"url,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
}

// EnvList returns Env as KEY=VALUE pairs, sorted.
func (s *Server) EnvList() []string {
	var out []string
	for k, v := range s.Env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// Source is one config file of one client.
type Source struct {
	Client string // "claude-desktop", "claude-code", "cursor", "goose", "gemini-cli", "vscode"
	Path   string
	// Format says where the servers are in the file.
	Format string // "mcpServers", "claude-code", "vscode", "vscode-settings", "goose"
	// Project is the directory whose entry a claude-code file holds.
	Project string
}

// Problem is a config file that could not be read.
type Problem struct {
	File string
	Err  error
}

func (p Problem) Error() string { return p.File + ": " + p.Err.Error() }

// Sources lists the config files of every supported client for a user
// whose home is home, working in cwd, on goos ("linux" or "darwin"), at
// the paths each client really uses.
func Sources(home, cwd, goos string) []Source {
	appSupport := filepath.Join(home, ".config") // XDG on Linux
	if goos == "darwin" {
		appSupport = filepath.Join(home, "Library", "Application Support")
	}
	out := []Source{
		{Client: "claude-desktop", Path: filepath.Join(appSupport, "Claude", "claude_desktop_config.json"), Format: "mcpServers"},
		{Client: "claude-code", Path: filepath.Join(home, ".claude.json"), Format: "claude-code", Project: cwd},
		{Client: "claude-code", Path: filepath.Join(cwd, ".mcp.json"), Format: "mcpServers"},
		{Client: "cursor", Path: filepath.Join(home, ".cursor", "mcp.json"), Format: "mcpServers"},
	}
	// Cursor's project config is .cursor/mcp.json in the workspace: the
	// working directory or one of its parents.
	for dir := cwd; ; dir = filepath.Dir(dir) {
		if dir != home {
			p := filepath.Join(dir, ".cursor", "mcp.json")
			if _, err := os.Stat(p); err == nil {
				out = append(out, Source{Client: "cursor", Path: p, Format: "mcpServers"})
				break
			}
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	out = append(out,
		Source{Client: "goose", Path: filepath.Join(home, ".config", "goose", "config.yaml"), Format: "goose"},
		Source{Client: "gemini-cli", Path: filepath.Join(home, ".gemini", "settings.json"), Format: "mcpServers"},
		Source{Client: "gemini-cli", Path: filepath.Join(cwd, ".gemini", "settings.json"), Format: "mcpServers"},
		Source{Client: "vscode", Path: filepath.Join(appSupport, "Code", "User", "mcp.json"), Format: "vscode"},
		Source{Client: "vscode", Path: filepath.Join(appSupport, "Code", "User", "settings.json"), Format: "vscode-settings"},
		Source{Client: "vscode", Path: filepath.Join(cwd, ".vscode", "mcp.json"), Format: "vscode"},
	)
	return out
}

// DefaultSources are the Sources of the current user and directory.
func DefaultSources() []Source {
	home, _ := os.UserHomeDir()
	cwd, _ := os.Getwd()
	return Sources(home, cwd, goruntime.GOOS)
}

func sourceNames() []string {
	return []string{"Claude Desktop", "Claude Code", "Cursor", "Goose", "Gemini CLI", "VS Code"}
}

// Discover reads every source that exists and returns its servers, in
// source order and by name within a file. Files that cannot be parsed are
// returned as problems and skipped; nothing is ever written.
func Discover(sources []Source) ([]Server, []Problem) {
	var out []Server
	var problems []Problem
	seen := map[string]bool{}
	for _, src := range sources {
		if seen[src.Path+"\x00"+src.Format] {
			continue
		}
		seen[src.Path+"\x00"+src.Format] = true
		data, err := os.ReadFile(src.Path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			problems = append(problems, Problem{src.Path, err})
			continue
		}
		servers, err := parseSource(src, data)
		if err != nil {
			problems = append(problems, Problem{src.Path, err})
			continue
		}
		out = append(out, servers...)
	}
	return out, problems
}

// entry is a server entry in any client's JSON format.
type entry struct {
	Type    string            `json:"type" yaml:"type"`
	Command string            `json:"command"`
	Args    []string          `json:"args" yaml:"args"`
	Env     map[string]string `json:"env"`
	URL     string            `json:"url"`
	HTTPURL string            `json:"httpUrl"` // Gemini CLI's streamable HTTP
	Headers map[string]string `json:"headers"`
	// Goose
	Cmd   string            `json:"-" yaml:"cmd"`
	Envs  map[string]string `json:"-" yaml:"envs"`
	URI   string            `json:"-" yaml:"uri"`
	Name  string            `json:"-" yaml:"name"`
	Goose bool              `json:"-" yaml:"-"`
}

func parseSource(src Source, data []byte) ([]Server, error) {
	var entries map[string]entry
	switch src.Format {
	case "mcpServers", "claude-code":
		var doc struct {
			MCPServers map[string]entry `json:"mcpServers"`
			Projects   map[string]struct {
				MCPServers map[string]entry `json:"mcpServers"`
			} `json:"projects"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("malformed JSON: %v", err)
		}
		entries = doc.MCPServers
		if src.Format == "claude-code" {
			if entries == nil {
				entries = map[string]entry{}
			}
			for name, e := range doc.Projects[src.Project].MCPServers {
				entries[name] = e
			}
		}
	case "vscode":
		var doc struct {
			Servers map[string]entry `json:"servers"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("malformed JSON: %v", err)
		}
		entries = doc.Servers
	case "vscode-settings":
		var doc struct {
			MCP struct {
				Servers map[string]entry `json:"servers"`
			} `json:"mcp"`
		}
		if err := json.Unmarshal(stripJSONC(data), &doc); err != nil {
			return nil, fmt.Errorf("malformed JSON: %v", err)
		}
		entries = doc.MCP.Servers
	case "goose":
		var doc struct {
			Extensions map[string]entry `yaml:"extensions"`
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("malformed YAML: %v", err)
		}
		entries = map[string]entry{}
		for name, e := range doc.Extensions {
			if e.Type == "builtin" || e.Type == "platform" || e.Type == "frontend" || e.Type == "inline_python" {
				continue // not an MCP server mcpgen can reach
			}
			e.Goose = true
			entries[name] = e
		}
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Server
	for _, n := range names {
		e := entries[n]
		s := Server{Name: n, Source: src.Client, File: src.Path, Command: e.Command, Args: e.Args, Env: e.Env, Headers: e.Headers}
		if e.Goose {
			s.Command, s.Env, s.URL = e.Cmd, e.Envs, e.URI
		}
		if s.URL == "" {
			s.URL = e.URL
		}
		if e.HTTPURL != "" {
			s.URL = e.HTTPURL
		}
		switch {
		case s.Command != "":
			s.Transport = "stdio"
		case e.Type == "sse" || strings.HasSuffix(s.URL, "/sse"):
			s.Transport = "sse"
		case s.URL != "":
			s.Transport = "http"
		default:
			continue // neither a command nor a URL: nothing to connect to
		}
		out = append(out, s)
	}
	return out, nil
}

// stripJSONC removes // and /* */ comments and trailing commas, which VS
// Code's settings.json allows.
func stripJSONC(data []byte) []byte {
	var out []byte
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
			out = append(out, c)
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			i += 2
			for i+1 < len(data) && !(data[i] == '*' && data[i+1] == '/') {
				i++
			}
			i++
		case c == ',':
			j := i + 1
			for j < len(data) && (data[j] == ' ' || data[j] == '\n' || data[j] == '\t' || data[j] == '\r') {
				j++
			}
			if j < len(data) && (data[j] == '}' || data[j] == ']') {
				continue
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}

func hostOS() string { return goruntime.GOOS }
