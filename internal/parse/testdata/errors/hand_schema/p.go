package p

import (
	"context"
	_ "embed"
)

const (
	notJSON    = `{"type":`
	notObject  = `true`
	badMeta    = `{"minLength": -1}`
	remote     = `{"$ref": "https://example.com/s.json"}`
	selfNested = `{"$defs":{"a":{"type":"string"}},"$ref":"#/$defs/a"}`
	number     = 5
	good       = `{"type":"string","minLength":1}`
)

var plain = `{"type":"string"}`

//go:embed bad.schema.json
var embedded string

// Args have hand-written schemas that go wrong.
type Args struct {
	A string `json:"a" mcp:"schema=notJSON"`
	B string `json:"b" mcp:"schema=notObject"`
	C string `json:"c" mcp:"schema=badMeta"`
	D string `json:"d" mcp:"schema=remote"`
	E string `json:"e" mcp:"schema=selfNested"`
	F string `json:"f" mcp:"schema=number"`
	G string `json:"g" mcp:"schema=plain"`
	H string `json:"h" mcp:"schema=embedded"`
	I string `json:"i" mcp:"schema=nowhere"`
	J string `json:"j" mcp:"schema=good,minLength=2,desc=x"`
	K Whole  `json:"k"`
	L Tagged `json:"l"`
}

// Whole refers into itself without an $id.
//
//mcp:schema selfNested
type Whole struct {
	X string `json:"x"`
}

// Tagged has a hand-written schema and field tags.
//
//mcp:schema good
type Tagged struct {
	X string `json:"x" mcp:"minLength=1"`
}

// Missing names nothing.
//
//mcp:schema
type Missing struct{}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }

// UseMissing uses Missing.
//
//mcp:tool
func UseMissing(ctx context.Context, in Missing) (string, error) { return "", nil }

//mcp:schema good
var stray = 1
