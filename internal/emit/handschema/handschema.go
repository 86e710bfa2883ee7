// Package handschema is a golden package of the generator: components
// whose argument schemas are written by hand, for a whole argument struct
// (//mcp:schema) and for single fields (schema=), next to generated ones.
package handschema

//go:generate go run github.com/mcpgen/mcpgen/cmd/mcpgen

import (
	"context"
	_ "embed"
	"fmt"
)

// README: handschema
// contactSchema says what tags cannot: $defs, $anchor, $ref, allOf/anyOf...
//
//go:embed contact.schema.json
var contactSchema string

// Contact is a person to reach by phone or email.
//
//mcp:schema contactSchema
type Contact struct {
	Name          string   `json:"name"`
	Address       *Address `json:"address,omitempty"`
	ContactMethod string   `json:"contactMethod,omitempty"`
	Phone         string   `json:"phone,omitempty"`
	Email         string   `json:"email,omitempty"`
}

// regionSchema is mirrored into the Mcp-Param-Region header (SEP-2243).
const regionSchema = `{"type":"string","enum":["eu","us"],"x-mcp-header":"Region"}`

// RouteArgs mix fields with hand-written schemas and generated ones.
type RouteArgs struct {
	Region string `json:"region" mcp:"schema=regionSchema"`
	From   Point  `json:"from" mcp:"schema=pointSchema"`
	Note   string `json:"note,omitempty" mcp:"maxLength=10"`
}

// README end

// Address is where a contact lives.
type Address struct {
	Street string `json:"street"`
	City   string `json:"city"`
}

// AddContact records a contact.
//
//mcp:tool
func AddContact(ctx context.Context, in Contact) (string, error) {
	city := ""
	if in.Address != nil {
		city = in.Address.City
	}
	return fmt.Sprintf("%s (%s) in %q by %s%s", in.Name, in.ContactMethod, city, in.Phone, in.Email), nil
}

// pointSchema refers into itself, so it carries an $id: nested in an input
// schema, its references stay its own.
const pointSchema = `{"$id":"urn:point","type":"object",` +
	`"$defs":{"coord":{"type":"number","minimum":-90,"maximum":90}},` +
	`"properties":{"lat":{"$ref":"#/$defs/coord"},"lon":{"$ref":"#/$defs/coord"}},"required":["lat","lon"]}`

// Point is a position.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Route plans a route.
//
//mcp:tool
func Route(ctx context.Context, in RouteArgs) (string, error) {
	return fmt.Sprintf("%s from %v,%v %s", in.Region, in.From.Lat, in.From.Lon, in.Note), nil
}
