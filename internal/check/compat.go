package check

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Compatibility of JSON Schemas, as the generator writes them. An input
// schema may widen (accept more) but not narrow; an output schema may
// narrow (promise more) but not widen or drop properties.

type node = map[string]any

func parseSchema(js json.RawMessage) node {
	var n node
	if len(js) == 0 || json.Unmarshal(js, &n) != nil {
		return node{}
	}
	return n
}

// types returns the schema's "type" as a set; nil means any type.
func types(n node) []string {
	switch t := n["type"].(type) {
	case string:
		if t == "integer" {
			return []string{"integer"}
		}
		return []string{t}
	case []any:
		var out []string
		for _, v := range t {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// admits reports whether a schema of types set accepts values of type t.
func admits(set []string, t string) bool {
	if set == nil {
		return true
	}
	return slices.Contains(set, t) || t == "integer" && slices.Contains(set, "number")
}

func strList(v any) []string {
	var out []string
	if list, ok := v.([]any); ok {
		for _, e := range list {
			b, _ := json.Marshal(e)
			out = append(out, string(b))
		}
	}
	return out
}

func num(n node, k string) (float64, bool) {
	f, ok := n[k].(float64)
	return f, ok
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// inputBreaks lists the ways the new input schema rejects what the old one
// accepted, as messages relative to path.
func inputBreaks(old, cur node, path string) []string {
	var out []string
	what := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if path != "" {
			msg = path + ": " + msg
		}
		out = append(out, msg)
	}
	if ot, nt := types(old), types(cur); ot != nil || nt != nil {
		var lost []string
		if ot == nil {
			ot = []string{"any"}
		}
		for _, t := range ot {
			if t == "any" && nt != nil || t != "any" && !admits(nt, t) {
				lost = append(lost, t)
			}
		}
		if len(lost) > 0 {
			what("type narrowed from %s to %s", strings.Join(ot, "|"), strings.Join(typesOr(nt), "|"))
		}
	}
	if ne := strList(cur["enum"]); len(ne) > 0 {
		oe := strList(old["enum"])
		if len(oe) == 0 {
			what("now restricted to %s", strings.Join(ne, ", "))
		} else {
			var removed []string
			for _, v := range oe {
				if !slices.Contains(ne, v) {
					removed = append(removed, v)
				}
			}
			if len(removed) > 0 {
				what("enum values removed: %s", strings.Join(removed, ", "))
			}
		}
	}
	for _, b := range []struct {
		key  string
		less bool // true: the new bound must not be greater (a minimum)
	}{{"minimum", true}, {"exclusiveMinimum", true}, {"minLength", true}, {"minItems", true},
		{"maximum", false}, {"exclusiveMaximum", false}, {"maxLength", false}, {"maxItems", false}} {
		nv, nok := num(cur, b.key)
		if !nok {
			continue
		}
		ov, ook := num(old, b.key)
		switch {
		case !ook:
			what("new constraint %s=%v", b.key, nv)
		case b.less && nv > ov || !b.less && nv < ov:
			what("%s tightened from %v to %v", b.key, ov, nv)
		}
	}
	if np, ok := cur["pattern"].(string); ok && np != old["pattern"] {
		what("pattern changed to %q", np)
	}
	oprops, _ := old["properties"].(map[string]any)
	nprops, _ := cur["properties"].(map[string]any)
	for _, name := range sortedKeys(oprops) {
		np, ok := nprops[name].(map[string]any)
		if !ok {
			out = append(out, fmt.Sprintf("argument %q removed", join(path, name)))
			continue
		}
		op, _ := oprops[name].(map[string]any)
		out = append(out, inputBreaks(op, np, join(path, name))...)
	}
	oreq, nreq := strList(old["required"]), strList(cur["required"])
	for _, r := range nreq {
		if !slices.Contains(oreq, r) {
			var name string
			json.Unmarshal([]byte(r), &name)
			if _, existed := oprops[name]; existed {
				out = append(out, fmt.Sprintf("argument %q is now required", join(path, name)))
			} else {
				out = append(out, fmt.Sprintf("new required argument %q", join(path, name)))
			}
		}
	}
	if oi, ok := old["items"].(map[string]any); ok {
		if ni, ok := cur["items"].(map[string]any); ok {
			out = append(out, inputBreaks(oi, ni, path+"[]")...)
		}
	}
	if oa, ok := old["additionalProperties"].(map[string]any); ok {
		if na, ok := cur["additionalProperties"].(map[string]any); ok {
			out = append(out, inputBreaks(oa, na, path+"{}")...)
		}
	}
	return out
}

func typesOr(t []string) []string {
	if t == nil {
		return []string{"any"}
	}
	return t
}

// outputBreaks lists the ways the new output schema may produce what
// clients of the old one do not expect: removed or no longer required
// properties, and types that gained members.
func outputBreaks(old, cur node, path string) []string {
	var out []string
	if ot, nt := types(old), types(cur); ot != nil {
		var gained []string
		for _, t := range typesOr(nt) {
			if t == "any" || !admits(ot, t) {
				gained = append(gained, t)
			}
		}
		if len(gained) > 0 {
			msg := fmt.Sprintf("result type widened from %s to %s", strings.Join(ot, "|"), strings.Join(typesOr(nt), "|"))
			if path != "" {
				msg = path + ": " + msg
			}
			out = append(out, msg)
		}
	}
	oprops, _ := old["properties"].(map[string]any)
	nprops, _ := cur["properties"].(map[string]any)
	nreq := strList(cur["required"])
	for _, name := range sortedKeys(oprops) {
		np, ok := nprops[name].(map[string]any)
		if !ok {
			out = append(out, fmt.Sprintf("result property %q removed", join(path, name)))
			continue
		}
		q, _ := json.Marshal(name)
		if slices.Contains(strList(old["required"]), string(q)) && !slices.Contains(nreq, string(q)) {
			out = append(out, fmt.Sprintf("result property %q is no longer always present", join(path, name)))
		}
		op, _ := oprops[name].(map[string]any)
		out = append(out, outputBreaks(op, np, join(path, name))...)
	}
	if oi, ok := old["items"].(map[string]any); ok {
		if ni, ok := cur["items"].(map[string]any); ok {
			out = append(out, outputBreaks(oi, ni, path+"[]")...)
		}
	}
	return out
}
