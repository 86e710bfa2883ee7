// Package annotations defines mcpgen's annotation language: the
// //mcp:tool, //mcp:resource and //mcp:prompt directives on functions, and
// the `mcp:"..."` tag on struct fields. mcpgen's parser uses it; this
// comment is its reference manual.
//
// # Directives
//
// A directive is a line of a function's doc comment, written with no space
// after the slashes so that gofmt and go doc treat it as a directive and
// leave it out of the documentation:
//
//	// Forecast returns the weather forecast for a city.
//	//
//	//mcp:tool version=2.0 tags=weather readonly timeout=10s
//	func Forecast(ctx context.Context, in ForecastArgs) (Report, error)
//
// A directive anywhere else (on a type or variable, inside a function, or
// above a blank line that separates it from the func) is an error rather
// than silently ignored, and so is a near-miss of the prefix that would
// not be read as one: "// mcp:tool" (a space after the slashes),
// "//MCP:tool" (upper case).
//
// The rest of the doc comment is the component's description, which is
// required: clients show it to the model. Arguments are key=value or bare
// keys (booleans); a value with spaces is a double-quoted Go string:
// title="Weather forecast". Unknown or repeated keys are errors (but auth,
// which may be repeated).
//
// //mcp:tool keys:
//
//	name=NAME        MCP name; default: the function name in snake_case
//	                 (CompareCities → compare_cities). 1–128 characters of
//	                 A-Z a-z 0-9 _ - . (SEP-986).
//	version=V        component version; versions may not contain '@'. Several
//	                 versions of one name may exist; clients see the highest
//	                 ("1.10" > "1.9"). Version all components of a name or none.
//	title="T"        human-readable title
//	tags=a,b         tags, for filtering
//	readonly         hints (readOnlyHint, destructiveHint, idempotentHint,
//	destructive      openWorldHint); bare means true, or write =true/=false.
//	idempotent       Unstated hints are left to the protocol's defaults.
//	openworld
//	timeout=10s      bounds each call (a Go duration); an overrun call returns
//	                 an error result to the client
//	max_result_bytes=500000
//	                 bounds the JSON encoding of each result (a positive
//	                 number of bytes): a larger result is cut down to one
//	                 text block, its text blocks joined and cut short with
//	                 a note that it was truncated; structured content is
//	                 dropped (runtime.TruncateResult)
//	task=optional    background tasks (execution.taskSupport): optional lets
//	task=required    a client that speaks tasks run the call as one, required
//	task=forbidden   makes every call a task, forbidden never; unstated, the
//	                 server's runtime.Options.TaskSupport (forbidden by
//	                 default). It takes effect with a task engine
//	                 (runtime/tasks). The function then runs in a worker: it
//	                 may run again (after input, or on another worker when
//	                 idempotent), so do side effects after Elicit.
//	mime=image/png   MIME type of a []byte result (an error on any other
//	                 result: content items carry their own)
//	auth=scope:a,b   authorization: the caller's token must grant every
//	                 scope listed (runtime.RequireScopes)
//	auth=FuncName    authorization by a function of the same package,
//	                 func(ctx context.Context, p *runtime.Principal,
//	                 c runtime.ComponentInfo) error; nil allows
//
// Several auth= keys are ANDed. A component whose checks fail is hidden
// from that caller's lists and is not found when called, read or got; a
// check returning runtime.Forbidden(...) sends its message instead; no
// authenticated caller sees no component with checks. On stdio the checks
// are skipped unless runtime.Options.AuthorizeStdio (see the runtime's
// authz.go and the README's "Authorization" section).
//
// //mcp:resource keys: uri (required), name, version, title, tags, mime,
// auth. A uri holding {variables} is an RFC 6570 URI template; each
// variable is bound to the function parameter of the same name:
//
//	//mcp:resource uri=weather://cities/{name} mime=application/json
//	func City(ctx context.Context, name string) (CityInfo, error)
//
// //mcp:prompt keys: name, version, title, tags, auth. A prompt's
// arguments are the fields of its argument struct; MCP prompt arguments are
// strings.
//
// //mcp:complete keys: prompt (a prompt's MCP name) or resource (a resource
// template's URI template), and arg (the argument or template variable).
// The function answers completion/complete for that argument, given what
// the user typed so far and, optionally, the arguments already chosen:
//
//	//mcp:complete prompt=plan_trip arg=city
//	func CompleteCity(ctx context.Context, prefix string) ([]string, error)
//
//	//mcp:complete resource=weather://cities/{name} arg=name
//	func CompleteName(ctx context.Context, prefix string, args map[string]string) ([]string, error)
//
// The server returns at most 100 values, with the total and hasMore.
//
// # Signatures
//
// Tools: func(ctx context.Context, in In) (Out, error),
// func(ctx context.Context, in In) error, func(ctx context.Context) (Out, error)
// and func(ctx context.Context) error, where In is a struct (or pointer to
// one). Out is a struct, map, slice or scalar (structured content, with an
// output schema; non-object results are wrapped as {"result": ...}), a string
// (text content), []byte (binary content of the directive's mime type),
// runtime.Content or []runtime.Content, or *runtime.CallToolResult.
//
// Resources: func(ctx) (Out, error) for a fixed URI; for a template,
// func(ctx, a A, b B) (Out, error) with one parameter per variable (string,
// bool, integer or float kinds). Out is a string (text; mime defaults to
// text/plain), []byte (blob), a struct, map or slice (JSON text; mime
// defaults to application/json), []*runtime.ResourceContents or
// *runtime.ReadResourceResult.
//
// Prompts: func(ctx, In) (Out, error) or func(ctx) (Out, error), where In's
// fields are strings; Out is a string (one user message),
// []*runtime.PromptMessage or *runtime.GetPromptResult.
//
// # The mcp struct tag
//
// Fields of argument and result structs follow encoding/json (json tags,
// omitempty, omitzero, string, embedded structs). The mcp tag adds schema
// and validation, as comma-separated items; a value holding a comma is
// single-quoted, and a quote inside it is written twice (the last line):
//
//	City  string `json:"city" mcp:"minLength=1,desc='City name, e.g. Paris'"`
//	Days  int    `json:"days,omitempty" mcp:"min=1,max=14,default=3"`
//	Units Units  `json:"units,omitempty" mcp:"enum=metric|imperial"`
//	Alias string `json:"alias,omitempty" mcp:"desc='The city''s nickname, if any'"`
//
// Keys:
//
//	desc=TEXT        description (default: the field's doc comment)
//	title=TEXT       title
//	min=N max=N      inclusive bounds of a number
//	exclusiveMin=N   exclusive bounds of a number
//	exclusiveMax=N
//	minLength=N      bounds of a string's length, in characters
//	maxLength=N
//	minItems=N       bounds of a slice's length
//	maxItems=N
//	pattern=RE       regular expression a string must match (RE2 syntax)
//	enum=a|b|c       allowed values
//	default=V        value used when the argument is absent; checked
//	                 against the field's type (RFC 3339 for time.Time, Go
//	                 duration syntax for time.Duration) and against its
//	                 own min/max/length/pattern/enum
//	format=F         JSON Schema format (date-time, date, email, uri, uuid, ...)
//	examples=a|b     example values
//	deprecated       marks the field deprecated
//	required         required even though omitempty or a pointer
//	schema=NAME      the field's JSON Schema, written by hand (see below);
//	                 alone, or with required
//	-                hides the field from MCP (alone)
//
// Values are checked against the field's type when mcpgen runs: min on a
// string, or default=abc on an int, is an error.
//
// # Schemas written by hand
//
// Where a schema must say what keys cannot ($defs, $ref, $anchor, allOf,
// anyOf, if/then/else, x-mcp-header, ...), schema=NAME in a field's tag, or
// the line
//
//	//mcp:schema NAME
//
// in the doc comment of a struct type (the arguments of a tool, or a struct
// used in them), names a string constant or a //go:embed variable (string or
// []byte, one file) of the package holding a JSON Schema (draft 2020-12). It
// replaces the generated schema, untouched, and that part of the arguments
// is checked against it (package runtime/schemacheck) and decoded with
// encoding/json instead of generated checks, so the fields of such a struct
// carry no mcp tag. The schema must be valid against its meta-schema and
// self-contained; nested below the root of the input schema, one that refers
// into itself ("$ref": "#/...") needs an "$id".
//
// A field is required unless it is a pointer, has omitempty or omitzero, or
// has a default. A named string or integer type with constants declared in
// its package is an enum of those constants' values.
//
// # Errors
//
// mcpgen reports every problem in a run as file:line:col: message, pointing
// at the key or value at fault, and writes nothing when there is any.
package annotations
