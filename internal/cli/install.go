package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// InstallClients are the clients Install can add a server to.
var InstallClients = []string{"claude-code", "claude-desktop", "cursor", "gemini-cli", "goose"}

// InstallRequest describes the server to add.
type InstallRequest struct {
	Client  string
	Name    string
	Command []string // a stdio server, or
	URL     string   // a streamable HTTP server
	Env     map[string]string
	Force   bool // replace an existing entry of the same name
	DryRun  bool // print the change instead of writing it
	// Home and GOOS locate the config file; empty means the current
	// user's.
	Home, GOOS string
	// Cwd is the directory a relative command is relative to; empty means
	// the current one.
	Cwd string
	// Warn receives warnings about the command (nil: the writer given to
	// Install).
	Warn io.Writer
}

// Install adds the server to the client's config file. It keeps every
// existing entry, in order, writes a backup of the previous file beside
// it (FILE.mcpgen.bak), refuses to replace an entry of the same name
// unless Force, and with DryRun only prints what it would add. It returns
// the config file's path.
//
// A client starts a stdio server in a directory of its own, so a command
// given as a relative path (./bin/weather) is made absolute, and Install
// warns about a command not found on PATH and about arguments that are
// relative paths (go run ./examples/weather).
func Install(req InstallRequest, w io.Writer) (string, error) {
	if (len(req.Command) == 0) == (req.URL == "") {
		return "", errors.New("give either a command after -- or --url")
	}
	if req.Name == "" {
		return "", errors.New("the server needs a name")
	}
	if len(req.Command) > 0 {
		warn := req.Warn
		if warn == nil {
			warn = w
		}
		cmd, err := absoluteCommand(req.Command, req.Cwd, warn)
		if err != nil {
			return "", err
		}
		req.Command = cmd
	}
	home, goos := req.Home, req.GOOS
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if goos == "" {
		goos = hostOS()
	}
	appSupport := filepath.Join(home, ".config")
	if goos == "darwin" {
		appSupport = filepath.Join(home, "Library", "Application Support")
	}
	var path string
	var entry []kv
	stdio := len(req.Command) > 0
	env := envKVs(req.Env)
	switch req.Client {
	case "claude-desktop":
		if !stdio {
			return "", errors.New("Claude Desktop's config takes only stdio servers; for a URL use a bridge command, e.g. -- npx mcp-remote URL")
		}
		path = filepath.Join(appSupport, "Claude", "claude_desktop_config.json")
		entry = stdioEntry(req.Command, env, "")
	case "cursor":
		path = filepath.Join(home, ".cursor", "mcp.json")
		entry = urlOrStdio(req, env, "url", "")
	case "gemini-cli":
		path = filepath.Join(home, ".gemini", "settings.json")
		entry = urlOrStdio(req, env, "httpUrl", "")
	case "claude-code":
		path = filepath.Join(home, ".claude.json")
		if stdio {
			entry = stdioEntry(req.Command, env, "stdio")
		} else {
			entry = []kv{{"type", "http"}, {"url", req.URL}}
		}
	case "goose":
		path = filepath.Join(home, ".config", "goose", "config.yaml")
		return path, installGoose(path, req, w)
	default:
		return "", fmt.Errorf("unknown client %q (want one of %s)", req.Client, strings.Join(InstallClients, ", "))
	}
	return path, installJSON(path, req, entry, w)
}

// absoluteCommand returns argv with a command given as a relative path made
// absolute (against cwd, or the current directory), saying so on warn, and
// warns about what a client starting it elsewhere would not find.
func absoluteCommand(argv []string, cwd string, warn io.Writer) ([]string, error) {
	out := append([]string(nil), argv...)
	cmd := out[0]
	switch {
	case filepath.IsAbs(cmd):
		if _, err := os.Stat(cmd); err != nil {
			fmt.Fprintf(warn, "warning: %s does not exist (yet?)\n", cmd)
		}
	case strings.ContainsRune(cmd, filepath.Separator) || strings.ContainsRune(cmd, '/'):
		if cwd == "" {
			var err error
			if cwd, err = os.Getwd(); err != nil {
				return nil, err
			}
		}
		abs := filepath.Join(cwd, cmd)
		out[0] = abs
		fmt.Fprintf(warn, "note: the command %s is installed as %s: a client starts the server in a directory of its own\n", cmd, abs)
		if _, err := os.Stat(abs); err != nil {
			fmt.Fprintf(warn, "warning: %s does not exist (yet?)\n", abs)
		}
	default:
		if _, err := exec.LookPath(cmd); err != nil {
			fmt.Fprintf(warn, "warning: %s is not on this PATH; the client looks for it on its own PATH (give an absolute path to be sure)\n", cmd)
		}
	}
	for _, a := range out[1:] {
		if a == "." || a == ".." || strings.HasPrefix(a, "./") || strings.HasPrefix(a, "../") {
			fmt.Fprintf(warn, "warning: the argument %s is a relative path, but a client starts the server in a directory of its own; give an absolute path, or build a binary (go build -o ~/bin/NAME ./pkg) and install that\n", a)
		}
	}
	return out, nil
}

func urlOrStdio(req InstallRequest, env []kv, urlKey, typ string) []kv {
	if len(req.Command) > 0 {
		return stdioEntry(req.Command, env, typ)
	}
	return []kv{{urlKey, req.URL}}
}

func stdioEntry(argv []string, env []kv, typ string) []kv {
	var e []kv
	if typ != "" {
		e = append(e, kv{"type", typ})
	}
	args := make([]any, 0, len(argv)-1)
	for _, a := range argv[1:] {
		args = append(args, a)
	}
	e = append(e, kv{"command", argv[0]}, kv{"args", args})
	if len(env) > 0 {
		e = append(e, kv{"env", object(env)})
	}
	return e
}

func envKVs(env map[string]string) []kv {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []kv
	for _, k := range keys {
		out = append(out, kv{k, env[k]})
	}
	return out
}

// installJSON adds entry under "mcpServers" in the JSON file at path.
func installJSON(path string, req InstallRequest, entry []kv, w io.Writer) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	root := object(nil)
	if len(bytes.TrimSpace(old)) > 0 {
		v, err := decodeOrdered(old)
		if err != nil {
			return fmt.Errorf("%s is not valid JSON (%v); fix it or move it away first", path, err)
		}
		var ok bool
		if root, ok = v.(object); !ok {
			return fmt.Errorf("%s does not hold a JSON object", path)
		}
	}
	servers, _ := root.get("mcpServers").(object)
	if servers == nil && root.has("mcpServers") {
		return fmt.Errorf("%s: mcpServers is not an object", path)
	}
	if servers.has(req.Name) && !req.Force {
		return fmt.Errorf("%s already has a server named %q; use --force to replace it", path, req.Name)
	}
	servers = servers.set(req.Name, object(entry))
	root = root.set("mcpServers", servers)
	var out bytes.Buffer
	encodeOrdered(&out, root, "")
	out.WriteByte('\n')
	if req.DryRun {
		var e bytes.Buffer
		encodeOrdered(&e, object([]kv{{req.Name, object(entry)}}), "")
		fmt.Fprintf(w, "would add to mcpServers in %s:\n%s\n", path, e.String())
		return nil
	}
	return writeWithBackup(path, old, out.Bytes(), w)
}

// installGoose adds an extension to Goose's YAML config, keeping the rest
// of the document (and its order and comments) as it is.
func installGoose(path string, req InstallRequest, w io.Writer) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var doc yaml.Node
	if len(bytes.TrimSpace(old)) > 0 {
		if err := yaml.Unmarshal(old, &doc); err != nil {
			return fmt.Errorf("%s is not valid YAML (%v); fix it or move it away first", path, err)
		}
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s does not hold a mapping", path)
	}
	ext := mappingValue(root, "extensions")
	if ext == nil {
		ext = &yaml.Node{Kind: yaml.MappingNode}
		root.Content = append(root.Content, scalar("extensions"), ext)
	}
	var entry yaml.Node
	e := map[string]any{"name": req.Name, "enabled": true, "timeout": 300}
	if len(req.Command) > 0 {
		e["type"], e["cmd"], e["args"] = "stdio", req.Command[0], req.Command[1:]
		e["envs"] = req.Env
		if req.Env == nil {
			e["envs"] = map[string]string{}
		}
	} else {
		e["type"], e["uri"] = "streamable_http", req.URL
	}
	if err := entry.Encode(e); err != nil {
		return err
	}
	if existing := mappingValue(ext, req.Name); existing != nil {
		if !req.Force {
			return fmt.Errorf("%s already has an extension named %q; use --force to replace it", path, req.Name)
		}
		*existing = entry
	} else {
		ext.Content = append(ext.Content, scalar(req.Name), &entry)
	}
	if req.DryRun {
		out, _ := yaml.Marshal(map[string]any{req.Name: e})
		fmt.Fprintf(w, "would add to extensions in %s:\n%s", path, out)
		return nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	return writeWithBackup(path, old, buf.Bytes(), w)
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// writeWithBackup saves old as PATH.mcpgen.bak (when there was a file) and
// then writes data to path atomically.
func writeWithBackup(path string, old, data []byte, w io.Writer) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if old != nil {
		if err := os.WriteFile(path+".mcpgen.bak", old, 0o600); err != nil {
			return fmt.Errorf("writing backup: %w", err)
		}
	}
	tmp := path + ".mcpgen.tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if old != nil {
		fmt.Fprintf(w, "updated %s (backup: %s.mcpgen.bak)\n", path, path)
	} else {
		fmt.Fprintf(w, "created %s\n", path)
	}
	return nil
}

// Ordered JSON: objects keep their members in document order.

type kv struct {
	k string
	v any
}

type object []kv

func (o object) get(k string) any {
	for _, m := range o {
		if m.k == k {
			return m.v
		}
	}
	return nil
}

func (o object) has(k string) bool {
	for _, m := range o {
		if m.k == k {
			return true
		}
	}
	return false
}

// set replaces k's value in place, or appends k.
func (o object) set(k string, v any) object {
	for i, m := range o {
		if m.k == k {
			o[i].v = v
			return o
		}
	}
	return append(o, kv{k, v})
}

func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the top-level value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		o := object{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			o = append(o, kv{k.(string), v})
		}
		_, err := dec.Token()
		return o, err
	case json.Delim('['):
		a := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.Token()
		return a, err
	}
	return t, nil
}

func encodeOrdered(b *bytes.Buffer, v any, ind string) {
	switch v := v.(type) {
	case object:
		if len(v) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, m := range v {
			b.WriteString(ind + "  ")
			k, _ := json.Marshal(m.k)
			b.Write(k)
			b.WriteString(": ")
			encodeOrdered(b, m.v, ind+"  ")
			if i < len(v)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(ind + "}")
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range v {
			b.WriteString(ind + "  ")
			encodeOrdered(b, e, ind+"  ")
			if i < len(v)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(ind + "]")
	default:
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		b.Truncate(b.Len() - 1) // Encode's newline
	}
}
