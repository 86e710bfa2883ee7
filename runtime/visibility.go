package runtime

import (
	"context"
	"fmt"
	"slices"
)

// Visibility rules.
//
// A component is enabled unless it is marked Disabled. A Rule enables or
// disables the components its Match selects; rules apply in order and the
// last rule that matches a component decides. Server-wide rules come from
// the visibility transforms (package transform: Enable, Disable, Only) and
// are applied when the catalogue is built; a session's own rules
// (EnableComponents, DisableComponents) apply after them, for that session
// only. A disabled component is missing from lists, and calling, reading or
// getting it fails as for an unknown one.

// Match selects components. Every criterion that is set must hold (they
// are ANDed); a Match with no criterion selects nothing, unless All is set.
type Match struct {
	// Names are tool and prompt names, or resource and template names (the
	// Name field, not the URI).
	Names []string `json:"names,omitempty"`
	// Keys are component keys ("tool:add@1.0", "tool:add@" when
	// unversioned; see Key), matched exactly.
	Keys []string `json:"keys,omitempty"`
	// Version selects by version range; unversioned components never match
	// it.
	Version *VersionSpec `json:"version,omitempty"`
	// Tags match a component that has at least one of them.
	Tags []string `json:"tags,omitempty"`
	// Kinds restricts the match to these kinds of component.
	Kinds []Kind `json:"kinds,omitempty"`
	// All selects every component (of Kinds, if set).
	All bool `json:"all,omitempty"`
}

// VersionSpec is a version constraint: equal to Eq, or within [Gte, Lt).
// Versions compare as CompareVersions orders them.
type VersionSpec struct {
	Eq  string `json:"eq,omitempty"`
	Gte string `json:"gte,omitempty"`
	Lt  string `json:"lt,omitempty"`
}

// Matches reports whether version satisfies the spec. The empty version
// (an unversioned component) satisfies none.
func (v *VersionSpec) Matches(version string) bool {
	if version == "" {
		return false
	}
	if v.Eq != "" && CompareVersions(version, v.Eq) != 0 {
		return false
	}
	if v.Gte != "" && CompareVersions(version, v.Gte) < 0 {
		return false
	}
	if v.Lt != "" && CompareVersions(version, v.Lt) >= 0 {
		return false
	}
	return true
}

// Rule enables or disables the components that Match selects.
type Rule struct {
	Enable bool  `json:"enable"`
	Match  Match `json:"match"`
}

// info is what visibility rules look at in a component.
type info struct {
	kind    Kind
	name    string
	id      string // name, URI or URI template
	version string
	tags    []string
}

func (m *Match) empty() bool {
	return !m.All && len(m.Names) == 0 && len(m.Keys) == 0 && m.Version == nil && len(m.Tags) == 0
}

func (m *Match) matches(c info) bool {
	if m.empty() {
		return false
	}
	if len(m.Kinds) > 0 && !slices.Contains(m.Kinds, c.kind) {
		return false
	}
	if len(m.Names) > 0 && !slices.Contains(m.Names, c.name) {
		return false
	}
	if len(m.Keys) > 0 && !slices.Contains(m.Keys, Key(c.kind, c.id, c.version)) {
		return false
	}
	if m.Version != nil && !m.Version.Matches(c.version) {
		return false
	}
	if len(m.Tags) > 0 && !slices.ContainsFunc(m.Tags, func(t string) bool { return slices.Contains(c.tags, t) }) {
		return false
	}
	return true
}

// Validate reports a rule that can never match anything by mistake: an
// unknown kind.
func (m *Match) Validate() error {
	for _, k := range m.Kinds {
		switch k {
		case KindTool, KindResource, KindTemplate, KindPrompt:
		default:
			return fmt.Errorf("unknown component kind %q (want tool, resource, template or prompt)", k)
		}
	}
	return nil
}

// decide applies rules to a component whose current state is enabled.
func decide(enabled bool, c info, rules []Rule) bool {
	for i := range rules {
		if rules[i].Match.matches(c) {
			enabled = rules[i].Enable
		}
	}
	return enabled
}

func toolInfo(t *Tool) info {
	return info{KindTool, t.Name, t.Name, t.Version, t.Tags}
}
func resourceInfo(r *Resource) info {
	return info{KindResource, r.Name, r.URI, r.Version, r.Tags}
}
func templateInfo(t *ResourceTemplate) info {
	return info{KindTemplate, t.Name, t.URITemplate, t.Version, t.Tags}
}
func promptInfo(p *Prompt) info {
	return info{KindPrompt, p.Name, p.Name, p.Version, p.Tags}
}

// ApplyRules returns c with each component's Disabled mark set by rules
// (the last matching rule wins; a component no rule matches keeps its
// mark). Changed components are copies. It is the core of the visibility
// transforms.
func ApplyRules(c *Components, rules ...Rule) *Components {
	out := c.Clone()
	mark(out.Tools, rules, toolInfo, func(t *Tool) *bool { return &t.Disabled })
	mark(out.Resources, rules, resourceInfo, func(r *Resource) *bool { return &r.Disabled })
	mark(out.ResourceTemplates, rules, templateInfo, func(t *ResourceTemplate) *bool { return &t.Disabled })
	mark(out.Prompts, rules, promptInfo, func(p *Prompt) *bool { return &p.Disabled })
	return out
}

// mark applies rules to each component of list, replacing (never
// changing) those whose Disabled flag changes.
func mark[T any](list []*T, rules []Rule, infoOf func(*T) info, disabled func(*T) *bool) {
	for i, c := range list {
		was := *disabled(c)
		if en := decide(!was, infoOf(c), rules); en == was {
			cp := *c
			*disabled(&cp) = !en
			list[i] = &cp
		}
	}
}

// visibilityKey is the session state key holding a session's rules.
const visibilityKey = "mcpgen/visibility"

// EnableComponents enables the components m selects for the calling
// session only, after the server's own rules; the session is sent
// list_changed for each kind whose list changed. It fails outside a
// request or on a request without a session.
func EnableComponents(ctx context.Context, m Match) error {
	return addSessionRule(ctx, Rule{Enable: true, Match: m})
}

// DisableComponents disables the components m selects for the calling
// session only. See EnableComponents.
func DisableComponents(ctx context.Context, m Match) error {
	return addSessionRule(ctx, Rule{Enable: false, Match: m})
}

// ResetVisibility drops the calling session's own visibility rules.
func ResetVisibility(ctx context.Context) error {
	r := RequestFrom(ctx)
	if err := r.needSession("ResetVisibility"); err != nil {
		return err
	}
	return r.root.changeSessionRules(ctx, r, nil, true)
}

func addSessionRule(ctx context.Context, rule Rule) error {
	if err := rule.Match.Validate(); err != nil {
		return err
	}
	r := RequestFrom(ctx)
	if err := r.needSession("EnableComponents/DisableComponents"); err != nil {
		return err
	}
	return r.root.changeSessionRules(ctx, r, &rule, false)
}

// CanRead reports whether the request r may read the resource uri: whether
// a resources/read of it would resolve, through r's view (the server-wide
// marks, the session's rules and the principal's authorization), to a
// resource or a template. Plug-ins answering their own methods
// (HandleMethod) use it so that what a request cannot read, they do not
// list either: runtime/skills lists only the skills whose SKILL.md the
// request can read.
func (s *Server) CanRead(ctx context.Context, r *Request, uri string) bool {
	if r == nil {
		return false
	}
	if r.view == nil {
		snap := s.snapshot(ctx)
		r.setView(snap, s.sessionRules(ctx, r), s.authzFor(ctx, r, snap))
	}
	if r.view.resource(uri, "") != nil {
		return true
	}
	t, _ := r.view.matchTemplate(uri, "")
	return t != nil
}
