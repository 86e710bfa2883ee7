// Package check implements `mcpgen check` and `mcpgen lock`: the CI gate
// that fails when generated files are stale, when a generated schema is not
// valid JSON Schema 2020-12, or when a component's contract changed
// incompatibly without a version bump, compared with the committed
// mcp.lock.json.
package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/mcpgen/mcpgen/internal/model"
	"github.com/mcpgen/mcpgen/internal/schema"
)

// LockName is the lock file's name, one beside each generated package.
const LockName = "mcp.lock.json"

// Lock records the contract of a package's components: what clients depend
// on, and what must not change incompatibly without a new version.
type Lock struct {
	// Format is the lock file format version.
	Format  int    `json:"format"`
	Package string `json:"package"`
	// Tools by "name" or "name@version".
	Tools map[string]ToolContract `json:"tools,omitempty"`
	// Prompts by "name" or "name@version".
	Prompts map[string]PromptContract `json:"prompts,omitempty"`
	// Resources by URI or URI template (with "@version" when versioned).
	Resources map[string]ResourceContract `json:"resources,omitempty"`
}

// ToolContract is a tool's input and output schemas.
type ToolContract struct {
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output,omitempty"`
}

// PromptContract is a prompt's arguments.
type PromptContract struct {
	Arguments []PromptArg `json:"arguments,omitempty"`
}

// PromptArg is one prompt argument.
type PromptArg struct {
	Name     string `json:"name"`
	Required bool   `json:"required,omitempty"`
}

// ResourceContract is a resource's MIME type.
type ResourceContract struct {
	MIMEType string `json:"mimeType,omitempty"`
}

func key(name, version string) string {
	if version == "" {
		return name
	}
	return name + "@" + version
}

// LockOf computes the lock of a package.
func LockOf(pkg *model.Package) *Lock {
	l := &Lock{Format: 1, Package: pkg.Path, Tools: map[string]ToolContract{}, Prompts: map[string]PromptContract{}, Resources: map[string]ResourceContract{}}
	for _, t := range pkg.Tools {
		c := ToolContract{Input: schema.ForInput(t.Input)}
		if r := t.Func.Result; r != nil && r.Kind == model.ResultStructured && r.Type != nil {
			c.Output = schema.ForOutput(r.Type)
		}
		l.Tools[key(t.Name, t.Version)] = c
	}
	for _, p := range pkg.Prompts {
		var args []PromptArg
		for _, a := range p.Args {
			args = append(args, PromptArg{Name: a.Name, Required: a.Required})
		}
		l.Prompts[key(p.Name, p.Version)] = PromptContract{Arguments: args}
	}
	for _, r := range pkg.Resources {
		l.Resources[key(r.URI, r.Version)] = ResourceContract{MIMEType: r.MIME}
	}
	return l
}

// Marshal returns the lock file's bytes: indented, with sorted keys, so
// that diffs of the committed file are readable.
func (l *Lock) Marshal() ([]byte, error) {
	js, err := json.Marshal(l)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, js, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// ReadLock reads the lock file in dir; it returns nil, nil when there is
// none.
func ReadLock(dir string) (*Lock, []byte, error) {
	path := filepath.Join(dir, LockName)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var l Lock
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	if l.Format != 1 {
		return nil, nil, fmt.Errorf("%s: unsupported lock format %d (this mcpgen writes 1)", path, l.Format)
	}
	return &l, data, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
