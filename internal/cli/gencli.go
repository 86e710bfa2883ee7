package cli

import (
	"bytes"

	"os"
	"path/filepath"
	"strings"

	"github.com/mcpgen/mcpgen/internal/emit"
	"github.com/mcpgen/mcpgen/templates"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// CLIOptions configure GenerateCLI.
type CLIOptions struct {
	Name    string   // the command's name
	Module  string   // the module path of the generated module
	URL     string   // the server the CLI calls by default: a URL, or
	Command []string // a stdio command
	// MCPGenVersion is the mcpgen module version the CLI requires;
	// MCPGenDir, when set, replaces it with a local checkout.
	MCPGenVersion, MCPGenDir string
}

// CLISpec turns a catalogue's tools into the generated CLI's description:
// one subcommand per tool, one typed flag per argument, both named by
// emit.CLINames (kebab-case).
func CLISpec(tools []*mcp.Tool, server *mcp.Implementation, o CLIOptions) *emit.CLISpec {
	spec := &emit.CLISpec{Name: o.Name, URL: o.URL, Command: o.Command}
	if server != nil {
		spec.Server = server.Name + " " + server.Version
	}
	for _, t := range tools {
		in := parseSchema(t.InputSchema)
		req := map[string]bool{}
		for _, r := range in.Required {
			req[r] = true
		}
		ct := emit.CLITool{Name: t.Name, Version: listedVersion(t.Meta), Description: t.Description}
		args := in.names()
		flags := emit.CLINames(args)
		for i, name := range args {
			p := in.Properties[name]
			fl := emit.CLIFlag{Arg: name, Flag: flags[i], Required: req[name], Default: p.Default, Description: oneLine(p.Description)}
			fl.Kind = flagKind(p)
			if fl.Kind == "string" {
				for _, e := range p.Enum {
					if s, ok := e.(string); ok {
						fl.Enum = append(fl.Enum, s)
					}
				}
			}
			ct.Flags = append(ct.Flags, fl)
		}
		spec.Tools = append(spec.Tools, ct)
	}
	names := make([]string, len(spec.Tools))
	for i, t := range spec.Tools {
		names[i] = t.Name
	}
	for i, c := range emit.CLINames(names) {
		spec.Tools[i].Command = c
	}
	return spec
}

// listedVersion returns the version an mcpgen server lists a component at,
// in its _meta ({"mcpgen": {"version": "2.0"}}), or "".
func listedVersion(meta map[string]any) string {
	m, _ := meta["mcpgen"].(map[string]any)
	v, _ := m["version"].(string)
	return v
}

// flagKind chooses a flag type for a schema: scalars and lists of scalars
// get typed flags, everything else is given as JSON.
func flagKind(p *schemaNode) string {
	ts := p.types()
	var main []string
	for _, t := range ts {
		if t != "null" {
			main = append(main, t)
		}
	}
	if len(main) != 1 {
		if len(p.Enum) > 0 {
			return "string"
		}
		return "json"
	}
	switch main[0] {
	case "string":
		return "string"
	case "integer":
		return "int"
	case "number":
		return "float"
	case "boolean":
		return "bool"
	case "array":
		if p.Items != nil {
			switch flagKind(p.Items) {
			case "string":
				return "strings"
			case "int":
				return "ints"
			case "float":
				return "floats"
			}
		}
	}
	return "json"
}

// GenerateCLI writes a standalone Go module for the CLI into dir: main.go
// (generated with jennifer), go.mod and README.md (from templates/).
func GenerateCLI(spec *emit.CLISpec, dir string, o CLIOptions) ([]string, error) {
	src, err := emit.CLIFile(spec)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	target := o.URL
	if target == "" {
		target = "`" + strings.Join(o.Command, " ") + "` (over stdio)"
	}
	var examples []string
	for _, t := range spec.Tools {
		ex := t.Command
		for _, f := range t.Flags {
			if f.Required {
				ex += " --" + f.Flag + " " + exampleValue(f)
			}
		}
		examples = append(examples, ex)
		if len(examples) == 3 {
			break
		}
	}
	type tool struct{ Command, Name, Description string }
	var tools []tool
	for _, t := range spec.Tools {
		tools = append(tools, tool{t.Command, t.Name, oneLine(t.Description)})
	}
	version := o.MCPGenVersion
	if version == "" {
		version = "v0.0.0"
	}
	data := map[string]any{
		"Name": spec.Name, "Module": o.Module, "Server": spec.Server, "Target": target, "Tools": tools, "Examples": examples,
		"EnvPrefix": strings.ToUpper(strings.ReplaceAll(emit.FlagName(spec.Name), "-", "_")), "MCPGenVersion": version, "MCPGenDir": o.MCPGenDir,
	}
	files := map[string][]byte{"main.go": src}
	for name, tmpl := range map[string]string{"go.mod": "go.mod.tmpl", "README.md": "README.md.tmpl"} {
		var b bytes.Buffer
		if err := templates.CLI.ExecuteTemplate(&b, tmpl, data); err != nil {
			return nil, err
		}
		files[name] = b.Bytes()
	}
	var written []string
	for _, name := range []string{"go.mod", "main.go", "README.md"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return nil, err
		}
		written = append(written, path)
	}
	return written, nil
}

func exampleValue(f emit.CLIFlag) string {
	if len(f.Enum) > 0 {
		return f.Enum[0]
	}
	switch f.Kind {
	case "int", "float":
		return "1"
	case "bool":
		return "true"
	case "json":
		return "'{}'"
	}
	return "VALUE"
}
