package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixtures writes a config file in each client's real format and place.
func fixtures(t *testing.T, home, cwd, goos string) {
	appSupport := filepath.Join(home, ".config")
	if goos == "darwin" {
		appSupport = filepath.Join(home, "Library", "Application Support")
	}
	write(t, filepath.Join(appSupport, "Claude", "claude_desktop_config.json"), `{
  "globalShortcut": "",
  "mcpServers": {
    "weather": {"command": "/usr/local/bin/weather", "args": ["-v"], "env": {"KEY": "1"}},
    "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]}
  }
}`)
	write(t, filepath.Join(home, ".claude.json"), `{
  "numStartups": 3,
  "mcpServers": {"remote": {"type": "http", "url": "https://example.com/mcp", "headers": {"Authorization": "Bearer x"}}},
  "projects": {
    "`+cwd+`": {"mcpServers": {"local-only": {"type": "stdio", "command": "./server"}}},
    "/elsewhere": {"mcpServers": {"not-here": {"command": "nope"}}}
  }
}`)
	write(t, filepath.Join(cwd, ".mcp.json"), `{"mcpServers": {"weather": {"command": "go", "args": ["run", "./examples/weather"]}}}`)
	write(t, filepath.Join(home, ".cursor", "mcp.json"), `{"mcpServers": {"sse-server": {"url": "http://localhost:9000/sse"}}}`)
	write(t, filepath.Join(filepath.Dir(cwd), ".cursor", "mcp.json"), `{"mcpServers": {"workspace": {"command": "node", "args": ["server.js"]}}}`)
	write(t, filepath.Join(home, ".config", "goose", "config.yaml"), `GOOSE_PROVIDER: openai
extensions:
  developer:
    enabled: true
    name: developer
    type: builtin
  fetch:
    cmd: uvx
    args:
    - mcp-server-fetch
    enabled: true
    envs: {}
    name: fetch
    type: stdio
  remote-goose:
    type: streamable_http
    uri: http://127.0.0.1:8080/mcp
    name: remote-goose
`)
	write(t, filepath.Join(home, ".gemini", "settings.json"), `{"theme": "Default", "mcpServers": {"gem": {"httpUrl": "http://127.0.0.1:7000/mcp"}}}`)
	write(t, filepath.Join(appSupport, "Code", "User", "settings.json"), `{
  // VS Code allows comments
  "editor.fontSize": 14,
  "mcp": {"servers": {"vs-settings": {"type": "stdio", "command": "vs-server",},},},
}`)
	write(t, filepath.Join(cwd, ".vscode", "mcp.json"), `{"servers": {"vs-workspace": {"type": "http", "url": "http://127.0.0.1:5000/mcp"}}}`)
	// Malformed: reported and skipped.
	write(t, filepath.Join(cwd, ".gemini", "settings.json"), `{"mcpServers": {`)
}

func TestDiscover(t *testing.T) {
	for _, goos := range []string{"linux", "darwin"} {
		t.Run(goos, func(t *testing.T) {
			home := t.TempDir()
			cwd := filepath.Join(home, "src", "project")
			fixtures(t, home, cwd, goos)
			servers, problems := Discover(Sources(home, cwd, goos))
			var got []string
			for _, s := range servers {
				target := s.URL
				if s.Transport == "stdio" {
					target = strings.Join(append([]string{s.Command}, s.Args...), " ")
				}
				rel, _ := filepath.Rel(home, s.File)
				got = append(got, s.Name+" "+s.Source+" "+s.Transport+" "+target+" "+rel)
			}
			appSupport := ".config"
			if goos == "darwin" {
				appSupport = "Library/Application Support"
			}
			want := []string{
				"files claude-desktop stdio npx -y @modelcontextprotocol/server-filesystem /tmp " + appSupport + "/Claude/claude_desktop_config.json",
				"weather claude-desktop stdio /usr/local/bin/weather -v " + appSupport + "/Claude/claude_desktop_config.json",
				"local-only claude-code stdio ./server .claude.json",
				"remote claude-code http https://example.com/mcp .claude.json",
				"weather claude-code stdio go run ./examples/weather src/project/.mcp.json",
				"sse-server cursor sse http://localhost:9000/sse .cursor/mcp.json",
				"workspace cursor stdio node server.js src/.cursor/mcp.json",
				"fetch goose stdio uvx mcp-server-fetch .config/goose/config.yaml",
				"remote-goose goose http http://127.0.0.1:8080/mcp .config/goose/config.yaml",
				"gem gemini-cli http http://127.0.0.1:7000/mcp .gemini/settings.json",
				"vs-settings vscode stdio vs-server " + appSupport + "/Code/User/settings.json",
				"vs-workspace vscode http http://127.0.0.1:5000/mcp src/project/.vscode/mcp.json",
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("discovered:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if len(problems) != 1 || !strings.Contains(problems[0].Error(), filepath.Join(".gemini", "settings.json")) || !strings.Contains(problems[0].Error(), "malformed JSON") {
				t.Errorf("problems = %v", problems)
			}
			for _, s := range servers {
				if s.Name == "weather" && s.Source == "claude-desktop" && s.Env["KEY"] != "1" {
					t.Errorf("env lost: %+v", s)
				}
				if s.Name == "remote" && s.Headers["Authorization"] != "Bearer x" {
					t.Errorf("headers lost: %+v", s)
				}
			}
		})
	}
}

func TestDiscoverWritesNothing(t *testing.T) {
	home := t.TempDir()
	cwd := filepath.Join(home, "src", "project")
	fixtures(t, home, cwd, "linux")
	before := snapshot(t, home)
	Discover(Sources(home, cwd, "linux"))
	if after := snapshot(t, home); after != before {
		t.Error("discover changed files")
	}
}

func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			data, _ := os.ReadFile(p)
			b.WriteString(p + "\n" + string(data) + "\n")
		}
		return nil
	})
	return b.String()
}

func TestInstallJSONKeepsEntriesAndOrder(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, ".cursor", "mcp.json")
	orig := `{"zeta": 1, "mcpServers": {"b": {"command": "b"}, "a": {"url": "http://a"}}, "alpha": [true, null, 1.50]}`
	write(t, path, orig)
	var out bytes.Buffer
	req := InstallRequest{Client: "cursor", Name: "weather", Command: []string{"go", "run", "./examples/weather"}, Env: map[string]string{"K": "v"}, Home: home, GOOS: "linux"}
	if _, err := Install(req, &out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := `{
  "zeta": 1,
  "mcpServers": {
    "b": {
      "command": "b"
    },
    "a": {
      "url": "http://a"
    },
    "weather": {
      "command": "go",
      "args": [
        "run",
        "./examples/weather"
      ],
      "env": {
        "K": "v"
      }
    }
  },
  "alpha": [
    true,
    null,
    1.50
  ]
}
`
	if string(got) != want {
		t.Errorf("config:\n%s\nwant:\n%s", got, want)
	}
	if backup, _ := os.ReadFile(path + ".mcpgen.bak"); string(backup) != orig {
		t.Errorf("backup = %q", backup)
	}
	// The same name again is refused, and nothing changes.
	if _, err := Install(req, &out); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("duplicate: %v", err)
	}
	if again, _ := os.ReadFile(path); string(again) != want {
		t.Error("refused install changed the file")
	}
	// --force replaces it in place.
	req.Force, req.Command, req.Env = true, nil, nil
	req.URL = "http://127.0.0.1:8080/mcp"
	if _, err := Install(req, &out); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if !strings.Contains(string(got), `"weather": {
      "url": "http://127.0.0.1:8080/mcp"
    }
  },
  "alpha"`) {
		t.Errorf("forced:\n%s", got)
	}
}

func TestInstallDryRunAndClients(t *testing.T) {
	home := t.TempDir()
	var out bytes.Buffer
	path, err := Install(InstallRequest{Client: "claude-desktop", Name: "w", Command: []string{"/bin/w"}, DryRun: true, Home: home, GOOS: "darwin"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, "Library/Application Support/Claude/claude_desktop_config.json") || !strings.Contains(out.String(), `"command": "/bin/w"`) {
		t.Errorf("dry run: %s\n%s", path, out.String())
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("dry run wrote the file")
	}
	if _, err := Install(InstallRequest{Client: "claude-desktop", Name: "w", URL: "http://x", Home: home}, &out); err == nil {
		t.Error("claude-desktop accepted a URL")
	}
	for client, want := range map[string]string{
		"claude-code": `"type": "http"`,
		"gemini-cli":  `"httpUrl": "http://127.0.0.1:1/mcp"`,
		"cursor":      `"url": "http://127.0.0.1:1/mcp"`,
	} {
		path, err := Install(InstallRequest{Client: client, Name: "w", URL: "http://127.0.0.1:1/mcp", Home: home, GOOS: "linux"}, &out)
		if err != nil {
			t.Fatal(client, err)
		}
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(data), want) {
			t.Errorf("%s: %s", client, data)
		}
		// What install writes, discover finds.
		servers, problems := Discover([]Source{{Client: client, Path: path, Format: map[bool]string{true: "claude-code", false: "mcpServers"}[client == "claude-code"]}})
		if len(problems) > 0 || len(servers) != 1 || servers[0].URL != "http://127.0.0.1:1/mcp" {
			t.Errorf("%s: discovered %+v %v", client, servers, problems)
		}
	}
	if _, err := Install(InstallRequest{Client: "notepad", Name: "w", URL: "http://x", Home: home}, &out); err == nil {
		t.Error("unknown client accepted")
	}
	write(t, filepath.Join(home, ".cursor", "mcp.json"), `{"mcpServers": `)
	if _, err := Install(InstallRequest{Client: "cursor", Name: "z", URL: "http://x", Home: home}, &out); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("malformed config: %v", err)
	}
}

func TestInstallGooseKeepsDocument(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, ".config", "goose", "config.yaml")
	orig := "# my goose config\nGOOSE_PROVIDER: openai\nextensions:\n  developer:\n    enabled: true\n    name: developer\n    type: builtin\nGOOSE_MODEL: gpt-4o\n"
	write(t, path, orig)
	var out bytes.Buffer
	if _, err := Install(InstallRequest{Client: "goose", Name: "weather", Command: []string{"/bin/weather", "-v"}, Env: map[string]string{"K": "v"}, Home: home}, &out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	s := string(got)
	for _, want := range []string{"# my goose config", "GOOSE_PROVIDER: openai", "developer:", "weather:", "cmd: /bin/weather", "- -v", "K: v", "type: stdio"} {
		if !strings.Contains(s, want) {
			t.Errorf("goose config lacks %q:\n%s", want, s)
		}
	}
	if strings.Index(s, "developer:") > strings.Index(s, "weather:") || strings.Index(s, "GOOSE_MODEL") < strings.Index(s, "extensions") {
		t.Errorf("order changed:\n%s", s)
	}
	servers, problems := Discover([]Source{{Client: "goose", Path: path, Format: "goose"}})
	if len(problems) > 0 || len(servers) != 1 || servers[0].Command != "/bin/weather" || servers[0].Env["K"] != "v" {
		t.Errorf("discovered %+v %v", servers, problems)
	}
	if _, err := Install(InstallRequest{Client: "goose", Name: "weather", URL: "http://x", Home: home}, &out); err == nil {
		t.Error("duplicate goose extension accepted without --force")
	}
}

// A client starts a stdio server in a directory of its own: a relative
// command is installed as an absolute one, and what would still not be
// found from elsewhere is warned about.
func TestInstallRelativeCommand(t *testing.T) {
	home, cwd := t.TempDir(), t.TempDir()
	write(t, filepath.Join(cwd, "bin", "weather"), "#!/bin/sh\n")
	for _, tc := range []struct {
		command  []string
		want     string // the installed command
		warnings []string
	}{
		{[]string{"./bin/weather", "-v"}, filepath.Join(cwd, "bin", "weather"),
			[]string{"note: the command ./bin/weather is installed as " + filepath.Join(cwd, "bin", "weather")}},
		{[]string{"bin/missing"}, filepath.Join(cwd, "bin", "missing"),
			[]string{"is installed as", "warning: " + filepath.Join(cwd, "bin", "missing") + " does not exist"}},
		{[]string{"go", "run", "./examples/weather"}, "go",
			[]string{"warning: the argument ./examples/weather is a relative path"}},
		{[]string{"no-such-command-mcpgen"}, "no-such-command-mcpgen",
			[]string{"warning: no-such-command-mcpgen is not on this PATH"}},
		{[]string{filepath.Join(cwd, "bin", "weather")}, filepath.Join(cwd, "bin", "weather"), nil},
	} {
		var out, warn bytes.Buffer
		req := InstallRequest{Client: "cursor", Name: "w", Command: tc.command, DryRun: true, Home: home, GOOS: "linux", Cwd: cwd, Warn: &warn}
		if _, err := Install(req, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `"command": "`+tc.want+`"`) {
			t.Errorf("%v: installed\n%s\nwant command %s", tc.command, out.String(), tc.want)
		}
		for _, w := range tc.warnings {
			if !strings.Contains(warn.String(), w) {
				t.Errorf("%v: warnings %q lack %q", tc.command, warn.String(), w)
			}
		}
		if tc.warnings == nil && warn.Len() > 0 {
			t.Errorf("%v: unexpected warnings %q", tc.command, warn.String())
		}
	}
}
