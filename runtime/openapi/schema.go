package openapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// converter turns OpenAPI schemas (3.0 or 3.1) into JSON Schema draft
// 2020-12 documents. References to #/components/schemas/NAME become
// references to #/$defs/NAME, and every schema so referenced is converted
// into the document's $defs, so recursive schemas stay finite.
type converter struct {
	doc  *openapi3.T
	defs map[string]any
}

func newConverter(doc *openapi3.T) *converter {
	return &converter{doc: doc, defs: map[string]any{}}
}

const componentSchemas = "#/components/schemas/"

// schema converts one schema. The result is a JSON value: a map, or true
// for a missing schema (anything goes).
func (c *converter) schema(ref *openapi3.SchemaRef) (any, error) {
	if ref == nil || (ref.Ref == "" && ref.Value == nil) {
		return map[string]any{}, nil
	}
	js, err := json.Marshal(ref)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		return nil, err
	}
	return c.fix(v)
}

// fix rewrites a decoded schema in place where OpenAPI and JSON Schema
// differ, walking only into subschemas (never into enum, default,
// examples or const values, which are data).
func (c *converter) fix(v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return v, nil // a boolean schema
	}
	if ref, ok := m["$ref"].(string); ok {
		name, ok := strings.CutPrefix(ref, componentSchemas)
		if !ok || name == "" || strings.Contains(name, "/") {
			return nil, fmt.Errorf("unsupported schema reference %q (only %sNAME is followed)", ref, componentSchemas)
		}
		if err := c.def(name); err != nil {
			return nil, err
		}
		m["$ref"] = "#/$defs/" + name
	}
	// OpenAPI 3.0's nullable becomes a "null" type (3.1 writes it so).
	if n, _ := m["nullable"].(bool); n {
		switch t := m["type"].(type) {
		case string:
			m["type"] = []any{t, "null"}
		case []any:
			if !containsString(t, "null") {
				m["type"] = append(t, "null")
			}
		}
		if e, ok := m["enum"].([]any); ok && !containsNil(e) {
			m["enum"] = append(e, nil)
		}
	}
	// 3.0's boolean exclusive bounds become 2020-12's numeric ones.
	for _, b := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
		if ex, ok := m[b[0]].(bool); ok {
			delete(m, b[0])
			if lim, ok := m[b[1]]; ok && ex {
				m[b[0]] = lim
				delete(m, b[1])
			}
		}
	}
	if ex, ok := m["example"]; ok {
		if _, has := m["examples"]; !has {
			m["examples"] = []any{ex}
		}
	}
	for _, k := range []string{"nullable", "example", "discriminator", "xml", "externalDocs"} {
		delete(m, k)
	}
	for k, sub := range m {
		var err error
		switch k {
		case "items", "not", "additionalProperties", "contains", "propertyNames", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties":
			m[k], err = c.fix(sub)
		case "allOf", "anyOf", "oneOf", "prefixItems":
			if list, ok := sub.([]any); ok {
				for i := range list {
					if list[i], err = c.fix(list[i]); err != nil {
						break
					}
				}
			}
		case "properties", "patternProperties", "dependentSchemas", "$defs":
			if props, ok := sub.(map[string]any); ok {
				for name := range props {
					if props[name], err = c.fix(props[name]); err != nil {
						break
					}
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// def converts the component schema name into $defs once.
func (c *converter) def(name string) error {
	if _, done := c.defs[name]; done {
		return nil
	}
	ref := c.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("schema reference to %s%s, which the document does not define", componentSchemas, name)
	}
	c.defs[name] = true // a placeholder, so that recursion stops here
	v, err := c.schema(&openapi3.SchemaRef{Value: ref.Value})
	if err != nil {
		return fmt.Errorf("components.schemas.%s: %w", name, err)
	}
	c.defs[name] = v
	return nil
}

// document finishes a root schema: the $defs its references need.
func (c *converter) document(root map[string]any) map[string]any {
	if len(c.defs) > 0 {
		root["$defs"] = c.defs
	}
	return root
}

// isObject reports whether the converted schema v describes JSON objects
// (following one level of $defs reference), as an output schema must.
func (c *converter) isObject(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	if ref, ok := m["$ref"].(string); ok {
		if d, ok := c.defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any); ok {
			m = d
		}
	}
	return m["type"] == "object"
}

func containsString(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func containsNil(list []any) bool {
	for _, v := range list {
		if v == nil {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
