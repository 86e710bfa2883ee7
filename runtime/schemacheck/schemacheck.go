// Package schemacheck validates values against JSON Schemas written by
// hand (draft 2020-12), for the parts of tool arguments whose schema
// generation cannot say: a struct type or field annotated with
// //mcp:schema NAME or `mcp:"schema=NAME"`. Generated code compiles each
// such schema once, when the program starts, and checks the raw JSON of
// that part of the arguments with it instead of generated checks.
//
// It is a package of its own so that servers without hand-written schemas
// do not link a JSON Schema validator. References are resolved within the
// schema only: nothing is fetched.
package schemacheck

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Schema is a compiled JSON Schema.
type Schema struct {
	s *jsonschema.Schema
}

// Compile compiles a JSON Schema document (draft 2020-12 unless it says
// otherwise with $schema), checking it against its meta-schema. Formats
// are asserted, as generated checks assert them.
func Compile(js string) (*Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(js))
	if err != nil {
		return nil, fmt.Errorf("schema is not valid JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	const loc = "mem:///schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(loc)
	if err != nil {
		var sve *jsonschema.SchemaValidationError
		var ve *jsonschema.ValidationError
		if errors.As(err, &sve) && errors.As(sve.Err, &ve) {
			var msgs []string
			for _, p := range problems(ve, "") {
				msgs = append(msgs, fmt.Sprintf("at %q: %s", "/"+strings.ReplaceAll(p.at, ".", "/"), p.msg))
			}
			return nil, fmt.Errorf("not valid against the JSON Schema meta-schema: %s", strings.Join(msgs, "; "))
		}
		return nil, err
	}
	return &Schema{s: s}, nil
}

// MustCompile is Compile for generated code, whose schemas mcpgen checked
// when it wrote them; it panics on an invalid schema.
func MustCompile(js string) *Schema {
	s, err := Compile(js)
	if err != nil {
		panic("schemacheck: " + err.Error())
	}
	return s
}

// noLoader refuses to fetch: a schema may refer only to itself.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schemacheck: %s is not fetched (a hand-written schema must be self-contained)", url)
}

// Check validates raw, the JSON value at path, and adds each problem to
// errs at the path of the offending value, as generated checks do.
func (s *Schema) Check(raw []byte, path string, errs *codec.Errors) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		errs.Add(path, "not valid JSON")
		return
	}
	err = s.s.Validate(v)
	if err == nil {
		return
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		errs.Add(path, err.Error())
		return
	}
	for _, p := range problems(ve, path) {
		errs.Add(p.at, p.msg)
	}
}

// problem is one validation failure, at the path of the value.
type problem struct{ at, msg string }

// problems flattens a validation error into its failures, sorted by path:
// the innermost errors, and one for each anyOf or oneOf that none of its
// alternatives satisfied, naming theirs.
func problems(ve *jsonschema.ValidationError, path string) []problem {
	var list []problem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		switch e.ErrorKind.(type) {
		case *kind.AnyOf, *kind.OneOf:
			// One problem for the choice: the alternatives' own.
			var alts []string
			for _, c := range e.Causes {
				alts = append(alts, leaves(c)...)
			}
			msg := e.ErrorKind.LocalizedString(printer)
			if len(alts) > 0 {
				msg += ": " + strings.Join(alts, ", or ")
			}
			list = append(list, problem{at(path, e), msg})
			return
		}
		if len(e.Causes) == 0 {
			list = append(list, problem{at(path, e), e.ErrorKind.LocalizedString(printer)})
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.SliceStable(list, func(i, j int) bool { return list[i].at < list[j].at })
	out := list[:0]
	for i, p := range list {
		if i == 0 || p != list[i-1] {
			out = append(out, p)
		}
	}
	return out
}

var printer = message.NewPrinter(language.English)

// at is the path of the value a validation error is about.
func at(path string, e *jsonschema.ValidationError) string {
	for _, p := range e.InstanceLocation {
		path = codec.Join(path, p)
	}
	return path
}

// leaves are the messages of the innermost errors under e.
func leaves(e *jsonschema.ValidationError) []string {
	if len(e.Causes) == 0 {
		return []string{e.ErrorKind.LocalizedString(printer)}
	}
	var out []string
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}
