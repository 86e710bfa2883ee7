package p

import "context"

// Units is an enum.
type Units string

// The units.
const (
	Metric   Units = "metric"
	Imperial Units = "imperial"
)

// Args have bad constraints.
type Args struct {
	Name  string   `json:"name" mcp:"min=1"`
	Count int      `json:"count" mcp:"minLength=2,max=1.5"`
	Size  int      `json:"size" mcp:"min=10,max=5"`
	Re    string   `json:"re" mcp:"pattern=([a-z"`
	Def   int      `json:"def" mcp:"default=ten"`
	Units Units    `json:"units" mcp:"default=kelvin"`
	Tags  []string `json:"tags" mcp:"maxLength=3,minItems=x"`
	Desc  string   `json:"desc" mcp:"desc"`
	Typo  string   `json:"typo" mcp:"mni=1"`
	Flag  bool     `json:"flag" mcp:"enum=yes"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
