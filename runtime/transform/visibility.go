package transform

import (
	"context"
	"fmt"

	"github.com/mcpgen/mcpgen/runtime"
)

// Visibility marks components enabled or disabled by rules, as FastMCP's
// server.enable/disable do: the rules apply in order and the last rule
// that matches a component decides; a component no rule matches keeps its
// mark (unmarked means enabled). Within one rule every criterion of its
// Match must hold (names, keys, version, tags, kinds are ANDed), a tag
// criterion holds when the component shares at least one tag, keys carry
// the version ("tool:add@" when unversioned), and a Match without
// criteria selects nothing unless All is set. See runtime.Match.
//
// Disabled components stay in the catalogue, missing from lists and not
// callable; a later rule, another Visibility transform or a session's own
// rules (runtime.EnableComponents) can enable them again. Use Tags or
// Versions to drop components for good.
type Visibility struct {
	Rules []runtime.Rule
}

// Enable returns the transform enabling the components m selects.
func Enable(m runtime.Match) Visibility {
	return Visibility{Rules: []runtime.Rule{{Enable: true, Match: m}}}
}

// Disable returns the transform disabling the components m selects.
func Disable(m runtime.Match) Visibility {
	return Visibility{Rules: []runtime.Rule{{Enable: false, Match: m}}}
}

// Only returns the allow-list transform: it disables every component, of
// every kind, then enables those m selects (FastMCP's enable(only=True);
// m.Kinds limits what is enabled, not what is disabled).
func Only(m runtime.Match) Visibility {
	return Visibility{Rules: []runtime.Rule{
		{Enable: false, Match: runtime.Match{All: true}},
		{Enable: true, Match: m},
	}}
}

// Transform implements runtime.Transform. It fails if a rule names an
// unknown component kind.
func (v Visibility) Transform(_ context.Context, in *runtime.Components) (*runtime.Components, error) {
	for i := range v.Rules {
		if err := v.Rules[i].Match.Validate(); err != nil {
			return nil, fmt.Errorf("transform.Visibility: %w", err)
		}
	}
	if in == nil {
		in = &runtime.Components{}
	}
	return runtime.ApplyRules(in, v.Rules...), nil
}
