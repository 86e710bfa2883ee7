package transform

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mcpgen/mcpgen/runtime"
)

// TagFilter drops components by tag: with Include set, only components
// that have at least one of its tags are kept; components that have any
// tag of Exclude are dropped (Exclude wins over Include). Dropped
// components are gone from the catalogue (they cannot be enabled again,
// unlike those Disable marks), and so are the completions of dropped
// prompts and templates.
type TagFilter struct {
	Include []string
	Exclude []string
}

// Tags returns the TagFilter keeping components with a tag of include (all
// components when include is empty) and dropping those with a tag of
// exclude.
func Tags(include, exclude []string) TagFilter {
	return TagFilter{Include: include, Exclude: exclude}
}

// Transform implements runtime.Transform.
func (f TagFilter) Transform(_ context.Context, in *runtime.Components) (*runtime.Components, error) {
	keep := func(tags []string) bool {
		if len(f.Include) > 0 && !shares(tags, f.Include) {
			return false
		}
		return !shares(tags, f.Exclude)
	}
	return filter(in,
		func(t *runtime.Tool) bool { return keep(t.Tags) },
		func(r *runtime.Resource) bool { return keep(r.Tags) },
		func(t *runtime.ResourceTemplate) bool { return keep(t.Tags) },
		func(p *runtime.Prompt) bool { return keep(p.Tags) }), nil
}

func shares(tags, set []string) bool {
	for _, t := range tags {
		if slices.Contains(set, t) {
			return true
		}
	}
	return false
}

// VersionFilter keeps the versioned components whose version is in
// [Gte, Lt) (an empty bound is open), as FastMCP's VersionFilter does;
// unversioned components always pass. Versions compare as
// runtime.CompareVersions orders them. Of what passes, the catalogue
// serves the highest version of each name as usual.
type VersionFilter struct {
	Gte string
	Lt  string
}

// Versions returns the VersionFilter for [gte, lt). At least one bound is
// required.
func Versions(gte, lt string) (VersionFilter, error) {
	if gte == "" && lt == "" {
		return VersionFilter{}, errors.New("transform.Versions: at least one of gte or lt must be set")
	}
	return VersionFilter{Gte: gte, Lt: lt}, nil
}

// Transform implements runtime.Transform.
func (f VersionFilter) Transform(_ context.Context, in *runtime.Components) (*runtime.Components, error) {
	if f.Gte == "" && f.Lt == "" {
		return nil, fmt.Errorf("transform.VersionFilter: at least one of Gte or Lt must be set")
	}
	spec := runtime.VersionSpec{Gte: f.Gte, Lt: f.Lt}
	keep := func(v string) bool { return v == "" || spec.Matches(v) }
	return filter(in,
		func(t *runtime.Tool) bool { return keep(t.Version) },
		func(r *runtime.Resource) bool { return keep(r.Version) },
		func(t *runtime.ResourceTemplate) bool { return keep(t.Version) },
		func(p *runtime.Prompt) bool { return keep(p.Version) }), nil
}

// filter returns the components of in that the functions keep, and the
// completions whose prompt or template is still there.
func filter(in *runtime.Components,
	tool func(*runtime.Tool) bool, res func(*runtime.Resource) bool,
	tmpl func(*runtime.ResourceTemplate) bool, prompt func(*runtime.Prompt) bool,
) *runtime.Components {
	if in == nil {
		return &runtime.Components{}
	}
	out := &runtime.Components{}
	for _, t := range in.Tools {
		if t != nil && tool(t) {
			out.Tools = append(out.Tools, t)
		}
	}
	for _, r := range in.Resources {
		if r != nil && res(r) {
			out.Resources = append(out.Resources, r)
		}
	}
	templates := map[string]bool{}
	for _, t := range in.ResourceTemplates {
		if t != nil && tmpl(t) {
			out.ResourceTemplates = append(out.ResourceTemplates, t)
			templates[t.URITemplate] = true
		}
	}
	prompts := map[string]bool{}
	for _, p := range in.Prompts {
		if p != nil && prompt(p) {
			out.Prompts = append(out.Prompts, p)
			prompts[p.Name] = true
		}
	}
	uris := map[string]bool{}
	for _, r := range out.Resources {
		uris[r.URI] = true
	}
	for _, c := range in.Completions {
		if c == nil {
			continue
		}
		if (c.Prompt != "" && prompts[c.Prompt]) || (c.ResourceTemplate != "" && (templates[c.ResourceTemplate] || uris[c.ResourceTemplate])) {
			out.Completions = append(out.Completions, c)
		}
	}
	return out
}
