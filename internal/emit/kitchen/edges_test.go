package kitchen

import (
	"context"
	"testing"

	"github.com/mcpgen/mcpgen/internal/schema"
	"github.com/mcpgen/mcpgen/runtime"
)

// TestSchemaAgreesWithDecoderOnEdges checks, for values at the edges of what
// JSON Schema formats and Go's parsers accept, that the input schema accepts
// exactly what the generated decoder accepts, or, for the cases marked
// lenient, that the decoder accepts a little more (as encoding/json does)
// than the schema advertises. Fuzzing found the first of these; the rest
// are their neighbours.
func TestSchemaAgreesWithDecoderOnEdges(t *testing.T) {
	in, err := schema.Compile([]byte(mcpEverythingInputSchema))
	if err != nil {
		t.Fatal(err)
	}
	mirror := toolHandler(t, "mirror")
	const ok = `"id":"x","name":"abc","token":"tok:t","nested":{"a":1,"b":[]}`
	lenient := map[string]bool{
		`"counts":{"-0":1}`: true, // strconv.ParseInt reads these keys,
		`"counts":{"+1":1}`: true, // the schema asks for canonical ones
	}
	for _, field := range []string{
		`"when":"2020-01-01T00:00:00Z"`,
		`"when":"2020-01-01t00:00:00z"`, // RFC 3339 allows lower case
		`"when":"2020-01-01T00:00:00.5+05:30"`,
		`"when":"2020-01-01T00:00:00-00:00"`,
		`"when":"2016-12-31T23:59:60Z"`, // leap second: Go cannot hold it
		`"when":"2020-01-01T+1:00:00Z"`,
		`"when":"2020-01-01T00:00:00+24:00"`,
		`"when":"2020-01-01T00:00:00+23:60"`,
		`"when":"2020-01-01T00:00:00-23:59"`,
		`"when":"2020-02-30T00:00:00Z"`,
		`"when":"+020-01-01T00:00:00Z"`,
		`"counts":{"-0":1}`,
		`"counts":{"-1":1}`,
		`"counts":{"+1":1}`,
		`"data":"AA=="`,
		`"data":"AAA="`,
		`"data":"AAAA"`,
		`"data":""`,
		`"data":"!"`,
		`"data":"A"`,
		`"data":"AA="`,
		`"data":"AA"`,
	} {
		args := []byte(`{` + ok + `,` + field + `}`)
		res, err := mirror(context.Background(), args)
		if err != nil {
			t.Fatalf("%s: protocol error %v", field, err)
		}
		schemaErr := schema.ValidateInstance(in, args)
		if (schemaErr == nil) != !res.IsError && !(lenient[field] && !res.IsError) {
			t.Errorf("%s: schema accepts = %v, decoder accepts = %v (%s)", field, schemaErr == nil, !res.IsError, text(res))
		}
	}
}

// toolHandler returns the generated handler of the named tool.
func toolHandler(t testing.TB, name string) runtime.ToolHandler {
	t.Helper()
	for _, tool := range Components().Tools {
		if tool.Name == name {
			return tool.Handler
		}
	}
	t.Fatalf("no tool %q", name)
	return nil
}
