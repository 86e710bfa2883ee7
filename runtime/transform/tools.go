package transform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/codec"
)

// ToolConfig says how ToolTransform changes one tool. Zero fields leave
// the tool as it is.
type ToolConfig struct {
	// Name renames the tool.
	Name string
	// Title and Description replace the tool's.
	Title       string
	Description string
	// Tags, when not nil, replace the tool's tags.
	Tags []string
	// Annotations, when not nil, replace the tool's annotations.
	Annotations *runtime.ToolAnnotations
	// Meta, when not nil, replaces the tool's _meta.
	Meta map[string]any
	// Enabled, when not nil, marks the tool enabled or disabled (as the
	// visibility transforms do; later rules may change it again).
	Enabled *bool
	// Arguments change the tool's arguments, by their current name.
	Arguments map[string]ArgConfig
}

// ArgConfig says how ToolTransform changes one argument of a tool.
type ArgConfig struct {
	// Name renames the argument.
	Name string
	// Description replaces the argument's description.
	Description string
	// Default, when not nil, is the argument's new default: it is written
	// into the input schema, the argument is no longer required, and a call
	// that omits it gets this value. It must encode as JSON.
	Default any
	// Hide removes the argument from the input schema; calls get its
	// default (Default, or else the schema's own "default"). Hiding a
	// required argument without either is an error when the transform
	// runs; an optional one without either is simply never sent (as in
	// FastMCP). A hidden argument the client sends anyway is refused.
	Hide bool
	// Required makes the argument required (and removes its default from
	// the schema). It cannot be combined with Default or Hide.
	Required bool
}

// ToolTransformer renames and reshapes tools, as FastMCP's ToolTransform
// does; build one with ToolTransform.
//
// A transformed tool is a copy with a rewritten input schema (arguments
// renamed, descriptions and defaults changed, hidden arguments removed,
// "required" updated; everything else in the schema kept as it was, in
// its order). When its arguments changed, its handler maps each call's
// arguments back before the original handler (and so the tool's own
// decoder) sees them: renamed keys get their old names, hidden arguments
// and omitted arguments with a new default get their defaults, arguments
// that are now required must be present, and every other key and every
// value is passed on byte for byte. An argument sent under a name the
// transform renamed away, or a hidden one, is an argument error (an
// IsError result), as FastMCP refuses unexpected arguments.
//
// A config for a tool the components do not have is ignored (FastMCP does
// the same; with live providers the tool may come later). A config naming
// an argument the tool's schema does not have makes Transform fail, as
// does a rename onto a name another tool (of the same version) or another
// argument already has.
type ToolTransformer struct {
	configs map[string]*toolPlan
}

type toolPlan struct {
	cfg  ToolConfig
	args map[string]*argPlan // by current name
	tags []string            // sorted copy of cfg.Tags
}

type argPlan struct {
	cfg     ArgConfig
	deflt   []byte // cfg.Default as JSON
	newName string
}

// ToolTransform returns the transform applying configs, keyed by the
// tool's name as it arrives (all its versions are changed alike). It
// fails when two tools, or two arguments of one tool, would get the same
// name ("duplicate target name", as in FastMCP), when a default does not
// encode as JSON, or when an ArgConfig combines Required with Default or
// Hide.
func ToolTransform(configs map[string]ToolConfig) (*ToolTransformer, error) {
	tt := &ToolTransformer{configs: map[string]*toolPlan{}}
	targets := map[string]string{}
	for _, orig := range slices.Sorted(maps.Keys(configs)) {
		cfg := configs[orig]
		if orig == "" {
			return nil, errors.New("transform.ToolTransform: a config has no tool name")
		}
		target := cmpOr(cfg.Name, orig)
		if prev, dup := targets[target]; dup {
			return nil, fmt.Errorf("transform.ToolTransform has duplicate target name %q: both %q and %q map to it", target, prev, orig)
		}
		targets[target] = orig
		p := &toolPlan{cfg: cfg, args: map[string]*argPlan{}}
		if cfg.Tags != nil {
			p.tags = slices.Clone(cfg.Tags)
			sort.Strings(p.tags)
			p.tags = slices.Compact(p.tags)
		}
		argTargets := map[string]string{}
		for _, name := range slices.Sorted(maps.Keys(cfg.Arguments)) {
			ac := cfg.Arguments[name]
			if name == "" {
				return nil, fmt.Errorf("transform.ToolTransform: tool %q: an argument config has no name", orig)
			}
			if ac.Required && (ac.Default != nil || ac.Hide) {
				return nil, fmt.Errorf("transform.ToolTransform: tool %q argument %q: Required cannot be combined with Default or Hide", orig, name)
			}
			ap := &argPlan{cfg: ac, newName: cmpOr(ac.Name, name)}
			if ac.Default != nil {
				js, err := json.Marshal(ac.Default)
				if err != nil {
					return nil, fmt.Errorf("transform.ToolTransform: tool %q argument %q: default: %v", orig, name, err)
				}
				ap.deflt = js
			}
			if !ac.Hide {
				if prev, dup := argTargets[ap.newName]; dup {
					return nil, fmt.Errorf("transform.ToolTransform: tool %q has duplicate target name %q for arguments: both %q and %q map to it", orig, ap.newName, prev, name)
				}
				argTargets[ap.newName] = name
			}
			p.args[name] = ap
		}
		tt.configs[orig] = p
	}
	return tt, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Transform implements runtime.Transform.
func (tt *ToolTransformer) Transform(_ context.Context, in *runtime.Components) (*runtime.Components, error) {
	out := in.Clone()
	if tt == nil {
		return out, nil
	}
	changed := map[int]bool{}
	for i, t := range out.Tools {
		if t == nil {
			continue
		}
		p := tt.configs[t.Name]
		if p == nil {
			continue
		}
		cp, err := p.apply(t)
		if err != nil {
			return nil, err
		}
		out.Tools[i] = cp
		changed[i] = true
	}
	// A renamed tool must not land on a name another tool has.
	seen := map[string]int{}
	for i, t := range out.Tools {
		if t == nil {
			continue
		}
		k := t.Key()
		if j, dup := seen[k]; dup && (changed[i] || changed[j]) {
			return nil, fmt.Errorf("transform.ToolTransform has duplicate target name %q: tools %q and %q map to it", t.Name, in.Tools[j].Name, in.Tools[i].Name)
		}
		seen[k] = i
	}
	return out, nil
}

// apply returns the transformed copy of t.
func (p *toolPlan) apply(t *runtime.Tool) (*runtime.Tool, error) {
	cp := *t
	cfg := p.cfg
	if cfg.Name != "" {
		cp.Name = cfg.Name
	}
	if cfg.Title != "" {
		cp.Title = cfg.Title
	}
	if cfg.Description != "" {
		cp.Description = cfg.Description
	}
	if cfg.Tags != nil {
		cp.Tags = p.tags
	}
	if cfg.Annotations != nil {
		a := *cfg.Annotations
		cp.Annotations = &a
	}
	if cfg.Meta != nil {
		cp.Meta = maps.Clone(cfg.Meta)
	}
	if cfg.Enabled != nil {
		cp.Disabled = !*cfg.Enabled
	}
	if len(p.args) == 0 {
		return &cp, nil
	}
	schema, m, err := p.rewrite(t)
	if err != nil {
		return nil, err
	}
	cp.InputSchema = schema
	if m != nil && t.Handler != nil {
		h := t.Handler
		cp.Handler = func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			mapped, bad := m.mapArgs(args)
			if bad != nil {
				return runtime.ArgumentsError(bad), nil
			}
			return h(ctx, mapped)
		}
	}
	return &cp, nil
}

// argMap maps the arguments of a call of a transformed tool back to the
// original tool's.
type argMap struct {
	back     map[string]string // new name -> old name, for renamed arguments
	refused  map[string]bool   // old names renamed away, hidden arguments
	inject   []injection       // hidden arguments and new defaults
	watch    []string          // new names whose presence matters
	required []int             // indexes in watch of names that must be present
	extra    int               // bytes the injections add, about
}

type injection struct {
	watch   int // index in argMap.watch of the new name; -1 for a hidden argument (always injected)
	oldName string
	value   []byte
}

// rewrite returns t's input schema as the plan changes it, and the
// argument map for calls (nil when calls need no mapping).
func (p *toolPlan) rewrite(t *runtime.Tool) (json.RawMessage, *argMap, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("transform.ToolTransform: tool %q: %s", t.Name, fmt.Sprintf(format, args...))
	}
	top, err := parseObject(t.InputSchema)
	if err != nil {
		return nil, nil, fail("input schema: %v", err)
	}
	var props []member
	if i := find(top, "properties"); i >= 0 {
		if props, err = parseObject(top[i].val); err != nil {
			return nil, nil, fail("input schema properties: %v", err)
		}
	}
	var required []string
	if i := find(top, "required"); i >= 0 {
		if err := json.Unmarshal(top[i].val, &required); err != nil {
			return nil, nil, fail("input schema required: %v", err)
		}
	}
	for name := range p.args {
		if find(props, name) < 0 {
			names := make([]string, len(props))
			for i, m := range props {
				names[i] = m.key
			}
			return nil, nil, fail("no argument %q to transform (it has %q)", name, names)
		}
	}
	m := &argMap{back: map[string]string{}, refused: map[string]bool{}}
	needed := false
	var newProps []member
	var newRequired []string
	wasRequired := func(n string) bool { return slices.Contains(required, n) }
	for _, prop := range props {
		ap := p.args[prop.key]
		if ap == nil {
			newProps = append(newProps, prop)
			continue
		}
		old := prop.key
		if ap.cfg.Hide {
			value := ap.deflt
			if value == nil {
				value = schemaDefault(prop.val)
			}
			switch {
			case value != nil:
				m.inject = append(m.inject, injection{watch: -1, oldName: old, value: value})
			case wasRequired(old):
				return nil, nil, fail("hidden argument %q is required and has no default; give ArgConfig.Default", old)
			}
			m.refused[old] = true
			needed = true
			continue
		}
		val, err := editProperty(prop.val, ap)
		if err != nil {
			return nil, nil, fail("argument %q: %v", old, err)
		}
		newProps = append(newProps, member{ap.newName, val})
		if ap.newName != old {
			m.back[ap.newName] = old
			m.refused[old] = true
			needed = true
		}
		if ap.deflt != nil {
			m.inject = append(m.inject, injection{watch: m.index(ap.newName), oldName: old, value: ap.deflt})
			needed = true
		}
		if ap.cfg.Required && !wasRequired(old) {
			needed = true
		}
	}
	// "required", in the original order, then the newly required.
	for _, n := range required {
		ap := p.args[n]
		switch {
		case ap == nil:
			newRequired = append(newRequired, n)
		case ap.cfg.Hide || ap.deflt != nil:
		default:
			newRequired = append(newRequired, ap.newName)
		}
	}
	for _, prop := range props {
		if ap := p.args[prop.key]; ap != nil && ap.cfg.Required && !wasRequired(prop.key) {
			newRequired = append(newRequired, ap.newName)
		}
	}
	seen := map[string]bool{}
	for _, pr := range newProps {
		if seen[pr.key] {
			return nil, nil, fail("duplicate target name %q for arguments", pr.key)
		}
		seen[pr.key] = true
	}
	for n := range m.back {
		delete(m.refused, n) // a → b, b → c: b is a name again
	}
	top = set(top, "properties", appendObject(nil, newProps))
	if len(newRequired) > 0 {
		top = set(top, "required", mustJSON(newRequired))
	} else {
		top = remove(top, "required")
	}
	if !needed {
		return appendObject(nil, top), nil, nil
	}
	// A newly required argument is checked here, and so is a renamed
	// required one, so that the error names it as the client knows it.
	for _, n := range newRequired {
		if _, renamed := m.back[n]; renamed || !wasRequired(n) {
			m.required = append(m.required, m.index(n))
		}
	}
	for _, inj := range m.inject {
		m.extra += len(inj.oldName) + len(inj.value) + 4
	}
	return appendObject(nil, top), m, nil
}

// schemaDefault returns the "default" of a property schema, or nil.
func schemaDefault(prop []byte) []byte {
	ms, err := parseObject(prop)
	if err != nil {
		return nil
	}
	if i := find(ms, "default"); i >= 0 {
		return ms[i].val
	}
	return nil
}

// editProperty applies an argument's description, default and
// required-ness to its property schema.
func editProperty(prop []byte, ap *argPlan) ([]byte, error) {
	if ap.cfg.Description == "" && ap.deflt == nil && !ap.cfg.Required {
		return prop, nil
	}
	var ms []member
	if string(prop) != "true" { // the boolean schema true is {}
		var err error
		if ms, err = parseObject(prop); err != nil {
			return nil, err
		}
	}
	if ap.cfg.Description != "" {
		ms = set(ms, "description", mustJSON(ap.cfg.Description))
	}
	if ap.deflt != nil {
		ms = set(ms, "default", ap.deflt)
	}
	if ap.cfg.Required {
		ms = remove(ms, "default")
	}
	return appendObject(nil, ms), nil
}

// mapArgs returns the call's arguments as the original tool takes them,
// or the problem with them. Arguments that are not a JSON object are
// passed on for the tool's own decoder to refuse.
func (m *argMap) mapArgs(args json.RawMessage) (json.RawMessage, error) {
	data := []byte(args)
	var d codec.Decoder
	d.Reset(data)
	if k := d.Peek(); k == codec.Invalid && len(bytes.TrimSpace(data)) == 0 || k == codec.Null {
		data = []byte("{}")
		d.Reset(data)
	}
	if d.BeginObject() != nil {
		return args, nil
	}
	// seen[i] records that m.watch[i] was sent.
	var seenBuf [16]bool
	seen := seenBuf[:0]
	if len(m.watch) > len(seenBuf) {
		seen = make([]bool, len(m.watch))
	} else {
		seen = seenBuf[:len(m.watch)]
	}
	out := make([]byte, 0, len(data)+m.extra)
	out = append(out, '{')
	for {
		key, ok, err := d.NextKey()
		if err != nil {
			return args, nil
		}
		if !ok {
			break
		}
		if m.refused[string(key)] {
			return nil, fmt.Errorf("unexpected argument %q", key)
		}
		for i, n := range m.watch {
			if n == string(key) {
				seen[i] = true
			}
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		if old, ok := m.back[string(key)]; ok {
			out = codec.AppendKey(out, old)
		} else {
			out = codec.AppendString(out, string(key))
			out = append(out, ':')
		}
		d.Peek()
		start := d.Offset()
		if d.Skip() != nil {
			return args, nil
		}
		out = append(out, data[start:d.Offset()]...)
	}
	if d.End() != nil {
		return args, nil
	}
	for _, i := range m.required {
		if !seen[i] {
			return nil, fmt.Errorf("missing required argument %q", m.watch[i])
		}
	}
	for _, inj := range m.inject {
		if inj.watch >= 0 && seen[inj.watch] {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = codec.AppendKey(out, inj.oldName)
		out = append(out, inj.value...)
	}
	return append(out, '}'), nil
}

// index returns the position of name in m.watch, adding it if needed.
func (m *argMap) index(name string) int {
	if i := slices.Index(m.watch, name); i >= 0 {
		return i
	}
	m.watch = append(m.watch, name)
	return len(m.watch) - 1
}
