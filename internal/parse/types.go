package parse

import (
	"encoding/json"
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mcpgen/mcpgen/annotations"
	"github.com/mcpgen/mcpgen/internal/model"
)

// The method sets that make a named type marshal itself.
var (
	jsonMarshaler = lookupIface("MarshalJSON", "UnmarshalJSON")
	textMarshaler = lookupIface("MarshalText", "UnmarshalText")
)

// lookupIface builds an interface with the marshal method (returning
// ([]byte, error)) and the unmarshal method (taking []byte, returning error).
func lookupIface(marshal, unmarshal string) *types.Interface {
	bs := types.NewSlice(types.Typ[types.Byte])
	errT := types.Universe.Lookup("error").Type()
	m := types.NewFunc(token.NoPos, nil, marshal, types.NewSignatureType(nil, nil, nil, nil,
		types.NewTuple(types.NewVar(token.NoPos, nil, "", bs), types.NewVar(token.NoPos, nil, "", errT)), false))
	u := types.NewFunc(token.NoPos, nil, unmarshal, types.NewSignatureType(nil, nil, nil,
		types.NewTuple(types.NewVar(token.NoPos, nil, "", bs)), types.NewTuple(types.NewVar(token.NoPos, nil, "", errT)), false))
	return types.NewInterfaceType([]*types.Func{m, u}, nil).Complete()
}

// convert builds the model of t, reporting unsupported types at pos (the
// use site) and returning nil after reporting.
func (p *loader) convert(t types.Type, pos model.Pos) *model.Type {
	t = types.Unalias(t)
	if n, ok := t.(*types.Named); ok {
		return p.named(n, pos)
	}
	return p.structural(t, t, pos)
}

func (p *loader) named(n *types.Named, pos model.Pos) *model.Type {
	if mt, ok := p.namedTypes[n]; ok {
		return mt
	}
	obj := n.Obj()
	path := ""
	if obj.Pkg() != nil {
		path = obj.Pkg().Path()
	}
	switch path + "." + obj.Name() {
	case "time.Time":
		return p.remember(n, &model.Type{Kind: model.Time, Name: "Time", PkgPath: "time"})
	case "time.Duration":
		return p.remember(n, &model.Type{Kind: model.Duration, Name: "Duration", PkgPath: "time"})
	case "encoding/json.RawMessage":
		return p.remember(n, &model.Type{Kind: model.RawJSON, Name: "RawMessage", PkgPath: "encoding/json"})
	}
	if n.TypeArgs().Len() > 0 {
		p.errorf(pos, "%sunsupported type %s: generic types are not supported", p.where(), types.TypeString(n, p.qualifier))
		return nil
	}
	if p.resolving[n] {
		p.errorf(pos, "%srecursive type %s is not supported: schemas are emitted without $ref", p.where(), obj.Name())
		return nil
	}
	ptr := types.NewPointer(n)
	if types.Implements(ptr, jsonMarshaler) || types.Implements(n, jsonMarshaler) && types.Implements(ptr, jsonMarshaler) {
		return p.remember(n, &model.Type{Kind: model.Marshaler, Name: obj.Name(), PkgPath: path, Doc: p.typeDoc[obj], Pos: p.position(obj.Pos())})
	}
	if types.Implements(ptr, textMarshaler) {
		return p.remember(n, &model.Type{Kind: model.Marshaler, TextMarshaler: true, Name: obj.Name(), PkgPath: path, Doc: p.typeDoc[obj], Pos: p.position(obj.Pos())})
	}
	p.resolving[n] = true
	defer delete(p.resolving, n)
	mt := p.structural(n.Underlying(), n, pos)
	if mt == nil {
		return nil
	}
	named := *mt
	named.Name, named.PkgPath, named.Doc, named.Pos = obj.Name(), path, p.typeDoc[obj], p.position(obj.Pos())
	if ref, ok := p.typeSchema[obj]; ok {
		if !p.handStruct(&named, ref) {
			return nil
		}
	}
	switch named.Kind {
	case model.String, model.Int, model.Uint, model.Float, model.Bool:
		named.Enum, named.EnumNames = p.enumValues(n)
	}
	return p.remember(n, &named)
}

func (p *loader) remember(n *types.Named, t *model.Type) *model.Type {
	p.namedTypes[n] = t
	return t
}

// enumValues returns the JSON literals of the constants of type n declared
// in its package, in declaration order, and the name of the first constant
// of each.
func (p *loader) enumValues(n *types.Named) (lits, names []string) {
	pkg := n.Obj().Pkg()
	if pkg == nil {
		return nil, nil
	}
	var consts []*types.Const
	for _, name := range pkg.Scope().Names() {
		if c, ok := pkg.Scope().Lookup(name).(*types.Const); ok && c.Exported() && types.Identical(c.Type(), n) {
			consts = append(consts, c)
		}
	}
	sort.SliceStable(consts, func(i, j int) bool { return consts[i].Pos() < consts[j].Pos() })
	seen := map[string]bool{}
	for _, c := range consts {
		lit := constLiteral(c.Val())
		if lit != "" && !seen[lit] {
			seen[lit] = true
			lits = append(lits, lit)
			names = append(names, c.Name())
		}
	}
	return lits, names
}

func constLiteral(v constant.Value) string {
	switch v.Kind() {
	case constant.String:
		b, _ := json.Marshal(constant.StringVal(v))
		return string(b)
	case constant.Int, constant.Float:
		return v.ExactString()
	case constant.Bool:
		return strconv.FormatBool(constant.BoolVal(v))
	}
	return ""
}

// structural converts an unnamed type (or a named type's underlying type;
// orig is the type as written, for messages).
func (p *loader) structural(t, orig types.Type, pos model.Pos) *model.Type {
	switch t := t.(type) {
	case *types.Basic:
		switch {
		case t.Kind() == types.Bool:
			return &model.Type{Kind: model.Bool}
		case t.Kind() == types.String:
			return &model.Type{Kind: model.String}
		case t.Info()&types.IsInteger != 0:
			bits := map[types.BasicKind]int{types.Int8: 8, types.Int16: 16, types.Int32: 32, types.Int64: 64,
				types.Uint8: 8, types.Uint16: 16, types.Uint32: 32, types.Uint64: 64}[t.Kind()]
			if t.Kind() == types.Uintptr {
				break
			}
			if t.Info()&types.IsUnsigned != 0 {
				return &model.Type{Kind: model.Uint, Bits: bits}
			}
			return &model.Type{Kind: model.Int, Bits: bits}
		case t.Kind() == types.Float32:
			return &model.Type{Kind: model.Float, Bits: 32}
		case t.Kind() == types.Float64:
			return &model.Type{Kind: model.Float, Bits: 64}
		}
	case *types.Pointer:
		if e := p.convert(t.Elem(), pos); e != nil {
			return &model.Type{Kind: model.Pointer, Elem: e}
		}
		return nil
	case *types.Slice:
		if b, ok := t.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Byte && isPlainByte(t.Elem()) {
			return &model.Type{Kind: model.Bytes}
		}
		if e := p.convert(t.Elem(), pos); e != nil {
			return &model.Type{Kind: model.Slice, Elem: e}
		}
		return nil
	case *types.Array:
		if e := p.convert(t.Elem(), pos); e != nil {
			return &model.Type{Kind: model.Array, Elem: e, Len: int(t.Len())}
		}
		return nil
	case *types.Map:
		k := p.convert(t.Key(), pos)
		if k == nil {
			return nil
		}
		switch k.Kind {
		case model.String, model.Int, model.Uint:
		default:
			p.errorf(pos, "%sunsupported type %s: map keys must be strings or integers", p.where(), types.TypeString(orig, p.qualifier))
			return nil
		}
		if e := p.convert(t.Elem(), pos); e != nil {
			return &model.Type{Kind: model.Map, Key: k, Elem: e}
		}
		return nil
	case *types.Interface:
		if t.Empty() {
			return &model.Type{Kind: model.Any}
		}
	case *types.Struct:
		return p.structType(t, orig, pos)
	}
	p.errorf(pos, "%sunsupported type %s", p.where(), types.TypeString(orig, p.qualifier))
	return nil
}

// isPlainByte reports whether t is byte or uint8 itself (encoding/json
// base64-encodes []byte but not slices of named byte types with methods).
func isPlainByte(t types.Type) bool {
	_, named := types.Unalias(t).(*types.Named)
	return !named
}

type fieldCand struct {
	f      *model.Field
	depth  int
	tagged bool
}

func (p *loader) structType(st *types.Struct, orig types.Type, pos model.Pos) *model.Type {
	mt := &model.Type{Kind: model.Struct}
	owner := "struct"
	if _, named := types.Unalias(orig).(*types.Named); named {
		owner = types.TypeString(orig, p.qualifier)
	}
	cands, ok := p.collectFields(st, owner, "", 0, pos)
	if !ok {
		return nil
	}
	// encoding/json's rules: the shallowest field of a name wins; among
	// equally shallow ones, a single tagged field wins; otherwise none.
	byName := map[string][]fieldCand{}
	var order []string
	for _, c := range cands {
		if _, ok := byName[c.f.JSONName]; !ok {
			order = append(order, c.f.JSONName)
		}
		byName[c.f.JSONName] = append(byName[c.f.JSONName], c)
	}
	for _, name := range order {
		cs := byName[name]
		minDepth := cs[0].depth
		for _, c := range cs {
			minDepth = min(minDepth, c.depth)
		}
		var top []fieldCand
		for _, c := range cs {
			if c.depth == minDepth {
				top = append(top, c)
			}
		}
		if len(top) > 1 {
			var tagged []fieldCand
			for _, c := range top {
				if c.tagged {
					tagged = append(tagged, c)
				}
			}
			if len(tagged) != 1 {
				continue
			}
			top = tagged
		}
		mt.Fields = append(mt.Fields, top[0].f)
	}
	return mt
}

func (p *loader) collectFields(st *types.Struct, owner, prefix string, depth int, usePos model.Pos) ([]fieldCand, bool) {
	var out []fieldCand
	ok := true
	for i := 0; i < st.NumFields(); i++ {
		v := st.Field(i)
		rawTag := st.Tag(i)
		tag := reflect.StructTag(rawTag)
		jsonTag, hasJSON := tag.Lookup("json")
		if jsonTag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(jsonTag, ",")
		node := p.fieldNode(v)
		fpos := usePos
		if node != nil {
			fpos = p.position(node.Pos())
		} else if v.Pos().IsValid() && v.Pkg() == p.pkg.Types {
			fpos = p.position(v.Pos())
		}
		if v.Embedded() && name == "" {
			et := types.Unalias(v.Type())
			if ptr, isPtr := et.(*types.Pointer); isPtr {
				if _, isStruct := ptr.Elem().Underlying().(*types.Struct); isStruct {
					p.errorf(fpos, "embedded pointer field %s is not supported: embed the struct by value", v.Name())
					ok = false
					continue
				}
			}
			if s, isStruct := et.Underlying().(*types.Struct); isStruct {
				if n, isNamed := et.(*types.Named); isNamed && p.resolving[n] {
					p.errorf(fpos, "recursive type %s is not supported: schemas are emitted without $ref", n.Obj().Name())
					ok = false
					continue
				}
				if n, isNamed := et.(*types.Named); isNamed {
					p.resolving[n] = true
				}
				sub, subOK := p.collectFields(s, owner, prefix+v.Name()+".", depth+1, fpos)
				if n, isNamed := et.(*types.Named); isNamed {
					delete(p.resolving, n)
				}
				ok = ok && subOK
				out = append(out, sub...)
				continue
			}
		}
		if !v.Exported() {
			continue
		}
		if name == "" {
			name = v.Name()
		}
		mcpTag, hasMCP := tag.Lookup("mcp")
		if hasMCP && strings.TrimSpace(mcpTag) == "-" {
			continue
		}
		// The field is named in the errors about its type and tag.
		p.fields = append(p.fields, "field "+owner+"."+prefix+v.Name())
		ft := p.convert(v.Type(), fpos)
		if ft == nil {
			p.fields = p.fields[:len(p.fields)-1]
			ok = false
			continue
		}
		if b := baseType(ft); b.Schema != "" && p.nestedSchemaError(fpos, b.SchemaName, b.Schema) {
			p.fields = p.fields[:len(p.fields)-1]
			ok = false
			continue
		}
		f := &model.Field{GoName: prefix + v.Name(), JSONName: name, Type: ft, Tag: rawTag, Pos: fpos}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "omitempty":
				f.OmitEmpty = true
			case "omitzero":
				f.OmitZero = true
			case "string":
				switch ft.Kind {
				case model.Bool, model.Int, model.Uint, model.Float:
					f.AsString = true
				}
			}
		}
		if node != nil {
			doc := node.Doc
			if doc == nil {
				doc = node.Comment
			}
			if doc != nil {
				f.Doc = strings.TrimSpace(doc.Text())
			}
		}
		if hasMCP {
			tagPos := fpos
			if node != nil && node.Tag != nil {
				if idx := strings.Index(node.Tag.Value, `mcp:"`); idx >= 0 {
					tagPos = p.position(node.Tag.Pos() + token.Pos(idx+len(`mcp:"`)))
				}
			}
			if !p.constraints(f, mcpTag, tagPos) {
				ok = false
			}
		}
		p.fields = p.fields[:len(p.fields)-1]
		f.Required = ft.Kind != model.Pointer && !f.OmitEmpty && !f.OmitZero && f.Constraints.Default == ""
		if forced(mcpTag) {
			f.Required = true
		}
		out = append(out, fieldCand{f: f, depth: depth, tagged: hasJSON && name != ""})
	}
	return out, ok
}

func forced(tag string) bool {
	items, err := annotations.ParseTag(tag)
	if err != nil {
		return false
	}
	for _, a := range items {
		if a.Key == "required" {
			return true
		}
	}
	return false
}

// constraints applies an mcp tag to f, checking each value against the
// field's type. tagPos is the position of the tag's first character.
func (p *loader) constraints(f *model.Field, tag string, tagPos model.Pos) bool {
	at := func(col int) model.Pos {
		q := tagPos
		q.Col += col
		return q
	}
	items, err := annotations.ParseTag(tag)
	if err != nil {
		e := err.(*annotations.Error)
		p.errorf(at(e.Col), "%s%s", p.where(), e.Msg)
		return false
	}
	base := f.Type
	for base.Kind == model.Pointer {
		base = base.Elem
	}
	ok := true
	fail := func(a annotations.Arg, format string, args ...any) {
		p.errorf(at(a.KeyCol), "%s%s", p.where(), fmt.Sprintf(format, args...))
		ok = false
	}
	c := &f.Constraints
	numeric := base.Kind == model.Int || base.Kind == model.Uint || base.Kind == model.Float
	stringy := base.Kind == model.String
	listy := base.Kind == model.Slice || base.Kind == model.Array
	var defaultArg annotations.Arg
	for _, a := range items {
		if !a.HasValue && a.Key != "deprecated" && a.Key != "required" {
			fail(a, "%s needs a value (%s=...)", a.Key, a.Key)
			continue
		}
		switch a.Key {
		case "desc":
			c.Description = a.Value
		case "title":
			c.Title = a.Value
		case "deprecated":
			c.Deprecated = true
		case "required":
		case "min", "max", "exclusiveMin", "exclusiveMax":
			if !numeric {
				fail(a, "%s applies to numbers, not %s", a.Key, typeName(f.Type))
				continue
			}
			v, err := strconv.ParseFloat(a.Value, 64)
			if err != nil || !json.Valid([]byte(a.Value)) {
				fail(a, "%s=%s is not a number", a.Key, a.Value)
				continue
			}
			if base.Kind != model.Float && v != float64(int64(v)) {
				fail(a, "%s=%s is not an integer, but the field is %s", a.Key, a.Value, typeName(f.Type))
				continue
			}
			switch a.Key {
			case "min":
				c.Min, c.MinLit = &v, a.Value
			case "max":
				c.Max, c.MaxLit = &v, a.Value
			case "exclusiveMin":
				c.ExclusiveMin, c.ExclusiveMinLit = &v, a.Value
			case "exclusiveMax":
				c.ExclusiveMax, c.ExclusiveMaxLit = &v, a.Value
			}
		case "minLength", "maxLength", "minItems", "maxItems":
			if (a.Key == "minLength" || a.Key == "maxLength") && !stringy {
				fail(a, "%s applies to strings, not %s", a.Key, typeName(f.Type))
				continue
			}
			if (a.Key == "minItems" || a.Key == "maxItems") && !listy {
				fail(a, "%s applies to slices and arrays, not %s", a.Key, typeName(f.Type))
				continue
			}
			n, err := strconv.Atoi(a.Value)
			if err != nil || n < 0 {
				fail(a, "%s=%s is not a non-negative integer", a.Key, a.Value)
				continue
			}
			switch a.Key {
			case "minLength":
				c.MinLength = &n
			case "maxLength":
				c.MaxLength = &n
			case "minItems":
				c.MinItems = &n
			case "maxItems":
				c.MaxItems = &n
			}
		case "pattern":
			if !stringy {
				fail(a, "pattern applies to strings, not %s", typeName(f.Type))
				continue
			}
			if _, err := regexp.Compile(a.Value); err != nil {
				fail(a, "pattern %q does not compile: %v", a.Value, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				continue
			}
			c.Pattern = a.Value
		case "format":
			c.Format = a.Value
		case "schema":
			if js, good := p.handSchema(a.Value, at(a.ValueCol)); good {
				f.Schema, f.SchemaName = js, a.Value
				if p.nestedSchemaError(at(a.ValueCol), a.Value, js) {
					ok = false
				}
			} else {
				ok = false
			}
		case "enum", "examples", "default":
			target := base
			if a.Key != "default" && listy {
				target = base.Elem
			}
			var lits []string
			parts := []string{a.Value}
			if a.Key != "default" {
				parts = strings.Split(a.Value, "|")
			}
			good := true
			for _, part := range parts {
				lit, err := literal(target, part)
				if err != nil {
					fail(a, "%s value %q: %v", a.Key, part, err)
					good = false
					break
				}
				if len(target.Enum) > 0 && !contains(target.Enum, lit) {
					fail(a, "%s value %q is not one of the constants of %s (%s)", a.Key, part, target.Name, strings.Join(target.Enum, ", "))
					good = false
					break
				}
				lits = append(lits, lit)
			}
			if !good {
				continue
			}
			switch a.Key {
			case "enum":
				if !stringy && !numeric && !(listy && base.Elem != nil) && base.Kind != model.Bool {
					fail(a, "enum applies to strings, numbers and booleans, not %s", typeName(f.Type))
					continue
				}
				c.Enum = lits
			case "examples":
				c.Examples = lits
			case "default":
				c.Default, defaultArg = lits[0], a
			}
		}
	}
	if f.Schema != "" {
		for _, a := range items {
			if a.Key != "schema" && a.Key != "required" {
				fail(a, "%s cannot be combined with schema=, which replaces the field's generated schema and checks: write it in %s", a.Key, f.SchemaName)
			}
		}
	}
	if c.Default != "" && ok {
		if msg := defaultViolation(c, base); msg != "" {
			fail(defaultArg, "default %s %s", defaultArg.Value, msg)
		}
	}
	if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
		p.errorf(tagPos, "%smin %s is greater than max %s", p.where(), c.MinLit, c.MaxLit)
		ok = false
	}
	return ok
}

// defaultViolation says how a field's default breaks the field's own
// constraints, or returns "". A default is what the function receives when
// the argument is absent, so it must be a value the client could send.
func defaultViolation(c *model.Constraints, t *model.Type) string {
	if len(c.Enum) > 0 && !contains(c.Enum, c.Default) {
		return "is not one of the enum values"
	}
	switch t.Kind {
	case model.Int, model.Uint, model.Float:
		v, err := strconv.ParseFloat(c.Default, 64)
		if err != nil {
			return ""
		}
		switch {
		case c.Min != nil && v < *c.Min:
			return "is less than min " + c.MinLit
		case c.Max != nil && v > *c.Max:
			return "is greater than max " + c.MaxLit
		case c.ExclusiveMin != nil && v <= *c.ExclusiveMin:
			return "is not greater than exclusiveMin " + c.ExclusiveMinLit
		case c.ExclusiveMax != nil && v >= *c.ExclusiveMax:
			return "is not less than exclusiveMax " + c.ExclusiveMaxLit
		}
	case model.String:
		var v string
		if json.Unmarshal([]byte(c.Default), &v) != nil {
			return ""
		}
		n := utf8.RuneCountInString(v)
		switch {
		case c.MinLength != nil && n < *c.MinLength:
			return fmt.Sprintf("is shorter than minLength %d", *c.MinLength)
		case c.MaxLength != nil && n > *c.MaxLength:
			return fmt.Sprintf("is longer than maxLength %d", *c.MaxLength)
		case c.Pattern != "" && !regexp.MustCompile(c.Pattern).MatchString(v):
			return "does not match the pattern " + c.Pattern
		}
	}
	return ""
}

// literal converts a tag value to a JSON literal of type t.
func literal(t *model.Type, v string) (string, error) {
	for t.Kind == model.Pointer {
		t = t.Elem
	}
	switch t.Kind {
	case model.Time:
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return "", fmt.Errorf("not an RFC 3339 date-time (e.g. 2006-01-02T15:04:05Z)")
		}
		b, _ := json.Marshal(v)
		return string(b), nil
	case model.Duration:
		if _, err := time.ParseDuration(v); err != nil {
			return "", fmt.Errorf("not a duration (e.g. 1h30m, 250ms)")
		}
		b, _ := json.Marshal(v)
		return string(b), nil
	case model.String:
		b, _ := json.Marshal(v)
		return string(b), nil
	case model.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return "", fmt.Errorf("not a boolean")
		}
		return strconv.FormatBool(b), nil
	case model.Int:
		n, err := strconv.ParseInt(v, 10, bitsOr64(t.Bits))
		if err != nil {
			return "", fmt.Errorf("not an integer that fits %s", typeName(t))
		}
		return strconv.FormatInt(n, 10), nil
	case model.Uint:
		n, err := strconv.ParseUint(v, 10, bitsOr64(t.Bits))
		if err != nil {
			return "", fmt.Errorf("not a non-negative integer that fits %s", typeName(t))
		}
		return strconv.FormatUint(n, 10), nil
	case model.Float:
		if _, err := strconv.ParseFloat(v, 64); err != nil || !json.Valid([]byte(v)) {
			return "", fmt.Errorf("not a number")
		}
		return v, nil
	case model.Slice, model.Array, model.Map, model.Struct, model.Any, model.RawJSON:
		if !json.Valid([]byte(v)) {
			return "", fmt.Errorf("not valid JSON for %s", typeName(t))
		}
		return v, nil
	}
	return "", fmt.Errorf("values are not supported for %s", typeName(t))
}

func bitsOr64(b int) int {
	if b == 0 {
		return 64
	}
	return b
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
