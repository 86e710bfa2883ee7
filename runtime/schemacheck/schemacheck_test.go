package schemacheck

import (
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime/codec"
)

const contact = `{
	"$schema": "https://json-schema.org/draft/2020-12/schema",
	"type": "object",
	"$defs": {"address": {"$anchor": "addr", "type": "object", "properties": {"city": {"type": "string", "minLength": 2}}, "required": ["city"]}},
	"properties": {"address": {"$ref": "#/$defs/address"}, "n": {"type": "integer"}, "when": {"type": "string", "format": "date"}},
	"anyOf": [{"required": ["phone"]}, {"required": ["email"]}],
	"if": {"properties": {"n": {"const": 1}}, "required": ["n"]}, "then": {"required": ["why"]},
	"additionalProperties": true
}`

// Every problem is reported at the path of the value, with the
// validator's message; a valid value adds none.
func TestCheck(t *testing.T) {
	s := MustCompile(contact)
	for _, c := range []struct {
		raw  string
		want []string
	}{
		{`{"email":"a@b","address":{"city":"Paris"}}`, nil},
		{`{"phone":"1","n":1,"why":"x"}`, nil},
		{`{"address":{"city":"P"},"n":1.5}`, []string{
			`args: 'anyOf' failed: missing property 'phone', or missing property 'email'`,
			`args.address.city: minLength: got 1, want 2`,
			`args.n: got number, want integer`,
		}},
		{`{"email":"x","n":1}`, []string{`args: missing property 'why'`}},
		{`{"email":"x","when":"tomorrow"}`, []string{`args.when: 'tomorrow' is not valid date: parsing time "tomorrow" as "2006-01-02": cannot parse "tomorrow" as "2006"`}},
		{`[1]`, []string{`args: got array, want object`}},
	} {
		var errs codec.Errors
		s.Check([]byte(c.raw), "args", &errs)
		var got []string
		if err := errs.Err(); err != nil {
			got = strings.Split(err.Error(), "; ")
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s:\ngot  %q\nwant %q", c.raw, got, c.want)
		}
	}
}

// A schema that fails its meta-schema, is not JSON, or refers outside
// itself does not compile.
func TestCompileRefuses(t *testing.T) {
	for _, js := range []string{
		`{"type": 5}`,
		`{"type":`,
		`{"$ref": "https://example.com/schema.json"}`,
		`{"minLength": -1}`,
	} {
		if _, err := Compile(js); err == nil {
			t.Errorf("%s compiled", js)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MustCompile of an invalid schema did not panic")
		}
	}()
	MustCompile(`{"type": 5}`)
}
