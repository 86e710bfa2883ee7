package main

import (
	"reflect"
	"testing"

	"github.com/mcpgen/mcpgen/runtime/openapi"
)

func TestParseRoute(t *testing.T) {
	cases := map[string]openapi.RouteMap{
		"exclude":                               {Kind: openapi.Exclude},
		"exclude:DELETE":                        {Kind: openapi.Exclude, Methods: []string{"DELETE"}},
		"resource_template:GET,HEAD:^/a:b/{x}$": {Kind: openapi.ResourceTemplate, Methods: []string{"GET", "HEAD"}, Pattern: "^/a:b/{x}$"},
		"tool::^/pets":                          {Kind: openapi.Tool, Pattern: "^/pets"},
	}
	for in, want := range cases {
		got, err := parseRoute(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseRoute(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if _, err := parseRoute("page:GET"); err == nil {
		t.Error("an unknown kind was accepted")
	}
}
