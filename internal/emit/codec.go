package emit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/mcpgen/mcpgen/internal/model"
)

// This file emits the codecs: straight-line decoders with validation for
// arguments, and append-style encoders for results, both driving
// runtime/codec. Every named struct gets one reader and one writer
// function, shared by all its uses; slices, maps and arrays get a reader
// function per distinct type; scalars are read and written inline.

// typeKey is a canonical spelling of t, used to share codec functions
// between identical types.
func typeKey(t *model.Type) string {
	if t.Named() {
		return t.ID()
	}
	switch t.Kind {
	case model.Pointer:
		return "*" + typeKey(t.Elem)
	case model.Slice:
		return "[]" + typeKey(t.Elem)
	case model.Array:
		return "[" + strconv.Itoa(t.Len) + "]" + typeKey(t.Elem)
	case model.Map:
		return "map[" + typeKey(t.Key) + "]" + typeKey(t.Elem)
	case model.Struct:
		var b strings.Builder
		b.WriteString("struct{")
		for _, f := range t.Fields {
			fmt.Fprintf(&b, "%s %s %q;", f.GoName, typeKey(f.Type), f.JSONName+jsonOpts(f))
		}
		b.WriteString("}")
		return b.String()
	case model.Int, model.Uint, model.Float:
		return intName(t.Kind.String(), t.Bits)
	}
	return t.Kind.String()
}

// typeBase names a type for generated identifiers: "Report",
// "string_slice", "string_int_map".
func (g *gen) typeBase(t *model.Type) string {
	if t.Named() {
		return t.Name
	}
	switch t.Kind {
	case model.Pointer:
		return g.typeBase(t.Elem) + "_ptr"
	case model.Slice:
		return g.typeBase(t.Elem) + "_slice"
	case model.Array:
		return g.typeBase(t.Elem) + "_array" + strconv.Itoa(t.Len)
	case model.Map:
		return g.typeBase(t.Key) + "_" + g.typeBase(t.Elem) + "_map"
	case model.Int, model.Uint, model.Float:
		return intName(t.Kind.String(), t.Bits)
	case model.Struct:
		if h := g.hints[typeKey(t)]; h != "" {
			return h
		}
	}
	return t.Kind.String()
}

// hint names the unnamed struct types reachable from t (a value of the
// struct or field called name), so that their codecs are called e.g.
// mcpReadSequenceArgs rather than mcpReadStruct.
func (g *gen) hint(t *model.Type, name string) {
	for t.Kind == model.Pointer || t.Kind == model.Slice || t.Kind == model.Array || t.Kind == model.Map {
		t = t.Elem
	}
	if t.Kind != model.Struct || t.Named() {
		return
	}
	if _, ok := g.hints[typeKey(t)]; !ok {
		g.hints[typeKey(t)] = name
	}
	for _, f := range t.Fields {
		g.hint(f.Type, name+"_"+f.JSONName)
	}
}

// argsReader returns the reader of arguments of struct type t, which
// toolHandler drives with a codec.Args; its messages say "argument"
// rather than "field".
func (g *gen) argsReader(t *model.Type) *jen.Statement {
	g.inputs[typeKey(t)] = true
	return g.reader(t)
}

// reader returns the function reading a value of composite type t
// (struct, slice, array or map): func(d *codec.Decoder, v *T) error, or,
// when t can break a constraint (validates), func(d *codec.Decoder, v *T,
// errs *codec.Errors, path string) error, which adds each constraint
// violation to errs at its path (path is v's) and goes on reading, and
// returns only the problems that stop decoding (malformed JSON, a wrong
// type). Unnamed slices and maps of plain scalars use runtime/codec's
// shared readers; the rest get a generated function.
func (g *gen) reader(t *model.Type) *jen.Statement {
	if name := sharedReader(t); name != "" {
		return jen.Qual(codecPkg, name)
	}
	key := "read " + typeKey(t)
	if id, ok := g.funcs[key]; ok {
		return jen.Id(id)
	}
	id := g.names.get("read_" + g.typeBase(t))
	g.funcs[key] = id
	g.queue = append(g.queue, func() {
		var body []jen.Code
		var doc string
		switch t.Kind {
		case model.Struct:
			body, doc = g.readStruct(t), "a JSON object into v"
			if t.Schema != "" {
				doc = "a JSON value into v, checked against the schema written by hand in " + t.SchemaName
			}
		case model.Slice:
			body, doc = g.readSlice(t), "a JSON array (or null) into v"
		case model.Array:
			body, doc = g.readArray(t), fmt.Sprintf("a JSON array of exactly %d elements into v", t.Len)
		case model.Map:
			body, doc = g.readMap(t), "a JSON object (or null) into v"
			if validates(t.Elem) {
				body = g.readMapLoop(t)
			}
		default:
			g.fail("internal error: no reader for %v", t.Kind)
		}
		params := []jen.Code{jen.Id("d").Op("*").Qual(codecPkg, "Decoder"), jen.Id("v").Op("*").Add(g.goType(t))}
		if validates(t) {
			doc += ", adding the constraint violations it finds to errs (path is v's)"
			params = append(params, jen.Id("errs").Op("*").Qual(codecPkg, "Errors"), jen.Id("path").String())
		}
		docf(g.f, "%s reads %s.", id, doc)
		g.f.Func().Id(id).Params(params...).Error().Block(body...)
	})
	return jen.Id(id)
}

// validates reports whether a value of type t can break a constraint
// checked while it is read: structs (required fields, field constraints),
// named types with enum constants, and composites of them.
func validates(t *model.Type) bool {
	t = base(t)
	switch t.Kind {
	case model.Struct:
		return true
	case model.Slice, model.Array, model.Map:
		return validates(t.Elem)
	}
	return len(t.Enum) > 0
}

// readCall calls the reader of composite t with decoder dec on dst (a
// pointer expression), passing errs and the path at when the reader
// validates.
func (g *gen) readCall(dec, dst jen.Code, t *model.Type, errs, at jen.Code) *jen.Statement {
	args := []jen.Code{dec, dst}
	if validates(t) {
		args = append(args, errs, at)
	}
	return g.reader(t).Call(args...)
}

// sharedReader names runtime/codec's reader for t, or returns "" when t
// needs a generated one.
func sharedReader(t *model.Type) string {
	if t.Named() || (t.Kind != model.Slice && t.Kind != model.Map) {
		return ""
	}
	if t.Kind == model.Map && (t.Key.Kind != model.String || t.Key.Named()) {
		return ""
	}
	e := t.Elem
	if e.Named() {
		return ""
	}
	var elem string
	switch {
	case e.Kind == model.String:
		elem = "String"
	case e.Kind == model.Bool:
		elem = "Bool"
	case e.Kind == model.Int && e.Bits == 0:
		elem = "Int"
	case e.Kind == model.Int && e.Bits == 64:
		elem = "Int64"
	case e.Kind == model.Float && e.Bits == 64:
		elem = "Float64"
	default:
		return ""
	}
	if t.Kind == model.Map {
		return "Read" + elem + "Map"
	}
	return "Read" + elem + "s"
}

// readValue returns statements that read a value of type t from decoder
// dec into the addressable dst, setting err (already declared) on a
// problem that stops decoding and adding constraint violations to errs at
// path at. Scalars are read inline; composites call their reader.
func (g *gen) readValue(dec string, dst *jen.Statement, t *model.Type, depth int, at *jen.Statement) []jen.Code {
	d := func() *jen.Statement { return jen.Id(dec) }
	tmp := "x" + strconv.Itoa(depth)
	// scalar reads into a temporary of the codec's type, then converts.
	scalar := func(codecType *jen.Statement, call *jen.Statement, exact bool) []jen.Code {
		if exact {
			return []jen.Code{jen.List(dst.Clone(), jen.Err()).Op("=").Add(call)}
		}
		return []jen.Code{
			jen.Var().Id(tmp).Add(codecType),
			jen.List(jen.Id(tmp), jen.Err()).Op("=").Add(call),
			dst.Clone().Op("=").Add(g.goType(t)).Call(jen.Id(tmp)),
		}
	}
	var code []jen.Code
	switch t.Kind {
	case model.Bool:
		code = scalar(jen.Bool(), d().Dot("ReadBool").Call(), !t.Named())
	case model.String:
		code = scalar(jen.String(), d().Dot("ReadString").Call(), !t.Named())
	case model.Int:
		code = scalar(jen.Int64(), d().Dot("ReadInt").Call(jen.Lit(t.Bits)), !t.Named() && t.Bits == 64)
	case model.Uint:
		code = scalar(jen.Uint64(), d().Dot("ReadUint").Call(jen.Lit(t.Bits)), !t.Named() && t.Bits == 64)
	case model.Float:
		code = scalar(jen.Float64(), d().Dot("ReadFloat").Call(jen.Lit(bitsOr64(t.Bits))), !t.Named() && t.Bits == 64)
	case model.Bytes:
		code = scalar(jen.Index().Byte(), d().Dot("ReadBytes").Call(), !t.Named())
	case model.Time:
		code = scalar(jen.Qual("time", "Time"), d().Dot("ReadTime").Call(), true)
	case model.Duration:
		code = scalar(jen.Qual("time", "Duration"), d().Dot("ReadDuration").Call(), true)
	case model.RawJSON:
		code = scalar(jen.Index().Byte(), d().Dot("ReadRaw").Call(), true)
	case model.Any:
		code = scalar(jen.Any(), d().Dot("ReadAny").Call(), true)
	case model.Marshaler:
		if t.TextMarshaler {
			return []jen.Code{
				jen.Var().Id(tmp).String(),
				jen.If(jen.List(jen.Id(tmp), jen.Err()).Op("=").Add(d().Dot("ReadString").Call()), jen.Err().Op("==").Nil()).Block(
					jen.Err().Op("=").Add(dst.Clone()).Dot("UnmarshalText").Call(jen.Index().Byte().Call(jen.Id(tmp))),
				),
			}
		}
		return []jen.Code{
			jen.Var().Id(tmp).Index().Byte(),
			jen.If(jen.List(jen.Id(tmp), jen.Err()).Op("=").Add(d().Dot("ReadRaw").Call()), jen.Err().Op("==").Nil()).Block(
				jen.Err().Op("=").Add(dst.Clone()).Dot("UnmarshalJSON").Call(jen.Id(tmp)),
			),
		}
	case model.Pointer:
		p := "p" + strconv.Itoa(depth)
		inner := []jen.Code{jen.Id(p).Op(":=").New(g.goType(t.Elem))}
		switch t.Elem.Kind {
		case model.Struct, model.Slice, model.Array, model.Map:
			inner = append(inner, jen.Err().Op("=").Add(g.readCall(d(), jen.Id(p), t.Elem, jen.Id("errs"), at)))
		case model.Marshaler:
			inner = append(inner, g.readValue(dec, jen.Id(p), t.Elem, depth+1, at)...)
		default:
			inner = append(inner, g.readValue(dec, jen.Op("*").Id(p), t.Elem, depth+1, at)...)
		}
		inner = append(inner, dst.Clone().Op("=").Id(p))
		return []jen.Code{jen.If(d().Dot("ReadNull").Call()).Block(dst.Clone().Op("=").Nil()).Else().Block(inner...)}
	case model.Struct, model.Slice, model.Array, model.Map:
		return []jen.Code{jen.Err().Op("=").Add(g.readCall(d(), jen.Op("&").Add(dst.Clone()), t, jen.Id("errs"), at))}
	default:
		g.fail("internal error: cannot decode %v", t.Kind)
		return nil
	}
	if len(t.Enum) > 0 {
		code = append(code, jen.If(jen.Err().Op("==").Nil()).Block(g.enumCheck(dst, t, t.Enum, func(msg jen.Code) jen.Code {
			return jen.Id("errs").Dot("Add").Call(at.Clone(), msg)
		})))
	}
	return code
}

// enumCheck returns a switch that calls fail with a message when x is not
// one of the JSON literals lits.
func (g *gen) enumCheck(x *jen.Statement, t *model.Type, lits []string, fail func(msg jen.Code) jen.Code) jen.Code {
	cases := make([]jen.Code, 0, len(lits))
	for _, lit := range lits {
		cases = append(cases, goLiteral(t, lit))
	}
	msg := "must be one of " + strings.Join(lits, ", ")
	var got jen.Code
	switch base(t).Kind {
	case model.String:
		s := x.Clone()
		if t.Named() {
			s = jen.String().Call(x.Clone())
		}
		got = jen.Qual("fmt", "Sprintf").Call(jen.Lit(msg+", not %q"), s)
	default:
		got = jen.Qual("fmt", "Sprintf").Call(jen.Lit(msg+", not %v"), x.Clone())
	}
	return jen.Switch(x.Clone()).Block(
		jen.Case(cases...),
		jen.Default().Block(fail(got)),
	)
}

// base strips pointers.
func base(t *model.Type) *model.Type {
	for t.Kind == model.Pointer {
		t = t.Elem
	}
	return t
}

// goLiteral converts a JSON scalar literal to a Go constant expression
// assignable to t.
func goLiteral(t *model.Type, lit string) jen.Code {
	if base(t).Kind == model.String {
		var s string
		if err := json.Unmarshal([]byte(lit), &s); err == nil {
			return jen.Lit(s)
		}
	}
	return jen.Id(lit)
}

func (g *gen) readStruct(t *model.Type) []jen.Code {
	if t.Schema != "" {
		return g.readHand(t.SchemaName, t.Schema, jen.Id("v"), jen.Id("path"), true)
	}
	top := g.inputs[typeKey(t)]
	what := "field"
	if top {
		what = "argument"
	}
	code := []jen.Code{
		jen.If(jen.Err().Op(":=").Id("d").Dot("BeginObject").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
	}
	type tracked struct {
		f  *model.Field
		id string
	}
	var seen []tracked
	var cases []jen.Code
	flags := map[string]bool{}
	for i, f := range t.Fields {
		dst := jen.Id("v").Dot(f.GoName)
		at := jen.Qual(codecPkg, "Join").Call(jen.Id("path"), jen.Lit(f.JSONName))
		var body []jen.Code
		// hasCity records that the field was read: for duplicates,
		// required fields and defaults.
		id := "has" + exported(f.GoName)
		if flags[id] {
			id += strconv.Itoa(i)
		}
		flags[id] = true
		seen = append(seen, tracked{f, id})
		body = append(body,
			jen.If(jen.Id(id)).Block(jen.Return(jen.Qual(codecPkg, "Duplicate").Call(jen.Lit(f.JSONName)))),
			jen.Id(id).Op("=").True())
		switch {
		case f.Schema != "":
			body = append(body, g.readHand(f.SchemaName, f.Schema, jen.Op("&").Add(dst.Clone()), at, false)...)
		case f.AsString:
			body = append(body, g.readAsString(dst, f.Type, at)...)
		default:
			body = append(body, g.readValue("d", dst, f.Type, 0, at)...)
		}
		body = append(body, jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual(codecPkg, "AtField").Call(jen.Err(), jen.Lit(f.JSONName)))))
		if f.Schema == "" {
			body = append(body, g.fieldChecks(f, dst)...)
		}
		cases = append(cases, jen.Case(jen.Lit(f.JSONName)).Block(body...))
	}
	cases = append(cases, jen.Default().Block(
		jen.If(jen.Err().Op(":=").Id("d").Dot("Skip").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
	))
	if len(seen) > 0 {
		ids := make([]jen.Code, len(seen))
		for i, s := range seen {
			ids[i] = jen.Id(s.id)
		}
		code = append(code, jen.Var().List(ids...).Bool())
	}
	key := jen.Id("key")
	if len(t.Fields) == 0 {
		key = jen.Id("_")
	}
	loop := []jen.Code{
		jen.List(key, jen.Id("ok"), jen.Err()).Op(":=").Id("d").Dot("NextKey").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.If(jen.Op("!").Id("ok")).Block(jen.Break()),
	}
	if len(t.Fields) > 0 {
		loop = append(loop, jen.Switch(jen.String().Call(jen.Id("key"))).Block(cases...))
	} else {
		loop = append(loop, jen.If(jen.Err().Op(":=").Id("d").Dot("Skip").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())))
	}
	code = append(code, jen.For().Block(loop...))
	for _, s := range seen {
		if !s.f.Required && s.f.Constraints.Default == "" {
			continue
		}
		if s.f.Required {
			code = append(code, jen.If(jen.Op("!").Id(s.id)).Block(
				jen.Id("errs").Dot("Add").Call(jen.Id("path"), jen.Lit(fmt.Sprintf("missing required %s %q", what, s.f.JSONName)))))
			continue
		}
		code = append(code, jen.If(jen.Op("!").Id(s.id)).Block(g.setDefault(jen.Id("v").Dot(s.f.GoName), s.f)...))
	}
	return append(code, jen.Return(jen.Nil()))
}

// readHand reads a value whose schema is written by hand (schema named
// name, JSON js) into the pointer dst: its raw JSON is checked against the
// compiled schema, the problems added to errs at path at, and a value
// that passes is decoded with encoding/json, since the schema, not the Go
// type, says what it may hold. whole is true for a reader's whole body
// (a struct type with //mcp:schema), false inside a struct reader, where
// err is declared and checked after.
func (g *gen) readHand(name, js string, dst, at *jen.Statement, whole bool) []jen.Code {
	check := []jen.Code{
		jen.Id("n").Op(":=").Id("errs").Dot("Len").Call(),
		jen.Id(g.schemaVar(name, js)).Dot("Check").Call(jen.Id("raw"), at, jen.Id("errs")),
	}
	if whole {
		return append([]jen.Code{
			jen.List(jen.Id("raw"), jen.Err()).Op(":=").Id("d").Dot("ReadRaw").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		}, append(check,
			jen.If(jen.Id("errs").Dot("Len").Call().Op(">").Id("n")).Block(jen.Return(jen.Nil())),
			jen.Return(jen.Qual("encoding/json", "Unmarshal").Call(jen.Id("raw"), dst)),
		)...)
	}
	return []jen.Code{
		jen.Var().Id("raw").Index().Byte(),
		jen.If(jen.List(jen.Id("raw"), jen.Err()).Op("=").Id("d").Dot("ReadRaw").Call(), jen.Err().Op("==").Nil()).Block(append(check,
			jen.If(jen.Id("errs").Dot("Len").Call().Op("==").Id("n")).Block(
				jen.Err().Op("=").Qual("encoding/json", "Unmarshal").Call(jen.Id("raw"), dst)),
		)...),
	}
}

// readAsString reads a ",string" scalar: a JSON string holding the value.
func (g *gen) readAsString(dst *jen.Statement, t *model.Type, at *jen.Statement) []jen.Code {
	inner := []jen.Code{
		jen.Var().Id("sd").Qual(codecPkg, "Decoder"),
		jen.Id("sd").Dot("Reset").Call(jen.Index().Byte().Call(jen.Id("s"))),
	}
	inner = append(inner, g.readValue("sd", dst, t, 1, at)...)
	inner = append(inner, jen.If(jen.Err().Op("==").Nil()).Block(jen.Err().Op("=").Id("sd").Dot("End").Call()))
	return []jen.Code{
		jen.Var().Id("s").String(),
		jen.If(jen.List(jen.Id("s"), jen.Err()).Op("=").Id("d").Dot("ReadString").Call(), jen.Err().Op("==").Nil()).Block(inner...),
	}
}

// setDefault assigns a field's default: a Go constant for scalars, and
// otherwise the default's JSON decoded by the field's own reader.
func (g *gen) setDefault(dst *jen.Statement, f *model.Field) []jen.Code {
	lit := f.Constraints.Default
	t := f.Type
	switch t.Kind {
	case model.Bool, model.Int, model.Uint, model.Float, model.String:
		if !f.AsString {
			return []jen.Code{dst.Clone().Op("=").Add(goLiteral(t, lit))}
		}
	}
	code := []jen.Code{
		jen.Var().Id("dd").Qual(codecPkg, "Decoder"),
		jen.Id("dd").Dot("Reset").Call(jen.Index().Byte().Call(jen.Lit(lit))),
		jen.Var().Err().Error(),
	}
	code = append(code, g.readValue("dd", dst, t, 0, jen.Qual(codecPkg, "Join").Call(jen.Id("path"), jen.Lit(f.JSONName)))...)
	code = append(code, jen.If(jen.Err().Op("!=").Nil()).Block(
		jen.Id("errs").Dot("Addf").Call(jen.Lit(f.JSONName), jen.Lit("invalid default: %v"), jen.Err())))
	return code
}

// fieldChecks returns the validation of a field's mcp tag constraints,
// run after the field was read; problems are added to errs.
func (g *gen) fieldChecks(f *model.Field, dst *jen.Statement) []jen.Code {
	c := &f.Constraints
	t := f.Type
	x := dst.Clone()
	guard := false
	if t.Kind == model.Pointer {
		guard = true
		x = jen.Op("*").Add(dst.Clone())
		t = base(t)
	}
	path := jen.Qual(codecPkg, "Join").Call(jen.Id("path"), jen.Lit(f.JSONName))
	add := func(format string, args ...jen.Code) jen.Code {
		if len(args) == 0 {
			return jen.Id("errs").Dot("Add").Call(path.Clone(), jen.Lit(format))
		}
		return jen.Id("errs").Dot("Addf").Call(append([]jen.Code{path.Clone(), jen.Lit(format)}, args...)...)
	}
	var checks []jen.Code
	num := func(lit string, op, words string) {
		// Constants compare with any numeric type, unless they do not fit
		// it: widen small integers and unsigned ones (min=-1 on a uint).
		cmp := x.Clone()
		if t.Kind == model.Uint || t.Kind == model.Int && t.Bits != 0 && t.Bits < 64 {
			cmp = jen.Float64().Call(x.Clone())
		}
		checks = append(checks, jen.If(cmp.Op(op).Id(lit)).Block(add("must be "+words+" "+lit+", not %v", x.Clone())))
	}
	if c.MinLit != "" {
		num(c.MinLit, "<", "at least")
	}
	if c.MaxLit != "" {
		num(c.MaxLit, ">", "at most")
	}
	if c.ExclusiveMinLit != "" {
		num(c.ExclusiveMinLit, "<=", "greater than")
	}
	if c.ExclusiveMaxLit != "" {
		num(c.ExclusiveMaxLit, ">=", "less than")
	}
	str := x.Clone()
	if t.Named() {
		str = jen.String().Call(x.Clone())
	}
	if c.MinLength != nil || c.MaxLength != nil {
		n := jen.Qual("unicode/utf8", "RuneCountInString").Call(str.Clone())
		if c.MinLength != nil {
			checks = append(checks, jen.If(n.Clone().Op("<").Lit(*c.MinLength)).Block(
				add(fmt.Sprintf("must be at least %s long", count(*c.MinLength, "character", "characters")))))
		}
		if c.MaxLength != nil {
			checks = append(checks, jen.If(n.Clone().Op(">").Lit(*c.MaxLength)).Block(
				add(fmt.Sprintf("must be at most %s long", count(*c.MaxLength, "character", "characters")))))
		}
	}
	if c.MinItems != nil {
		checks = append(checks, jen.If(jen.Len(x.Clone()).Op("<").Lit(*c.MinItems)).Block(
			add(fmt.Sprintf("must have at least %s, not %%d", count(*c.MinItems, "item", "items")), jen.Len(x.Clone()))))
	}
	if c.MaxItems != nil {
		checks = append(checks, jen.If(jen.Len(x.Clone()).Op(">").Lit(*c.MaxItems)).Block(
			add(fmt.Sprintf("must have at most %s, not %%d", count(*c.MaxItems, "item", "items")), jen.Len(x.Clone()))))
	}
	if c.Pattern != "" {
		re := g.pattern(c.Pattern)
		checks = append(checks, jen.If(jen.Op("!").Id(re).Dot("MatchString").Call(str.Clone())).Block(
			add("must match the pattern %s", jen.Id(re).Dot("String").Call())))
	}
	if len(c.Enum) > 0 {
		if t.Kind == model.Slice || t.Kind == model.Array {
			elem := t.Elem
			checks = append(checks, jen.For(jen.List(jen.Id("i"), jen.Id("e")).Op(":=").Range().Add(x.Clone())).Block(
				g.enumCheck(jen.Id("e"), elem, c.Enum, func(msg jen.Code) jen.Code {
					return jen.Id("errs").Dot("Add").Call(jen.Qual(codecPkg, "Index").Call(path.Clone(), jen.Id("i")), msg)
				})))
		} else {
			checks = append(checks, g.enumCheck(x.Clone(), t, c.Enum, func(msg jen.Code) jen.Code {
				return jen.Id("errs").Dot("Add").Call(path.Clone(), msg)
			}))
		}
	}
	if guard && len(checks) > 0 {
		return []jen.Code{jen.If(dst.Clone().Op("!=").Nil()).Block(checks...)}
	}
	return checks
}

// pattern returns the variable holding the compiled regular expression re.
func (g *gen) pattern(re string) string {
	if id, ok := g.patterns[re]; ok {
		return id
	}
	id := g.names.get("pattern" + strconv.Itoa(len(g.patterns)+1))
	g.patterns[re] = id
	return id
}

func (g *gen) readSlice(t *model.Type) []jen.Code {
	if !validates(t.Elem) {
		return []jen.Code{jen.Return(jen.Qual(codecPkg, "ReadSlice").Call(jen.Id("d"), jen.Id("v"), g.elemReader(t.Elem, nil)))}
	}
	// ReadSlice reads the elements in order: i counts them, for the path.
	read := g.elemReader(t.Elem, jen.Qual(codecPkg, "Index").Call(jen.Id("path"), jen.Id("i")), jen.Id("i").Op("++"))
	return []jen.Code{
		jen.Id("i").Op(":=").Lit(0),
		jen.Return(jen.Qual(codecPkg, "ReadSlice").Call(jen.Id("d"), jen.Id("v"), read)),
	}
}

// elemReader returns a func literal reading one element of type t:
// func(d *codec.Decoder) (T, error); at is the element's path, and after
// runs once it is read.
func (g *gen) elemReader(t *model.Type, at *jen.Statement, after ...jen.Code) *jen.Statement {
	body := append([]jen.Code{jen.Var().Id("e").Add(g.goType(t)), jen.Var().Err().Error()}, g.readValue("d", jen.Id("e"), t, 0, at)...)
	body = append(body, after...)
	body = append(body, jen.Return(jen.Id("e"), jen.Err()))
	return jen.Func().Params(jen.Id("d").Op("*").Qual(codecPkg, "Decoder")).Params(g.goType(t), jen.Error()).Block(body...)
}

func (g *gen) readArray(t *model.Type) []jen.Code {
	elem := g.readValue("d", jen.Parens(jen.Op("*").Id("v")).Index(jen.Id("i")), t.Elem, 0, jen.Qual(codecPkg, "Index").Call(jen.Id("path"), jen.Id("i")))
	n := jen.Lit(t.Len)
	return []jen.Code{
		jen.If(jen.Err().Op(":=").Id("d").Dot("BeginArray").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Id("i").Op(":=").Lit(0),
		jen.For(jen.Empty(), jen.Empty(), jen.Id("i").Op("++")).Block(
			append(append([]jen.Code{
				jen.List(jen.Id("more"), jen.Err()).Op(":=").Id("d").Dot("NextElem").Call(),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
				jen.If(jen.Op("!").Id("more")).Block(jen.Break()),
				jen.If(jen.Id("i").Op(">=").Add(n.Clone())).Block(jen.Return(jen.Op("&").Qual(codecPkg, "Error").Values(jen.Dict{
					jen.Id("Msg"): jen.Lit(fmt.Sprintf("must have exactly %s", count(t.Len, "item", "items")))}))),
			}, elem...),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual(codecPkg, "AtIndex").Call(jen.Err(), jen.Id("i")))),
			)...,
		),
		jen.If(jen.Id("i").Op("!=").Add(n.Clone())).Block(jen.Return(jen.Op("&").Qual(codecPkg, "Error").Values(jen.Dict{
			jen.Id("Msg"): jen.Qual("fmt", "Sprintf").Call(jen.Lit(fmt.Sprintf("must have exactly %s, not %%d", count(t.Len, "item", "items"))), jen.Id("i"))}))),
		jen.Return(jen.Nil()),
	}
}

func (g *gen) readMap(t *model.Type) []jen.Code {
	var call *jen.Statement
	switch t.Key.Kind {
	case model.String:
		call = jen.Qual(codecPkg, "ReadMap").Call(jen.Id("d"), jen.Id("v"), g.elemReader(t.Elem, nil))
	case model.Int:
		call = jen.Qual(codecPkg, "ReadIntKeyMap").Call(jen.Id("d"), jen.Id("v"), jen.Lit(t.Key.Bits), g.elemReader(t.Elem, nil))
	case model.Uint:
		call = jen.Qual(codecPkg, "ReadUintKeyMap").Call(jen.Id("d"), jen.Id("v"), jen.Lit(t.Key.Bits), g.elemReader(t.Elem, nil))
	default:
		g.fail("internal error: map key kind %v", t.Key.Kind)
	}
	return []jen.Code{jen.Return(call)}
}

// readMapLoop reads a map whose values can break a constraint: the loop
// of runtime/codec's map readers, written out so that each value's
// violations are added at its key's path.
func (g *gen) readMapLoop(t *model.Type) []jen.Code {
	var key []jen.Code
	switch t.Key.Kind {
	case model.String:
		key = []jen.Code{jen.Id("k").Op(":=").Add(g.goType(t.Key)).Call(jen.Id("name"))}
	case model.Int, model.Uint:
		parse, what := "ParseInt", "an integer"
		if t.Key.Kind == model.Uint {
			parse, what = "ParseUint", "a non-negative integer"
		}
		key = []jen.Code{
			jen.List(jen.Id("n"), jen.Err()).Op(":=").Qual("strconv", parse).Call(jen.Id("name"), jen.Lit(10), jen.Lit(t.Key.Bits)),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual(codecPkg, "KeyError").Call(jen.Id("name"), jen.Err(), jen.Lit(what)))),
			jen.Id("k").Op(":=").Add(g.goType(t.Key)).Call(jen.Id("n")),
		}
	default:
		g.fail("internal error: map key kind %v", t.Key.Kind)
	}
	loop := []jen.Code{
		jen.List(jen.Id("key"), jen.Id("ok"), jen.Err()).Op(":=").Id("d").Dot("NextKey").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.If(jen.Op("!").Id("ok")).Block(jen.Break()),
		jen.Id("name").Op(":=").String().Call(jen.Id("key")),
	}
	loop = append(loop, key...)
	loop = append(loop,
		jen.If(jen.List(jen.Id("_"), jen.Id("dup")).Op(":=").Id("out").Index(jen.Id("k")), jen.Id("dup")).Block(jen.Return(jen.Qual(codecPkg, "Duplicate").Call(jen.Id("name")))),
		jen.Var().Id("e").Add(g.goType(t.Elem)),
	)
	loop = append(loop, g.readValue("d", jen.Id("e"), t.Elem, 0, jen.Qual(codecPkg, "Join").Call(jen.Id("path"), jen.Id("name")))...)
	loop = append(loop,
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual(codecPkg, "AtField").Call(jen.Err(), jen.Id("name")))),
		jen.Id("out").Index(jen.Id("k")).Op("=").Id("e"),
	)
	return []jen.Code{
		jen.If(jen.Id("d").Dot("ReadNull").Call()).Block(jen.Op("*").Id("v").Op("=").Nil(), jen.Return(jen.Nil())),
		jen.If(jen.Err().Op(":=").Id("d").Dot("BeginObject").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Id("out").Op(":=").Add(g.goType(t)).Values(),
		jen.For().Block(loop...),
		jen.Op("*").Id("v").Op("=").Id("out"),
		jen.Return(jen.Nil()),
	}
}

// writer returns the name of the function that appends the JSON of a
// value of type t: func(b []byte, v *T) ([]byte, error). Its output is
// byte for byte what encoding/json.Marshal produces.
func (g *gen) writer(t *model.Type) string {
	key := "write " + typeKey(t)
	if id, ok := g.funcs[key]; ok {
		return id
	}
	id := g.names.get("write_" + g.typeBase(t))
	g.funcs[key] = id
	g.queue = append(g.queue, func() {
		w := &writeCtx{g: g}
		x := jen.Parens(jen.Op("*").Id("v"))
		if t.Kind == model.Struct {
			x = jen.Id("v") // fields are selected through the pointer
		}
		body := w.value(x, t, 0)
		if w.err {
			body = append([]jen.Code{jen.Var().Err().Error()}, body...)
		}
		body = append(body, jen.Return(jen.Id("b"), jen.Nil()))
		docf(g.f, "%s appends the JSON encoding of *v to b, as encoding/json would.", id)
		g.f.Func().Id(id).Params(jen.Id("b").Index().Byte(), jen.Id("v").Op("*").Add(g.goType(t))).Params(jen.Index().Byte(), jen.Error()).Block(body...)
	})
	return id
}

// writeCtx emits the body of one writer function.
type writeCtx struct {
	g   *gen
	err bool // the body uses err
}

func appendLit(s string) jen.Code {
	if len(s) == 1 {
		return jen.Id("b").Op("=").Append(jen.Id("b"), jen.LitRune(rune(s[0])))
	}
	lit := jen.Lit(s)
	if strings.Contains(s, `"`) && !strings.ContainsAny(s, "`\\\n") {
		lit = jen.Id("`" + s + "`")
	}
	return jen.Id("b").Op("=").Append(jen.Id("b"), lit.Op("..."))
}

// fallible returns `if b, err = call; err != nil { return b, err }`.
func (w *writeCtx) fallible(call jen.Code) jen.Code {
	w.err = true
	return jen.If(jen.List(jen.Id("b"), jen.Err()).Op("=").Add(call), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("b"), jen.Err()))
}

// value returns statements appending the JSON of x (addressable, type t).
func (w *writeCtx) value(x *jen.Statement, t *model.Type, depth int) []jen.Code {
	g := w.g
	conv := func(to *jen.Statement, exact bool) *jen.Statement {
		if exact {
			return x.Clone()
		}
		return to.Call(x.Clone())
	}
	set := func(call jen.Code) []jen.Code { return []jen.Code{jen.Id("b").Op("=").Add(call)} }
	d := strconv.Itoa(depth)
	switch t.Kind {
	case model.Bool:
		return set(jen.Qual(codecPkg, "AppendBool").Call(jen.Id("b"), conv(jen.Bool(), !t.Named())))
	case model.String:
		return set(jen.Qual(codecPkg, "AppendString").Call(jen.Id("b"), conv(jen.String(), !t.Named())))
	case model.Int:
		return set(jen.Qual(codecPkg, "AppendInt").Call(jen.Id("b"), conv(jen.Int64(), !t.Named() && t.Bits == 64)))
	case model.Uint:
		return set(jen.Qual(codecPkg, "AppendUint").Call(jen.Id("b"), conv(jen.Uint64(), !t.Named() && t.Bits == 64)))
	case model.Float:
		return []jen.Code{w.fallible(jen.Qual(codecPkg, "AppendFloat").Call(jen.Id("b"), conv(jen.Float64(), !t.Named() && t.Bits == 64), jen.Lit(bitsOr64(t.Bits))))}
	case model.Bytes:
		return set(jen.Qual(codecPkg, "AppendBytes").Call(jen.Id("b"), conv(jen.Index().Byte(), !t.Named())))
	case model.Time:
		return []jen.Code{w.fallible(jen.Qual(codecPkg, "AppendTime").Call(jen.Id("b"), x.Clone()))}
	case model.Duration:
		return set(jen.Qual(codecPkg, "AppendDuration").Call(jen.Id("b"), x.Clone()))
	case model.RawJSON:
		return []jen.Code{w.fallible(jen.Qual(codecPkg, "AppendRaw").Call(jen.Id("b"), x.Clone()))}
	case model.Any:
		return []jen.Code{w.fallible(jen.Qual(codecPkg, "AppendAny").Call(jen.Id("b"), x.Clone()))}
	case model.Marshaler:
		w.err = true
		out := "m" + d
		if t.TextMarshaler {
			return []jen.Code{
				jen.List(jen.Id(out), jen.Err()).Op(":=").Add(x.Clone()).Dot("MarshalText").Call(),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("b"), jen.Err())),
				jen.Id("b").Op("=").Qual(codecPkg, "AppendString").Call(jen.Id("b"), jen.String().Call(jen.Id(out))),
			}
		}
		return []jen.Code{
			jen.List(jen.Id(out), jen.Err()).Op(":=").Add(x.Clone()).Dot("MarshalJSON").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("b"), jen.Err())),
			w.fallible(jen.Qual(codecPkg, "AppendRaw").Call(jen.Id("b"), jen.Id(out))),
		}
	case model.Pointer:
		var elem []jen.Code
		switch {
		case t.Elem.Kind == model.Struct && t.Elem.Named():
			elem = []jen.Code{w.fallible(jen.Id(g.writer(t.Elem)).Call(jen.Id("b"), x.Clone()))}
		case t.Elem.Kind == model.Struct:
			elem = w.structBody(x, t.Elem, strconv.Itoa(depth+1), depth+1)
		default:
			elem = w.value(jen.Parens(jen.Op("*").Add(x.Clone())), t.Elem, depth+1)
		}
		return []jen.Code{jen.If(x.Clone().Op("==").Nil()).Block(appendLit("null")).Else().Block(elem...)}
	case model.Slice, model.Array:
		i := "i" + d
		loop := jen.For(jen.Id(i).Op(":=").Range().Add(x.Clone())).Block(
			append([]jen.Code{jen.If(jen.Id(i).Op(">").Lit(0)).Block(appendLit(","))},
				w.value(x.Clone().Index(jen.Id(i)), t.Elem, depth+1)...)...)
		body := []jen.Code{appendLit("["), loop, appendLit("]")}
		if t.Kind == model.Array {
			return body
		}
		return []jen.Code{jen.If(x.Clone().Op("==").Nil()).Block(appendLit("null")).Else().Block(body...)}
	case model.Map:
		return []jen.Code{jen.If(x.Clone().Op("==").Nil()).Block(appendLit("null")).Else().Block(w.mapBody(x, t, d, depth)...)}
	case model.Struct:
		if t.Named() && depth > 0 {
			return []jen.Code{w.fallible(jen.Id(g.writer(t)).Call(jen.Id("b"), jen.Op("&").Add(x.Clone())))}
		}
		return w.structBody(x, t, d, depth)
	}
	g.fail("internal error: cannot encode %v", t.Kind)
	return nil
}

func (w *writeCtx) mapBody(x *jen.Statement, t *model.Type, d string, depth int) []jen.Code {
	g := w.g
	keys, i, k, e := "keys"+d, "i"+d, "k"+d, "e"+d
	var code []jen.Code
	var key, index jen.Code
	if t.Key.Kind == model.String {
		code = append(code,
			jen.Id(keys).Op(":=").Make(jen.Index().String(), jen.Lit(0), jen.Len(x.Clone())),
			jen.For(jen.Id(k).Op(":=").Range().Add(x.Clone())).Block(
				jen.Id(keys).Op("=").Append(jen.Id(keys), jen.String().Call(jen.Id(k)))),
			jen.Qual("sort", "Strings").Call(jen.Id(keys)),
		)
		key = jen.Id("b").Op("=").Qual(codecPkg, "AppendKey").Call(jen.Id("b"), jen.Id(k))
		index = g.goType(t.Key).Call(jen.Id(k))
		if !t.Key.Named() {
			index = jen.Id(k)
		}
	} else {
		// encoding/json sorts integer keys by their decimal text.
		text := func(v string) jen.Code {
			if t.Key.Kind == model.Uint {
				return jen.Qual("strconv", "FormatUint").Call(jen.Uint64().Call(jen.Id(v)), jen.Lit(10))
			}
			return jen.Qual("strconv", "FormatInt").Call(jen.Int64().Call(jen.Id(v)), jen.Lit(10))
		}
		code = append(code,
			jen.Id(keys).Op(":=").Make(jen.Index().Add(g.goType(t.Key)), jen.Lit(0), jen.Len(x.Clone())),
			jen.For(jen.Id(k).Op(":=").Range().Add(x.Clone())).Block(
				jen.Id(keys).Op("=").Append(jen.Id(keys), jen.Id(k))),
			jen.Qual("slices", "SortFunc").Call(jen.Id(keys), jen.Func().Params(jen.List(jen.Id("p"), jen.Id("q")).Add(g.goType(t.Key))).Int().Block(
				jen.Return(jen.Qual("strings", "Compare").Call(text("p"), text("q"))))),
		)
		appendNum := jen.Qual(codecPkg, "AppendInt").Call(jen.Id("b"), jen.Int64().Call(jen.Id(k)))
		if t.Key.Kind == model.Uint {
			appendNum = jen.Qual(codecPkg, "AppendUint").Call(jen.Id("b"), jen.Uint64().Call(jen.Id(k)))
		}
		key = jen.Block(appendLit(`"`), jen.Id("b").Op("=").Add(appendNum), appendLit(`":`))
		index = jen.Id(k)
	}
	loop := []jen.Code{
		jen.If(jen.Id(i).Op(">").Lit(0)).Block(appendLit(",")),
		key,
		jen.Id(e).Op(":=").Add(x.Clone()).Index(index),
	}
	loop = append(loop, w.value(jen.Id(e), t.Elem, depth+1)...)
	code = append(code, appendLit("{"), jen.For(jen.List(jen.Id(i), jen.Id(k)).Op(":=").Range().Id(keys)).Block(loop...), appendLit("}"))
	return code
}

// structBody writes a struct's fields. When the first field is always
// written the keys are emitted as static text; otherwise every member is
// written with a leading comma and the first comma becomes the '{'.
func (w *writeCtx) structBody(x *jen.Statement, t *model.Type, d string, depth int) []jen.Code {
	if len(t.Fields) == 0 {
		return []jen.Code{appendLit("{}")}
	}
	static := w.g.omitCheck(x.Clone().Dot(t.Fields[0].GoName), t.Fields[0]) == nil
	var code []jen.Code
	start := "start" + d
	if !static {
		code = append(code, jen.Id(start).Op(":=").Len(jen.Id("b")))
	}
	for i, f := range t.Fields {
		fx := x.Clone().Dot(f.GoName)
		prefix := ","
		if static && i == 0 {
			prefix = "{"
		}
		member := []jen.Code{appendLit(prefix + jsonKey(f.JSONName))}
		if f.AsString {
			member = append(member, appendLit(`"`))
			member = append(member, w.value(fx, f.Type, depth+1)...)
			member = append(member, appendLit(`"`))
		} else {
			member = append(member, w.value(fx, f.Type, depth+1)...)
		}
		if cond := w.g.omitCheck(fx, f); cond != nil {
			code = append(code, jen.If(cond).Block(member...))
		} else {
			code = append(code, member...)
		}
	}
	if static {
		return append(code, appendLit("}"))
	}
	return append(code,
		jen.If(jen.Len(jen.Id("b")).Op("==").Id(start)).Block(appendLit("{}")).Else().Block(
			jen.Id("b").Index(jen.Id(start)).Op("=").LitRune('{'),
			appendLit("}"),
		))
}

// jsonKey returns the JSON text of an object key followed by ':'.
func jsonKey(name string) string {
	b, _ := json.Marshal(name)
	return string(b) + ":"
}

// omitCheck returns the condition under which field f (value x) is
// written, or nil when it always is.
func (g *gen) omitCheck(x *jen.Statement, f *model.Field) jen.Code {
	var conds []jen.Code
	if f.OmitEmpty {
		if c := nonEmpty(x, f.Type); c != nil {
			conds = append(conds, c)
		}
	}
	if f.OmitZero {
		if c := g.nonZero(x, f.Type); c != nil {
			conds = append(conds, c)
		}
	}
	switch len(conds) {
	case 0:
		return nil
	case 1:
		return conds[0]
	}
	return jen.Add(conds[0]).Op("&&").Add(conds[1])
}

// nonEmpty is encoding/json's omitempty test, negated; nil means the
// value is never empty (structs, time.Time).
func nonEmpty(x *jen.Statement, t *model.Type) jen.Code {
	switch t.Kind {
	case model.Bool:
		if t.Named() {
			return jen.Bool().Call(x.Clone())
		}
		return x.Clone()
	case model.Int, model.Uint, model.Float, model.Duration:
		return x.Clone().Op("!=").Lit(0)
	case model.String:
		return x.Clone().Op("!=").Lit("")
	case model.Bytes, model.Slice, model.Map, model.RawJSON:
		return jen.Len(x.Clone()).Op("!=").Lit(0)
	case model.Array:
		if t.Len == 0 {
			return jen.False()
		}
		return nil
	case model.Pointer, model.Any:
		return x.Clone().Op("!=").Nil()
	case model.Marshaler:
		return nil
	}
	return nil
}

// comparable reports whether values of t can be compared with ==.
func comparable(t *model.Type) bool {
	switch t.Kind {
	case model.Bool, model.Int, model.Uint, model.Float, model.String, model.Duration, model.Pointer:
		return true
	case model.Array:
		return comparable(t.Elem)
	}
	return false
}

// nonZero is encoding/json's omitzero test, negated: IsZero for
// time.Time, and otherwise the zero value of the JSON-visible fields.
func (g *gen) nonZero(x *jen.Statement, t *model.Type) jen.Code {
	switch t.Kind {
	case model.Bool, model.Int, model.Uint, model.Float, model.Duration, model.String:
		return nonEmpty(x, t) // for scalars, empty and zero are the same
	case model.Bytes, model.Slice, model.Map, model.RawJSON, model.Pointer, model.Any:
		return x.Clone().Op("!=").Nil()
	case model.Time:
		return jen.Op("!").Add(x.Clone()).Dot("IsZero").Call()
	case model.Array:
		if !comparable(t) {
			return nil
		}
		return x.Clone().Op("!=").Parens(g.goType(t).Values())
	case model.Struct:
		var conds []jen.Code
		for _, f := range t.Fields {
			c := g.nonZero(x.Clone().Dot(f.GoName), f.Type)
			if c == nil {
				return nil
			}
			conds = append(conds, jen.Parens(c))
		}
		if len(conds) == 0 {
			return jen.False()
		}
		s := jen.Add(conds[0])
		for _, c := range conds[1:] {
			s = s.Op("||").Add(c)
		}
		return s
	}
	return nil
}
