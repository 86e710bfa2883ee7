package p

import "context"

// Args are the arguments.
type Args struct {
	Days  int     `json:"days,omitempty" mcp:"default=0,min=1,max=14"`
	Hours int     `json:"hours,omitempty" mcp:"max=12,default=24"`
	Ratio float64 `json:"ratio,omitempty" mcp:"exclusiveMax=1,default=1"`
	Units string  `json:"units,omitempty" mcp:"enum=metric|imperial,default=kelvin"`
	Code  string  `json:"code,omitempty" mcp:"default=ab,minLength=3"`
	Slug  string  `json:"slug,omitempty" mcp:"pattern=^[a-z]+$,default=Hello"`
	Fine  int     `json:"fine,omitempty" mcp:"min=1,max=14,default=3"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
