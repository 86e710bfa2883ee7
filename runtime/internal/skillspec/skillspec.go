// Package skillspec holds what the server and the client side of the
// skills extension (SEP-2640, io.modelcontextprotocol/skills) share: the
// Agent Skills naming rules, SKILL.md front matter rendered as JSON, the
// digest format, the per-skill limits and the wire types of skills/list,
// skills/get and resources/directory/read.
//
// The extension: https://github.com/modelcontextprotocol/ext-skills
// (specification/stable/skills.mdx). The skill format:
// https://agentskills.io/specification.
package skillspec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"gopkg.in/yaml.v3"
)

// The extension's identifiers.
const (
	ExtensionID         = "io.modelcontextprotocol/skills"
	MethodList          = "skills/list"
	MethodGet           = "skills/get"
	MethodReadDirectory = "resources/directory/read"
	// SkillFile is the file every skill has at its root.
	SkillFile = "SKILL.md"
	// Scheme is the URI scheme skills are served under.
	Scheme = "skill://"
	// DirectoryMIME is the MIME type of a directory resource.
	DirectoryMIME = "inode/directory"
)

// The per-skill limits of the extension ("Limits"): hosts must accept
// skills up to them, and servers should not serve larger ones.
const (
	MaxFiles = 512
	MaxBytes = 16 << 20 // the sum of the files' sizes
)

// MaxDescription is the longest description the Agent Skills
// specification allows, in characters.
const MaxDescription = 1024

// ValidName reports why name is not a valid skill name under the Agent
// Skills rules: 1 to 64 characters, lowercase letters, digits and hyphens,
// with no hyphen first, last or twice in a row.
func ValidName(name string) error {
	switch {
	case name == "":
		return errors.New("the name is empty")
	case len(name) > 64:
		return fmt.Errorf("name %q is longer than 64 characters", name)
	case name[0] == '-' || name[len(name)-1] == '-':
		return fmt.Errorf("name %q starts or ends with a hyphen", name)
	case strings.Contains(name, "--"):
		return fmt.Errorf("name %q has two hyphens in a row", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("name %q has %q: only lowercase letters, digits and hyphens are allowed", name, c)
		}
	}
	return nil
}

// Digest returns the digest of b as the extension writes it:
// "sha256:" and 64 lowercase hexadecimal digits.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// SplitFrontmatter returns the YAML between the opening "---" line of a
// SKILL.md (after an optional byte order mark) and the next "---" line,
// and false if the file does not begin with front matter.
func SplitFrontmatter(data []byte) ([]byte, bool) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 || string(bytes.TrimSuffix(data[:nl], []byte("\r"))) != "---" {
		return nil, false
	}
	rest := data[nl+1:]
	for off := 0; ; {
		i := bytes.IndexByte(rest[off:], '\n')
		line := rest[off:]
		if i >= 0 {
			line = rest[off : off+i]
		}
		if strings.TrimRight(string(line), " \t\r") == "---" {
			y := bytes.TrimSuffix(rest[:off], []byte("\n"))
			return bytes.TrimSuffix(y, []byte("\r")), true
		}
		if i < 0 {
			return nil, false
		}
		off += i + 1
	}
}

// Frontmatter is a SKILL.md's front matter: the JSON object the YAML
// renders to, keys in the author's order, and its name and description.
type Frontmatter struct {
	JSON        json.RawMessage
	Name        string
	Description string
}

// maxNodes bounds the YAML nodes one front matter may expand to (aliases
// included), so that an alias bomb is refused rather than rendered.
const maxNodes = 100_000

// ParseFrontmatter parses the front matter of a SKILL.md. It fails if the
// file has none, if the YAML is not a mapping, or if name or description
// is missing or not a non-empty string. Scalars keep their YAML 1.2
// meaning (numbers, booleans, null), except that timestamps and values
// JSON cannot hold (.inf, .nan) stay the strings the author wrote.
func ParseFrontmatter(data []byte) (*Frontmatter, error) {
	y, ok := SplitFrontmatter(data)
	if !ok {
		return nil, errors.New("SKILL.md does not begin with YAML front matter between --- lines")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(y, &doc); err != nil {
		return nil, fmt.Errorf("front matter: %v", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("front matter is not a YAML mapping")
	}
	r := renderer{budget: maxNodes}
	js, err := r.render(nil, doc.Content[0], 0)
	if err != nil {
		return nil, fmt.Errorf("front matter: %v", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(js, &fields); err != nil {
		return nil, fmt.Errorf("front matter: %v", err)
	}
	fm := &Frontmatter{JSON: js}
	fm.Name, _ = fields["name"].(string)
	fm.Description, _ = fields["description"].(string)
	if fm.Name == "" {
		return nil, errors.New("front matter has no name (a non-empty string)")
	}
	if fm.Description == "" {
		return nil, errors.New("front matter has no description (a non-empty string)")
	}
	return fm, nil
}

type renderer struct{ budget int }

// render appends the JSON of n to b.
func (r *renderer) render(b []byte, n *yaml.Node, depth int) ([]byte, error) {
	r.budget--
	if r.budget < 0 {
		return nil, errors.New("the YAML expands to too many values")
	}
	if depth > 100 {
		return nil, errors.New("the YAML is nested too deeply")
	}
	switch n.Kind {
	case yaml.AliasNode:
		return r.render(b, n.Alias, depth+1)
	case yaml.MappingNode:
		b = append(b, '{')
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			for k.Kind == yaml.AliasNode {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key is not a scalar", k.Line)
			}
			if k.ShortTag() == "!!merge" {
				return nil, fmt.Errorf("line %d: merge keys (<<) are not supported", k.Line)
			}
			if seen[k.Value] {
				return nil, fmt.Errorf("line %d: key %q appears twice", k.Line, k.Value)
			}
			seen[k.Value] = true
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k.Value)
			b = append(b, ':')
			var err error
			if b, err = r.render(b, v, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case yaml.SequenceNode:
		b = append(b, '[')
		for i, v := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = r.render(b, v, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case yaml.ScalarNode:
		return appendScalar(b, n), nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// appendScalar appends the JSON of a scalar: a number, boolean or null by
// its resolved tag, and otherwise the string the author wrote.
func appendScalar(b []byte, n *yaml.Node) []byte {
	switch n.ShortTag() {
	case "!!null":
		return append(b, "null"...)
	case "!!bool":
		var v bool
		if n.Decode(&v) == nil {
			return strconv.AppendBool(b, v)
		}
	case "!!int":
		var v int64
		if n.Decode(&v) == nil {
			return strconv.AppendInt(b, v, 10)
		}
		var u uint64
		if n.Decode(&u) == nil {
			return strconv.AppendUint(b, u, 10)
		}
	case "!!float":
		var v float64
		if n.Decode(&v) == nil {
			if js, err := json.Marshal(v); err == nil { // not .inf or .nan
				return append(b, js...)
			}
		}
	}
	return appendString(b, n.Value)
}

func appendString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	js, _ := json.Marshal(s)
	return append(b, js...)
}

// The wire types. Entries decode a "dynamic" resources field as Dynamic.

// Resource is one file of a skill entry.
type Resource struct {
	URI    string `json:"uri"`
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// Entry is the entry of one skill in skills/list and skills/get.
type Entry struct {
	URI         string          `json:"uri"`
	Frontmatter json.RawMessage `json:"frontmatter"`
	Resources   Resources       `json:"resources"`
}

// Resources is an entry's files, or Dynamic when the server publishes no
// stable digests.
type Resources struct {
	Files   []Resource
	Dynamic bool
	// Set reports that the field was present when decoded.
	Set bool
}

// MarshalJSON writes the files, or "dynamic".
func (r Resources) MarshalJSON() ([]byte, error) {
	if r.Dynamic {
		return []byte(`"dynamic"`), nil
	}
	if r.Files == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(r.Files)
}

// UnmarshalJSON reads an array of files or the string "dynamic", and
// refuses anything else, as the extension requires.
func (r *Resources) UnmarshalJSON(b []byte) error {
	*r = Resources{Set: true}
	if string(bytes.TrimSpace(b)) == `"dynamic"` {
		r.Dynamic = true
		return nil
	}
	if len(bytes.TrimSpace(b)) == 0 || bytes.TrimSpace(b)[0] != '[' {
		return fmt.Errorf(`resources is %s, neither an array nor "dynamic"`, b)
	}
	return json.Unmarshal(b, &r.Files)
}

// ListParams are the params of skills/list.
type ListParams struct {
	mcp.ParamsBase
	Cursor string `json:"cursor,omitempty"`
}

// Cacheable are the fields of a cacheable 2026-07-28 result.
type Cacheable struct {
	ResultType string `json:"resultType,omitempty"`
	TTLMs      int64  `json:"ttlMs"`
	CacheScope string `json:"cacheScope"`
}

// ListResult is the result of skills/list.
type ListResult struct {
	mcp.ResultBase
	Cacheable
	Skills     []Entry `json:"skills"`
	NextCursor string  `json:"nextCursor,omitempty"`
}

// GetParams are the params of skills/get.
type GetParams struct {
	mcp.ParamsBase
	URI string `json:"uri"`
}

// GetResult is the result of skills/get.
type GetResult struct {
	mcp.ResultBase
	Cacheable
	Skill *Entry `json:"skill"`
}

// DirectoryParams are the params of resources/directory/read.
type DirectoryParams struct {
	mcp.ParamsBase
	URI    string `json:"uri"`
	Cursor string `json:"cursor,omitempty"`
}

// DirectoryResult is the result of resources/directory/read.
type DirectoryResult struct {
	mcp.ResultBase
	ResultType string          `json:"resultType,omitempty"`
	Resources  []*mcp.Resource `json:"resources"`
	NextCursor string          `json:"nextCursor,omitempty"`
}
