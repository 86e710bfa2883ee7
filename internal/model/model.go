// Package model is the intermediate representation between internal/parse and
// internal/emit: plain data describing one annotated Go package, with no
// go/types values, so that emitters can be tested on hand-built models.
package model

import (
	"fmt"
	"time"
)

// Pos is a source position, printed as file:line:col.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.File == "" {
		return "-"
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Before orders positions by file, line and column.
func (p Pos) Before(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// IsValid reports whether p names a real position.
func (p Pos) IsValid() bool { return p.File != "" && p.Line > 0 }

// Package is one annotated Go package and everything mcpgen generates for it.
type Package struct {
	Name      string // Go package name, e.g. "weather"
	Path      string // import path, e.g. "example.com/weather"
	Dir       string // directory holding the package's files
	Tools     []*Tool
	Resources []*Resource // static resources and resource templates, sorted by URI
	Prompts   []*Prompt
	// Server names the live server a package was derived from (by
	// mcpgen generate-client), "" for annotated Go packages.
	Server string
	// Completions are the //mcp:complete functions, sorted by target.
	Completions []*Completion
	// Scope holds the package-level identifiers declared in the package's
	// own (non-generated) files, sorted, so that emitters never declare a
	// colliding name.
	Scope []string
}

// Empty reports whether the package declares no components.
func (p *Package) Empty() bool {
	return len(p.Tools) == 0 && len(p.Resources) == 0 && len(p.Prompts) == 0 && len(p.Completions) == 0
}

// Completion is an //mcp:complete function: it suggests values for one
// argument of a prompt, or one variable of a resource template, declared
// in the same package.
type Completion struct {
	Prompt   string // prompt name, or
	Resource string // resource URI template
	Arg      string
	// WithArgs is true when the function takes the already chosen
	// arguments as a third parameter (map[string]string).
	WithArgs bool
	Func     *Func
	Pos      Pos
	// TargetPos and ArgPos locate the prompt= or resource= value and the
	// arg= value in the directive, for errors about them.
	TargetPos, ArgPos Pos
}

// Hints are the MCP tool annotations. A nil pointer means "not stated", so
// that the spec defaults apply on the client side.
type Hints struct {
	ReadOnly    *bool
	Destructive *bool
	Idempotent  *bool
	OpenWorld   *bool
}

// Auth is one authorization check of a component (auth=...): the scopes
// of auth=scope:a,b, all required, or the Go function of auth=FuncName,
// declared in the same package with the signature of runtime.AuthCheck.
type Auth struct {
	Scopes []string
	Func   string
	Pos    Pos
}

// Func is the user's Go function behind a component.
type Func struct {
	Name    string // Go identifier, e.g. "Forecast"
	Context bool   // the first parameter is a context.Context
	// Params are the parameters after the context, in order. A tool or prompt
	// has at most one (its argument struct); a resource template has one per
	// bound URI variable.
	Params []*Param
	Result *Result // nil when the function returns only error
	Error  bool    // the last result is error
	Pos    Pos
}

// Param is one function parameter.
type Param struct {
	Name string // Go parameter name
	Type *Type
	Pos  Pos
}

// ResultKind says how a function's first result becomes MCP content.
type ResultKind int

const (
	// ResultStructured is a struct (or pointer to one, or map, slice...)
	// encoded as JSON: structuredContent plus a text copy.
	ResultStructured ResultKind = iota + 1
	// ResultString is text content (tools, prompts) or text contents (resources).
	ResultString
	// ResultBytes is []byte: blob contents for resources, or an embedded blob
	// with the declared MIME type for tools.
	ResultBytes
	// ResultContent is a runtime content value (runtime.Content or
	// []runtime.Content for tools, []runtime.PromptMessage for prompts,
	// []*runtime.ResourceContents for resources).
	ResultContent
	// ResultFull is the full protocol result (*runtime.CallToolResult,
	// *runtime.ReadResourceResult, *runtime.GetPromptResult), returned as is.
	ResultFull
)

// Result is the first result of a component function.
type Result struct {
	Kind ResultKind
	Type *Type // for ResultStructured the Go type; otherwise informative
	// GoType is the result's type as written, for ResultContent and
	// ResultFull (e.g. "[]runtime.Content"), so emitters know what to adapt.
	GoType string
}

// Tool is an //mcp:tool function.
type Tool struct {
	Name        string // MCP name (defaults to snake_case of the Go name)
	Version     string
	Title       string
	Description string   // from the doc comment, directive line removed
	Tags        []string // sorted, unique
	Hints       Hints
	Timeout     time.Duration // 0 means none
	// MaxResultBytes bounds the encoded result (max_result_bytes); 0 means
	// no limit.
	MaxResultBytes int
	MIME           string // MIME type of a []byte result
	// Task is the tool's task support (task=): "forbidden", "optional",
	// "required", or "" for the server's default.
	Task string
	// Auth are the tool's authorization checks, all required.
	Auth []Auth
	Func *Func
	// Input is the argument struct type, or nil for a tool without arguments.
	Input *Type
	Pos   Pos // the directive's position
}

// Resource is an //mcp:resource function, static or templated.
type Resource struct {
	Name        string
	Version     string
	Title       string
	Description string
	Tags        []string
	URI         string // the URI or RFC 6570 URI template
	Template    bool   // URI has {variables}
	// Vars are the template variables in order of appearance; each is bound
	// to the Func parameter of the same name.
	Vars []*TemplateVar
	MIME string
	Auth []Auth
	Func *Func
	Pos  Pos
}

// TemplateVar is one variable of a resource URI template.
type TemplateVar struct {
	Name  string // variable name in the template
	Param int    // index into Func.Params
	Op    byte   // RFC 6570 operator: 0, '+', '#', '/', '.', ';', '?', '&'
}

// Prompt is an //mcp:prompt function.
type Prompt struct {
	Name        string
	Version     string
	Title       string
	Description string
	Tags        []string
	Auth        []Auth
	Func        *Func
	Input       *Type // argument struct (string-like fields only), or nil
	Args        []*PromptArg
	Pos         Pos
}

// PromptArg is one prompt argument, from a field of the argument struct.
type PromptArg struct {
	Name        string
	Title       string
	Description string
	Required    bool
	Field       string // Go field name in Prompt.Input
}

// Kind is the shape of a Go type as far as JSON is concerned.
type Kind int

const (
	Invalid Kind = iota
	Bool
	Int // int, int8..int64: Bits says which
	Uint
	Float // float32/float64: Bits says which
	String
	Bytes    // []byte, base64 in JSON
	Time     // time.Time, RFC 3339
	Duration // time.Duration, as a Go duration string ("1h30m")
	RawJSON  // json.RawMessage
	Any      // interface{} / any
	Struct
	Pointer
	Slice
	Array
	Map // string-keyed
	// Marshaler is a named type with its own MarshalJSON/UnmarshalJSON
	// (or MarshalText/UnmarshalText); codecs call those methods directly.
	Marshaler
)

var kindNames = [...]string{"invalid", "bool", "int", "uint", "float", "string", "bytes", "time", "duration", "rawjson", "any", "struct", "pointer", "slice", "array", "map", "marshaler"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Type is a Go type reachable from a component's signature.
type Type struct {
	Kind Kind
	// Named types: Name is the type name and PkgPath its package's import
	// path ("" for predeclared types). Unnamed composite types have Name "".
	Name    string
	PkgPath string
	Bits    int      // Int, Uint, Float: 8, 16, 32, 64 (0 for int/uint, meaning platform size)
	Elem    *Type    // Pointer, Slice, Array, Map: element type
	Key     *Type    // Map: key type (Kind String, Int or Uint)
	Len     int      // Array length
	Fields  []*Field // Struct: JSON-visible fields in encoding/json order
	// Enum lists the allowed values of a named type, found as the package's
	// constants of that type, as JSON literals in declaration order.
	Enum []string
	// EnumNames are the names of those constants, one per value of Enum
	// (the first declared, when several share a value).
	EnumNames []string
	// TextMarshaler is true when Kind == Marshaler and the type marshals via
	// MarshalText (a JSON string) rather than MarshalJSON.
	TextMarshaler bool
	Doc           string // the type's doc comment, used as schema description
	// Schema is the input schema written by hand for a struct type
	// (//mcp:schema NAME in its doc comment), compact JSON, and
	// SchemaName the Go identifier it came from; "" when generated.
	Schema, SchemaName string
	Pos                Pos
}

// Named reports whether t is a named (defined) type.
func (t *Type) Named() bool { return t.Name != "" }

// ID is a stable identifier for a named type, "pkgpath.Name", used to share
// one generated codec per type.
func (t *Type) ID() string {
	if t.PkgPath == "" {
		return t.Name
	}
	return t.PkgPath + "." + t.Name
}

// Field is one JSON-visible struct field.
type Field struct {
	GoName   string // Go field name; a dotted path for promoted fields of embedded structs ("Base.ID")
	JSONName string
	Type     *Type
	// Tag options from `json:"..."`.
	OmitEmpty bool
	OmitZero  bool
	AsString  bool // ",string"
	// Required follows Go: a field is required unless it is a pointer, has
	// omitempty/omitzero, or has a default.
	Required    bool
	Constraints Constraints
	// Schema is the schema written by hand for the field (`mcp:"schema=NAME"`),
	// compact JSON, and SchemaName the Go identifier it came from; ""
	// when generated.
	Schema, SchemaName string
	Doc                string // field doc comment (used when desc is not set)
	Tag                string // the raw struct tag, to spell unnamed struct types
	Pos                Pos
}

// Constraints come from the `mcp:"..."` struct tag. Numbers are kept as
// written (JSON number literals) so schemas and validators print them
// exactly; nil/empty means not set.
type Constraints struct {
	Description  string
	Title        string
	Min          *float64
	Max          *float64
	ExclusiveMin *float64
	ExclusiveMax *float64
	MinLength    *int
	MaxLength    *int
	MinItems     *int
	MaxItems     *int
	Pattern      string
	Enum         []string // JSON literals
	Default      string   // JSON literal
	Format       string
	Examples     []string // JSON literals
	Deprecated   bool
	// Literal forms of the numeric bounds, as written in the tag, so schema
	// output is "1" not "1.0".
	MinLit, MaxLit, ExclusiveMinLit, ExclusiveMaxLit string
}
