package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Version is mcpgen's version, reported as the client version.
var Version = "dev"

// schemaNode is the part of a JSON Schema the CLI reads.
type schemaNode struct {
	Type        any                    `json:"type"`
	Description string                 `json:"description"`
	Properties  map[string]*schemaNode `json:"properties"`
	Required    []string               `json:"required"`
	Items       *schemaNode            `json:"items"`
	Enum        []any                  `json:"enum"`
	Default     any                    `json:"default"`
	Minimum     *float64               `json:"minimum"`
	Maximum     *float64               `json:"maximum"`
	AnyOf       []*schemaNode          `json:"anyOf"`
	OneOf       []*schemaNode          `json:"oneOf"`
	Const       any                    `json:"const"`
	// AdditionalProperties is a schema, or true or false.
	AdditionalProperties json.RawMessage `json:"additionalProperties"`
	order                []string
}

// additional returns the schema of an object's additional properties, or
// nil when it has none (absent, true or false).
func (n *schemaNode) additional() *schemaNode {
	if len(n.AdditionalProperties) == 0 || n.AdditionalProperties[0] != '{' {
		return nil
	}
	return parseSchema(n.AdditionalProperties)
}

// parseSchema decodes a schema given as any JSON-encodable value, keeping
// the order of its properties as written.
func parseSchema(v any) *schemaNode {
	js, err := json.Marshal(v)
	if err != nil {
		return &schemaNode{}
	}
	var n schemaNode
	if json.Unmarshal(js, &n) != nil {
		return &schemaNode{}
	}
	n.order = propertyOrder(js)
	return &n
}

// propertyOrder returns the keys of the top-level "properties" object in
// document order.
func propertyOrder(js []byte) []string {
	dec := json.NewDecoder(strings.NewReader(string(js)))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil
		}
		if k != "properties" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil
		}
		var keys []string
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return keys
			}
			keys = append(keys, fmt.Sprint(k))
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return keys
			}
		}
		return keys
	}
	return nil
}

// names returns the properties, required ones first, each group in
// document order (clients that decode schemas into maps lose that order,
// and then it is alphabetical).
func (n *schemaNode) names() []string {
	out := n.order
	if len(out) != len(n.Properties) {
		out = make([]string, 0, len(n.Properties))
		for k := range n.Properties {
			out = append(out, k)
		}
		sort.Strings(out)
	}
	req := map[string]bool{}
	for _, r := range n.Required {
		req[r] = true
	}
	out = append([]string(nil), out...)
	sort.SliceStable(out, func(i, j int) bool { return req[out[i]] && !req[out[j]] })
	return out
}

func (n *schemaNode) types() []string {
	switch t := n.Type.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, v := range t {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	return nil
}

// typeString renders a schema as a short type: string, integer, []string,
// "a"|"b", object, any.
func (n *schemaNode) typeString() string {
	if n == nil {
		return "any"
	}
	if len(n.Enum) > 0 {
		var parts []string
		for _, e := range n.Enum {
			b, _ := json.Marshal(e)
			parts = append(parts, string(b))
		}
		return strings.Join(parts, "|")
	}
	if alts := append(n.AnyOf, n.OneOf...); len(alts) > 0 {
		var parts []string
		for _, a := range alts {
			if a.Const != nil {
				b, _ := json.Marshal(a.Const)
				parts = append(parts, string(b))
			} else {
				parts = append(parts, a.typeString())
			}
		}
		return strings.Join(parts, "|")
	}
	ts := n.types()
	if len(ts) == 0 {
		return "any"
	}
	var parts []string
	for _, t := range ts {
		if t == "array" {
			t = "[]" + n.Items.typeString()
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, "|")
}

// Signature renders a tool as name(arg: type, opt?: type = default) -> result.
func Signature(t *mcp.Tool) string {
	in := parseSchema(t.InputSchema)
	req := map[string]bool{}
	for _, r := range in.Required {
		req[r] = true
	}
	var args []string
	for _, name := range in.names() {
		p := in.Properties[name]
		a := name
		if !req[name] {
			a += "?"
		}
		a += ": " + p.typeString()
		if p.Default != nil {
			b, _ := json.Marshal(p.Default)
			a += " = " + string(b)
		}
		args = append(args, a)
	}
	sig := t.Name + "(" + strings.Join(args, ", ") + ")"
	if t.OutputSchema != nil {
		out := parseSchema(t.OutputSchema)
		if len(out.Properties) > 0 {
			sig += " -> {" + strings.Join(out.names(), ", ") + "}"
		} else {
			sig += " -> " + out.typeString()
		}
	}
	return sig
}

// PrintTool writes a tool's signature, description and arguments.
func PrintTool(w io.Writer, t *mcp.Tool) {
	fmt.Fprintln(w, Signature(t))
	if d := strings.TrimSpace(t.Description); d != "" {
		for _, line := range strings.Split(d, "\n") {
			fmt.Fprintln(w, "    "+line)
		}
	}
	in := parseSchema(t.InputSchema)
	req := map[string]bool{}
	for _, r := range in.Required {
		req[r] = true
	}
	width := 0
	for _, name := range in.names() {
		width = max(width, len(name))
	}
	for _, name := range in.names() {
		p := in.Properties[name]
		mark := "          "
		if req[name] {
			mark = "required  "
		}
		desc := p.Description
		var extra []string
		if p.Minimum != nil {
			extra = append(extra, fmt.Sprintf("min %v", *p.Minimum))
		}
		if p.Maximum != nil {
			extra = append(extra, fmt.Sprintf("max %v", *p.Maximum))
		}
		if len(extra) > 0 {
			desc = strings.TrimSpace(desc + " (" + strings.Join(extra, ", ") + ")")
		}
		fmt.Fprintf(w, "      %-*s  %s%s\n", width, name, mark, desc)
	}
}
