package schema

import (
	"bytes"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Compile checks a generated schema against the JSON Schema 2020-12
// meta-schema and returns it compiled, ready to validate instances. It is
// used by tests and by `mcpgen check`; the request path never validates
// with it (generated decoders do that).
func Compile(js []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, fmt.Errorf("schema is not valid JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	const loc = "mem:///schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("schema does not validate against the JSON Schema 2020-12 meta-schema: %w", err)
	}
	return s, nil
}

// ValidateInstance validates the JSON document data against a compiled schema.
func ValidateInstance(s *jsonschema.Schema, data []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(v)
}
