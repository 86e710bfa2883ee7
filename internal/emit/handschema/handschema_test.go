package handschema

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/mcpgen/mcpgen/internal/schema"
	"github.com/mcpgen/mcpgen/runtime"
)

func call(t *testing.T, tool, args string) (string, bool) {
	t.Helper()
	for _, tl := range Components().Tools {
		if tl.Name == tool {
			res, err := tl.Handler(context.Background(), json.RawMessage(args))
			if err != nil {
				t.Fatal(err)
			}
			return res.Content[0].(*runtime.TextContent).Text, res.IsError
		}
	}
	t.Fatalf("no tool %q", tool)
	return "", false
}

// A hand-written schema is what clients see, untouched, and what the
// arguments are checked against: every problem at its path, with the
// generated checks of the other fields beside them.
func TestHandWrittenSchemas(t *testing.T) {
	for _, tl := range Components().Tools {
		if _, err := schema.Compile(tl.InputSchema); err != nil {
			t.Errorf("%s: %v", tl.Name, err)
		}
	}
	var contact map[string]any
	for _, tl := range Components().Tools {
		if tl.Name == "add_contact" {
			json.Unmarshal(tl.InputSchema, &contact)
		}
	}
	defs, _ := contact["$defs"].(map[string]any)
	addr, _ := defs["address"].(map[string]any)
	if addr["$anchor"] != "addressDef" || contact["if"] == nil || contact["else"] == nil || contact["additionalProperties"] != false {
		t.Errorf("add_contact schema not passed through: %v", contact)
	}
	for _, c := range []struct {
		tool, args string
		isErr      bool
		want       string
	}{
		{"add_contact", `{"name":"Ada","email":"ada@example.com","address":{"city":"London"}}`, false, `Ada () in "London" by ada@example.com`},
		{"add_contact", `{"name":"Bob","contactMethod":"phone","phone":"123"}`, false, `Bob (phone) in "" by 123`},
		{"add_contact", `{"name":"Cy","contactMethod":"phone","email":"c@example.com"}`, true,
			`invalid arguments: missing property 'phone'`},
		{"add_contact", `{"name":"Di","email":"d@example.com","address":{"city":"X"},"extra":1}`, true,
			`invalid arguments: additional properties 'extra' not allowed; address.city: minLength: got 1, want 2`},
		{"add_contact", `{"email":"not an email"}`, true,
			`invalid arguments: missing property 'name'; email: 'not an email' is not valid email: missing @`},
		{"add_contact", `[]`, true, `invalid arguments: got array, want object`},
		{"route", `{"region":"eu","from":{"lat":1,"lon":2},"note":"ok"}`, false, "eu from 1,2 ok"},
		{"route", `{"region":"mars","from":{"lat":100},"note":"far too long a note"}`, true,
			`invalid arguments: region: value must be one of 'eu', 'us'; from: missing property 'lon'; from.lat: maximum: got 100, want 90; note: must be at most 10 characters long`},
		{"route", `{"from":{"lat":1,"lon":2}}`, true, `invalid arguments: missing required argument "region"`},
	} {
		got, isErr := call(t, c.tool, c.args)
		if isErr != c.isErr || got != c.want {
			t.Errorf("%s %s:\ngot  %v %q\nwant %v %q", c.tool, c.args, isErr, got, c.isErr, c.want)
		}
	}
	if strings.Contains(string(Components().Tools[1].InputSchema), `"$ref":"#/$defs/coord"`) &&
		!strings.Contains(string(Components().Tools[1].InputSchema), `"$id":"urn:point"`) {
		t.Error("a nested schema lost its $id")
	}
}

func TestReadmeSnippet(t *testing.T) {
	readme.Check(t, "../../../README.md", "handschema.go", "handschema")
}
