// Package transform holds the standard catalogue transforms of package
// runtime: Namespace, ToolTransform, Tags, Versions, the visibility rules
// Enable, Disable and Only, and ResourcesAsTools and PromptsAsTools.
//
// Each transform is a small value implementing runtime.Transform. Apply
// them to one provider with Server.Mount (or runtime.WithTransforms), or to
// the whole catalogue with Server.AddTransform; they run in the order
// given, provider-level ones before server-level ones:
//
//	ns := transform.Namespace("weather")
//	short, err := transform.ToolTransform(map[string]transform.ToolConfig{
//		"forecast": {Name: "fc", Arguments: map[string]transform.ArgConfig{
//			"days": {Hide: true, Default: 3},
//		}},
//	})
//	if err != nil { ... }
//	err = srv.Mount(weather.Components(), short, ns) // tool "weather_fc"
//	srv.AddTransform(transform.Disable(runtime.Match{Tags: []string{"admin"}}))
//
// A transform is a pure function from components to new components, run
// when the catalogue is built, never on a request. It does not modify its
// input: a component it changes is a copy, and when the change affects how
// the component is called (a namespaced resource URI, a renamed or hidden
// argument) the copy's handler maps the call back before running the
// original handler. So nothing is looked up in reverse at call time, and a
// name a transform renamed away simply does not exist any more: a lookup
// with the old name, or with the wrong namespace, finds nothing.
//
// The behaviour follows FastMCP 3.0's transforms (fastmcp.server.transforms)
// where it is defined; the documentation of each transform says where it
// departs from it.
package transform
