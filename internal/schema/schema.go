// Package schema computes the JSON Schemas (draft 2020-12) of mcpgen
// components from the model, at generation time. Schemas are compact,
// deterministic and self-contained: nested types are inlined, never
// referenced with $ref, because popular clients break on references.
package schema

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/mcpgen/mcpgen/internal/model"
)

// Mode selects which direction a schema describes. Inputs describe what
// the generated decoder accepts; outputs describe exactly what the
// generated encoder writes (so nil slices, maps and pointers without
// omitempty are nullable there).
type Mode int

const (
	Input Mode = iota
	Output
)

// ForInput returns the input schema of a tool or prompt whose argument
// struct is t (nil for a function without arguments): an object at the root.
func ForInput(t *model.Type) []byte {
	if t == nil {
		return []byte(`{"type":"object","properties":{}}`)
	}
	for t.Kind == model.Pointer {
		t = t.Elem
	}
	return []byte(typeSchema(t, nil, Input).String())
}

// IsObject reports whether values of t encode as JSON objects (structs,
// maps, and pointers to them), and so can be structured content as they
// are; other results are wrapped as {"result": value}.
func IsObject(t *model.Type) bool {
	for t.Kind == model.Pointer {
		t = t.Elem
	}
	return t.Kind == model.Struct || t.Kind == model.Map
}

// ForOutput returns the output schema of a structured result of type t,
// wrapped as {"result": ...} when t is not an object.
func ForOutput(t *model.Type) []byte {
	if IsObject(t) {
		for t.Kind == model.Pointer {
			t = t.Elem
		}
		// Structured content is always an object (generated code writes {}
		// for a nil map), so the root is not nullable.
		return []byte(typeSchema(t, rootField, Output).String())
	}
	o := &Object{}
	props := &Object{}
	props.Set("result", typeSchema(t, nil, Output))
	o.Set("type", str("object"))
	o.Set("properties", props)
	o.Set("required", raw(`["result"]`))
	return []byte(o.String())
}

// durationPattern matches the text time.ParseDuration accepts.
// base64Pattern is standard, padded base64, as encoding/json decodes []byte.
// Input schemas carry it so that a value the schema accepts always decodes
// (contentEncoding alone is an annotation that validators do not assert).
const base64Pattern = `^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$`

// dateTimePattern narrows format date-time to what Go's time package can
// represent: RFC 3339 with seconds 00-59 (no leap second) and two-digit
// fields. The format keeps checking ranges (months, days, offsets).
const dateTimePattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-5][0-9](\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$`

const durationPattern = `^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`

// rootField stands for the root of an output schema: like an omitempty
// field, it is never null.
var rootField = &model.Field{OmitEmpty: true}

// Value is a JSON value in a schema.
type Value interface{ write(b *strings.Builder) }

// Object is a JSON object whose keys keep their insertion order.
type Object struct {
	keys []string
	vals []Value
}

// Set sets key to v, replacing an earlier value in place.
func (o *Object) Set(key string, v Value) {
	for i, k := range o.keys {
		if k == key {
			o.vals[i] = v
			return
		}
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
}

// Get returns the value of key, or nil.
func (o *Object) Get(key string) Value {
	for i, k := range o.keys {
		if k == key {
			return o.vals[i]
		}
	}
	return nil
}

func (o *Object) write(b *strings.Builder) {
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(k))
		b.WriteByte(':')
		o.vals[i].write(b)
	}
	b.WriteByte('}')
}

// String returns the compact JSON of o.
func (o *Object) String() string {
	var b strings.Builder
	o.write(&b)
	return b.String()
}

type raw string

func (r raw) write(b *strings.Builder) { b.WriteString(string(r)) }

func str(s string) Value { return raw(jsonString(s)) }

// jsonString quotes s as a JSON string (strconv.Quote's escapes are not all
// valid JSON, so this writes its own).
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func list(lits []string) Value { return raw("[" + strings.Join(lits, ",") + "]") }

// typeSchema returns the schema of t with the field's constraints c (nil
// for none) applied.
func typeSchema(t *model.Type, f *model.Field, mode Mode) *Object {
	o := &Object{}
	nullable := false
	for t.Kind == model.Pointer {
		t = t.Elem
		nullable = mode == Output
	}
	if mode == Input && t.Schema != "" {
		return handObject(t.Schema)
	}
	if mode == Output && f != nil && (f.OmitEmpty || f.OmitZero) {
		nullable = false
	}
	typ := ""
	switch t.Kind {
	case model.Bool:
		typ = "boolean"
	case model.Int, model.Uint:
		typ = "integer"
		if t.Kind == model.Uint {
			o.Set("minimum", raw("0"))
		}
		if t.Bits > 0 && t.Bits < 64 {
			if t.Kind == model.Int {
				o.Set("minimum", raw(strconv.FormatInt(-1<<(t.Bits-1), 10)))
				o.Set("maximum", raw(strconv.FormatInt(1<<(t.Bits-1)-1, 10)))
			} else {
				o.Set("maximum", raw(strconv.FormatUint(1<<t.Bits-1, 10)))
			}
		}
	case model.Float:
		typ = "number"
	case model.String:
		typ = "string"
	case model.Bytes:
		typ = "string"
		o.Set("contentEncoding", str("base64"))
		if mode == Input {
			o.Set("pattern", str(base64Pattern))
		}
		nullable = nullable || mode == Output && !(f != nil && (f.OmitEmpty || f.OmitZero))
	case model.Time:
		typ = "string"
		o.Set("format", str("date-time"))
		if mode == Input {
			o.Set("pattern", str(dateTimePattern))
		}
	case model.Duration:
		if mode == Input {
			// Go duration text for people and models; nanoseconds, as
			// encoding/json writes durations, are accepted too.
			o.Set("type", raw(`["string","integer"]`))
			o.Set("pattern", str(durationPattern))
			o.Set("description", str("a duration such as 1h30m or 250ms"))
		} else {
			typ = "integer"
			o.Set("description", str("a duration in nanoseconds"))
		}
	case model.RawJSON, model.Any:
	case model.Marshaler:
		if t.TextMarshaler {
			typ = "string"
		}
	case model.Slice, model.Array:
		typ = "array"
		o.Set("items", typeSchema(t.Elem, nil, mode))
		if t.Kind == model.Array {
			n := raw(strconv.Itoa(t.Len))
			o.Set("minItems", n)
			o.Set("maxItems", n)
		} else if mode == Output && !(f != nil && (f.OmitEmpty || f.OmitZero)) {
			nullable = true
		}
	case model.Map:
		typ = "object"
		switch {
		case t.Key.Kind == model.String:
		case mode == Output:
			o.Set("propertyNames", raw(`{"pattern":"^-?[0-9]+$"}`))
		case t.Key.Kind == model.Uint:
			// Canonical decimal only, so that two keys never name one entry.
			o.Set("propertyNames", raw(`{"pattern":"^(0|[1-9][0-9]*)$"}`))
		default:
			o.Set("propertyNames", raw(`{"pattern":"^(0|-?[1-9][0-9]*)$"}`))
		}
		o.Set("additionalProperties", typeSchema(t.Elem, nil, mode))
		if mode == Output && !(f != nil && (f.OmitEmpty || f.OmitZero)) {
			nullable = true
		}
	case model.Struct:
		typ = "object"
		props := &Object{}
		var required []string
		for _, fld := range t.Fields {
			props.Set(fld.JSONName, fieldSchema(fld, mode))
			if mode == Input && fld.Required || mode == Output && !fld.OmitEmpty && !fld.OmitZero {
				required = append(required, jsonString(fld.JSONName))
			}
		}
		o.Set("properties", props)
		if len(required) > 0 {
			o.Set("required", list(required))
		}
	}
	if typ != "" {
		if nullable {
			o.keys = append([]string{"type"}, o.keys...)
			o.vals = append([]Value{raw(`["` + typ + `","null"]`)}, o.vals...)
		} else {
			o.keys = append([]string{"type"}, o.keys...)
			o.vals = append([]Value{str(typ)}, o.vals...)
		}
	}
	if len(t.Enum) > 0 {
		o.Set("enum", list(t.Enum))
	}
	if t.Doc != "" && o.Get("description") == nil && t.Kind != model.Struct {
		o.Set("description", str(t.Doc))
	}
	return o
}

func fieldSchema(f *model.Field, mode Mode) *Object {
	if mode == Input && f.Schema != "" {
		return handObject(f.Schema)
	}
	o := typeSchema(f.Type, f, mode)
	if f.AsString {
		// ",string" encodes the value inside a JSON string.
		o = &Object{}
		o.Set("type", str("string"))
	}
	c := &f.Constraints
	desc := c.Description
	if desc == "" {
		desc = f.Doc
	}
	if desc == "" {
		base := f.Type
		for base.Kind == model.Pointer {
			base = base.Elem
		}
		desc = base.Doc
	}
	if desc != "" {
		o.Set("description", str(desc))
	}
	if c.Title != "" {
		o.Set("title", str(c.Title))
	}
	if c.MinLit != "" {
		o.Set("minimum", raw(c.MinLit))
	}
	if c.MaxLit != "" {
		o.Set("maximum", raw(c.MaxLit))
	}
	if c.ExclusiveMinLit != "" {
		o.Set("exclusiveMinimum", raw(c.ExclusiveMinLit))
	}
	if c.ExclusiveMaxLit != "" {
		o.Set("exclusiveMaximum", raw(c.ExclusiveMaxLit))
	}
	if c.MinLength != nil {
		o.Set("minLength", raw(strconv.Itoa(*c.MinLength)))
	}
	if c.MaxLength != nil {
		o.Set("maxLength", raw(strconv.Itoa(*c.MaxLength)))
	}
	if c.MinItems != nil {
		o.Set("minItems", raw(strconv.Itoa(*c.MinItems)))
	}
	if c.MaxItems != nil {
		o.Set("maxItems", raw(strconv.Itoa(*c.MaxItems)))
	}
	if c.Pattern != "" {
		o.Set("pattern", str(c.Pattern))
	}
	if c.Format != "" {
		o.Set("format", str(c.Format))
	}
	if len(c.Enum) > 0 {
		if items, ok := o.Get("items").(*Object); ok && (f.Type.Kind == model.Slice || f.Type.Kind == model.Array) {
			items.Set("enum", list(c.Enum))
		} else {
			o.Set("enum", list(c.Enum))
		}
	}
	if c.Default != "" {
		o.Set("default", raw(c.Default))
	}
	if len(c.Examples) > 0 {
		o.Set("examples", list(c.Examples))
	}
	if c.Deprecated {
		o.Set("deprecated", raw("true"))
	}
	return o
}

// handObject returns a schema written by hand (compact JSON, an object,
// checked by the parser) as an Object whose members are its own, in
// order and untouched.
func handObject(js string) *Object {
	o := &Object{}
	d := json.NewDecoder(strings.NewReader(js))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return o
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return o
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return o
		}
		o.Set(t.(string), raw(v))
	}
	return o
}
