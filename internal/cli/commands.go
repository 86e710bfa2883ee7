package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ErrFailed marks a command that already reported why it failed (a tool
// error result): the caller exits non-zero without printing more.
var ErrFailed = errors.New("failed")

// ListOptions choose what List prints.
type ListOptions struct {
	Tools, Resources, Templates, Prompts bool
	JSON                                 bool
}

// Catalogue is everything a server lists, all pages followed.
type Catalogue struct {
	Tools             []*mcp.Tool             `json:"tools,omitempty"`
	Resources         []*mcp.Resource         `json:"resources,omitempty"`
	ResourceTemplates []*mcp.ResourceTemplate `json:"resourceTemplates,omitempty"`
	Prompts           []*mcp.Prompt           `json:"prompts,omitempty"`
}

// Fetch lists what o asks for, following every pagination cursor; lists
// the server has no capability for are skipped.
func Fetch(ctx context.Context, s *Session, o ListOptions) (*Catalogue, error) {
	caps := s.InitializeResult().Capabilities
	c := &Catalogue{}
	if o.Tools && caps.Tools != nil {
		for t, err := range s.Tools(ctx, nil) {
			if err != nil {
				return nil, fmt.Errorf("tools/list: %w", err)
			}
			c.Tools = append(c.Tools, t)
		}
	}
	if o.Resources && caps.Resources != nil {
		for r, err := range s.Resources(ctx, nil) {
			if err != nil {
				return nil, fmt.Errorf("resources/list: %w", err)
			}
			c.Resources = append(c.Resources, r)
		}
	}
	if o.Templates && caps.Resources != nil {
		for r, err := range s.ResourceTemplates(ctx, nil) {
			if err != nil {
				return nil, fmt.Errorf("resources/templates/list: %w", err)
			}
			c.ResourceTemplates = append(c.ResourceTemplates, r)
		}
	}
	if o.Prompts && caps.Prompts != nil {
		for p, err := range s.Prompts(ctx, nil) {
			if err != nil {
				return nil, fmt.Errorf("prompts/list: %w", err)
			}
			c.Prompts = append(c.Prompts, p)
		}
	}
	return c, nil
}

// List prints the server's catalogue for people, or as JSON.
func List(ctx context.Context, s *Session, o ListOptions, w io.Writer) error {
	c, err := Fetch(ctx, s, o)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(w, c)
	}
	sections := 0
	section := func(title string, n int) {
		if sections > 0 {
			fmt.Fprintln(w)
		}
		sections++
		fmt.Fprintf(w, "%s (%d)\n", title, n)
	}
	if o.Tools {
		section("Tools", len(c.Tools))
		for _, t := range c.Tools {
			fmt.Fprint(w, "  ")
			PrintTool(indent{w}, t)
		}
	}
	if o.Resources {
		section("Resources", len(c.Resources))
		for _, r := range c.Resources {
			fmt.Fprintf(w, "  %s  %s  %s\n", r.URI, r.MIMEType, oneLine(firstNonEmpty(r.Description, r.Name)))
		}
	}
	if o.Templates {
		section("Resource templates", len(c.ResourceTemplates))
		for _, r := range c.ResourceTemplates {
			fmt.Fprintf(w, "  %s  %s  %s\n", r.URITemplate, r.MIMEType, oneLine(firstNonEmpty(r.Description, r.Name)))
		}
	}
	if o.Prompts {
		section("Prompts", len(c.Prompts))
		for _, p := range c.Prompts {
			var args []string
			for _, a := range p.Arguments {
				if a.Required {
					args = append(args, a.Name)
				} else {
					args = append(args, a.Name+"?")
				}
			}
			fmt.Fprintf(w, "  %s(%s)  %s\n", p.Name, strings.Join(args, ", "), oneLine(p.Description))
		}
	}
	return nil
}

// indent prefixes every line after the first with two spaces.
type indent struct{ w io.Writer }

func (i indent) Write(p []byte) (int, error) {
	s := strings.ReplaceAll(string(p), "\n", "\n  ")
	s = strings.TrimSuffix(s, "  ")
	_, err := io.WriteString(i.w, s)
	return len(p), err
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// ParseArgs builds a tools/call arguments object from key=value pairs,
// coercing each value by the tool's input schema: numbers and booleans
// (true/false or yes/no) are parsed, arrays of scalars are comma lists
// (tags=home,garden) or JSON, objects are JSON, and strings stay as
// written. raw, when set, is a JSON object or @file holding one, that
// the pairs then extend.
func ParseArgs(schema any, pairs []string, raw string) (map[string]any, error) {
	args := map[string]any{}
	if raw != "" {
		data := []byte(raw)
		if name, ok := strings.CutPrefix(raw, "@"); ok {
			var err error
			if data, err = os.ReadFile(name); err != nil {
				return nil, fmt.Errorf("--args: %w", err)
			}
		}
		if err := json.Unmarshal(data, &args); err != nil {
			return nil, fmt.Errorf("--args: not a JSON object: %v", err)
		}
	}
	in := parseSchema(schema)
	for _, pair := range pairs {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("argument %q: want key=value", pair)
		}
		p := in.Properties[k]
		if p == nil && len(in.Properties) > 0 {
			return nil, fmt.Errorf("unknown argument %q (the tool takes: %s)", k, strings.Join(in.names(), ", "))
		}
		val, err := coerce(p, v)
		if err != nil {
			return nil, fmt.Errorf("argument %s: %v", k, err)
		}
		args[k] = val
	}
	return args, nil
}

func coerce(p *schemaNode, v string) (any, error) {
	var types []string
	if p != nil {
		types = p.types()
	}
	has := func(t string) bool {
		for _, x := range types {
			if x == t {
				return true
			}
		}
		return false
	}
	switch {
	case len(types) == 0:
		var x any
		if json.Unmarshal([]byte(v), &x) == nil {
			return x, nil
		}
		return v, nil
	case has("string"):
		return v, nil
	case has("integer"):
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", v)
		}
		return n, nil
	case has("number"):
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", v)
		}
		return f, nil
	case has("boolean"):
		b, ok := parseBool(v)
		if !ok {
			return nil, fmt.Errorf("%q is not a boolean (true/false, yes/no)", v)
		}
		return b, nil
	case has("array") && !strings.HasPrefix(strings.TrimSpace(v), "[") && scalarItems(p.Items):
		// A comma list, as generated CLIs take for a list flag: each item
		// coerced by the items' schema.
		out := []any{}
		if strings.TrimSpace(v) == "" {
			return out, nil
		}
		for i, item := range strings.Split(v, ",") {
			x, err := coerce(p.Items, strings.TrimSpace(item))
			if err != nil {
				return nil, fmt.Errorf("item %d: %v", i+1, err)
			}
			out = append(out, x)
		}
		return out, nil
	}
	var x any
	if err := json.Unmarshal([]byte(v), &x); err != nil {
		return nil, fmt.Errorf("%q is not JSON (%s expected)", v, strings.Join(types, " or "))
	}
	return x, nil
}

// parseBool reads a boolean as a person types it: true/false, yes/no, y/n,
// on/off, 1/0, in any case.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "t", "yes", "y", "on", "1":
		return true, true
	case "false", "f", "no", "n", "off", "0":
		return false, true
	}
	return false, false
}

// scalarItems reports whether an array's items are strings, numbers or
// booleans, so that a comma list can give them.
func scalarItems(items *schemaNode) bool {
	if items == nil {
		return false
	}
	if len(items.Enum) > 0 {
		return true
	}
	ts := items.types()
	if len(ts) == 0 {
		return false
	}
	for _, t := range ts {
		switch t {
		case "string", "integer", "number", "boolean", "null":
		default:
			return false
		}
	}
	return true
}

// MissingArgs returns the required arguments of schema that args lacks, in
// the order Signature shows them.
func MissingArgs(schema any, args map[string]any) []string {
	in := parseSchema(schema)
	req := map[string]bool{}
	for _, r := range in.Required {
		req[r] = true
	}
	var missing []string
	for _, name := range in.names() {
		if _, ok := args[name]; req[name] && !ok {
			missing = append(missing, name)
		}
	}
	// Required names the properties do not declare, last.
	for _, r := range in.Required {
		if _, declared := in.Properties[r]; !declared {
			if _, ok := args[r]; !ok {
				missing = append(missing, r)
			}
		}
	}
	return missing
}

// Nearest returns the candidate closest to name, for a "did you mean"
// hint, or "" when none is close: it compares case-insensitively, with
// '-' and '_' alike, and accepts an edit distance of up to a third of the
// name's length (at least 1).
func Nearest(name string, candidates []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	n := norm(name)
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(n, norm(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(1, len([]rune(n))/3) {
		return ""
	}
	return best
}

// editDistance is the number of single-rune insertions, deletions,
// substitutions and swaps of neighbours that turn a into b (optimal string
// alignment distance).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance between ra[:i] and rb[:j]; three rows suffice.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// CallOptions configure Call.
type CallOptions struct {
	JSON   bool
	OutDir string // where images, audio and blobs are saved
}

// Call calls a tool and prints its result: structured content as JSON,
// text as text, and binary content saved to files. A tool error result is
// printed to errw and returns ErrFailed.
func Call(ctx context.Context, s *Session, name string, args map[string]any, progressToken any, o CallOptions, w, errw io.Writer) error {
	params := &mcp.CallToolParams{Name: name, Arguments: args}
	if progressToken != nil {
		params.Meta = mcp.Meta{"progressToken": progressToken}
	}
	res, err := client.Call(ctx, s.ClientSession, params) // waits for a task tool's task
	if err != nil {
		return fmt.Errorf("tools/call %s: %w", name, err)
	}
	if o.JSON {
		if err := writeJSON(w, res); err != nil {
			return err
		}
		if res.IsError {
			return ErrFailed
		}
		return nil
	}
	if res.IsError {
		fmt.Fprintf(errw, "error: tool %s failed: %s\n", name, client.Text(res.Content))
		return ErrFailed
	}
	structured := ""
	if res.StructuredContent != nil {
		js, err := json.MarshalIndent(res.StructuredContent, "", "  ")
		if err != nil {
			return err
		}
		structured = string(js)
		fmt.Fprintln(w, structured)
	}
	return printContent(w, errw, res.Content, name, o.OutDir, res.StructuredContent)
}

// printContent prints text items (except the JSON copy of structured
// content) and saves binary items.
func printContent(w, errw io.Writer, cs []mcp.Content, base, outDir string, structured any) error {
	n := 0
	for _, c := range cs {
		switch c := c.(type) {
		case *mcp.TextContent:
			if structured != nil && sameJSON(c.Text, structured) {
				continue
			}
			fmt.Fprintln(w, c.Text)
		case *mcp.ImageContent:
			n++
			if err := save(errw, outDir, base, n, c.MIMEType, c.Data, "image"); err != nil {
				return err
			}
		case *mcp.AudioContent:
			n++
			if err := save(errw, outDir, base, n, c.MIMEType, c.Data, "audio"); err != nil {
				return err
			}
		case *mcp.EmbeddedResource:
			if r := c.Resource; r != nil {
				if r.Blob != nil {
					n++
					if err := save(errw, outDir, base, n, r.MIMEType, r.Blob, "resource "+r.URI); err != nil {
						return err
					}
				} else {
					fmt.Fprintf(w, "[resource %s]\n%s\n", r.URI, r.Text)
				}
			}
		case *mcp.ResourceLink:
			fmt.Fprintf(w, "[link %s] %s\n", c.URI, c.Name)
		}
	}
	return nil
}

func sameJSON(text string, v any) bool {
	var a any
	if json.Unmarshal([]byte(text), &a) != nil {
		return false
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(v)
	return string(x) == string(y)
}

// save writes binary content to OUTDIR/BASE-N.EXT and says so on errw.
func save(errw io.Writer, outDir, base string, n int, mimeType string, data []byte, what string) error {
	ext := ".bin"
	if exts, _ := mime.ExtensionsByType(mimeType); len(exts) > 0 {
		ext = exts[0]
	}
	switch mimeType {
	case "image/png":
		ext = ".png"
	case "image/jpeg":
		ext = ".jpg"
	case "audio/wav", "audio/x-wav":
		ext = ".wav"
	}
	if outDir == "" {
		outDir = "."
	}
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, base)
	path := filepath.Join(outDir, fmt.Sprintf("%s-%d%s", safe, n, ext))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(errw, "saved %s (%s, %d bytes) to %s\n", what, mimeType, len(data), path)
	return nil
}

// Read reads a resource and prints its text, or saves its binary contents.
func Read(ctx context.Context, s *Session, uri string, o CallOptions, w, errw io.Writer) error {
	res, err := s.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		return fmt.Errorf("resources/read %s: %w", uri, err)
	}
	if o.JSON {
		return writeJSON(w, res)
	}
	for i, c := range res.Contents {
		if c.Blob != nil {
			if err := save(errw, o.OutDir, "resource", i+1, c.MIMEType, c.Blob, "resource "+c.URI); err != nil {
				return err
			}
			continue
		}
		fmt.Fprint(w, c.Text)
		if !strings.HasSuffix(c.Text, "\n") {
			fmt.Fprintln(w)
		}
	}
	return nil
}

// Prompt gets a prompt with string arguments and prints its messages.
func Prompt(ctx context.Context, s *Session, name string, pairs []string, o CallOptions, w, errw io.Writer) error {
	args := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return fmt.Errorf("argument %q: want key=value", p)
		}
		args[k] = v
	}
	res, err := s.GetPrompt(ctx, &mcp.GetPromptParams{Name: name, Arguments: args})
	if err != nil {
		return fmt.Errorf("prompts/get %s: %w", name, err)
	}
	if o.JSON {
		return writeJSON(w, res)
	}
	for _, m := range res.Messages {
		fmt.Fprintf(w, "[%s]\n", m.Role)
		if err := printContent(w, errw, []mcp.Content{m.Content}, name, o.OutDir, nil); err != nil {
			return err
		}
	}
	return nil
}

// Inspect prints a summary of the server: info, the negotiated protocol
// version and the versions the server supports over this transport,
// capabilities and counts; with JSON, the full catalogue too.
func Inspect(ctx context.Context, s *Session, jsonOut bool, w io.Writer) error {
	init := s.InitializeResult()
	c, err := Fetch(ctx, s, ListOptions{Tools: true, Resources: true, Templates: true, Prompts: true})
	if err != nil {
		return err
	}
	supported, reported := s.SupportedVersions()
	if jsonOut {
		out := map[string]any{
			"serverInfo": init.ServerInfo, "protocolVersion": init.ProtocolVersion,
			"capabilities": init.Capabilities, "instructions": init.Instructions, "catalogue": c,
		}
		if reported {
			out["supportedVersions"] = supported
		}
		return writeJSON(w, out)
	}
	info := init.ServerInfo
	fmt.Fprintf(w, "Server:        %s %s\n", info.Name, info.Version)
	fmt.Fprintf(w, "Transport:     %s\n", s.Transport)
	fmt.Fprintf(w, "Protocol:      %s (negotiated)\n", init.ProtocolVersion)
	if reported {
		fmt.Fprintf(w, "Supported:     %s (over this transport)\n", strings.Join(supported, ", "))
	} else {
		fmt.Fprintf(w, "Supported:     not reported (the server does not answer server/discover)\n")
	}
	var caps []string
	cp := init.Capabilities
	if cp.Tools != nil {
		caps = append(caps, "tools")
	}
	if cp.Resources != nil {
		r := "resources"
		if cp.Resources.Subscribe {
			r += " (subscribe)"
		}
		caps = append(caps, r)
	}
	if cp.Prompts != nil {
		caps = append(caps, "prompts")
	}
	if cp.Logging != nil {
		caps = append(caps, "logging")
	}
	if cp.Completions != nil {
		caps = append(caps, "completions")
	}
	fmt.Fprintf(w, "Capabilities:  %s\n", strings.Join(caps, ", "))
	fmt.Fprintf(w, "Tools:         %d\n", len(c.Tools))
	fmt.Fprintf(w, "Resources:     %d\n", len(c.Resources))
	fmt.Fprintf(w, "Templates:     %d\n", len(c.ResourceTemplates))
	fmt.Fprintf(w, "Prompts:       %d\n", len(c.Prompts))
	if init.Instructions != "" {
		fmt.Fprintf(w, "Instructions:  %s\n", oneLine(init.Instructions))
	}
	return nil
}
