// Package kitchen declares components over every type and tag option the
// generator supports. Its generated mcp_gen.go is a golden file, and its
// tests check the generated codecs against encoding/json, so it is both a
// compile test and an equivalence test of the emitted code.
package kitchen

//go:generate go run github.com/mcpgen/mcpgen/cmd/mcpgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
)

// Level is how loud something is.
type Level string

// The levels.
const (
	Low  Level = "low"
	High Level = "high"
)

// Priority orders work; 1 is the most urgent.
type Priority int

// The priorities.
const (
	P1 Priority = 1
	P2 Priority = 2
	P3 Priority = 3
)

// Celsius is a temperature.
type Celsius float64

// Label is a named string without constants.
type Label string

// Point is a position on a plane.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Token marshals itself as text.
type Token struct{ s string }

// MarshalText implements encoding.TextMarshaler.
func (t Token) MarshalText() ([]byte, error) { return []byte("tok:" + t.s), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Token) UnmarshalText(b []byte) error {
	s, ok := strings.CutPrefix(string(b), "tok:")
	if !ok {
		return errors.New(`token must start with "tok:"`)
	}
	t.s = s
	return nil
}

// Pair marshals itself as a JSON array.
type Pair struct{ A, B int }

// MarshalJSON implements json.Marshaler.
func (p Pair) MarshalJSON() ([]byte, error) { return json.Marshal([2]int{p.A, p.B}) }

// UnmarshalJSON implements json.Unmarshaler.
func (p *Pair) UnmarshalJSON(b []byte) error {
	var v [2]int
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	p.A, p.B = v[0], v[1]
	return nil
}

// Base is embedded: its fields are promoted.
type Base struct {
	ID      string    `json:"id" mcp:"minLength=1"`
	Created time.Time `json:"created,omitzero"`
}

// Everything has a field of every supported kind.
type Everything struct {
	Base
	Name       string            `json:"name" mcp:"minLength=1,maxLength=10,pattern=^[a-z]+$,desc=Lower-case name"`
	Count      int               `json:"count,omitempty" mcp:"min=0,max=100,default=5"`
	Small      int8              `json:"small,omitempty" mcp:"min=-5,max=5"`
	Big        uint64            `json:"big,omitempty"`
	Ratio      float32           `json:"ratio,omitempty" mcp:"exclusiveMin=0,exclusiveMax=1"`
	Temp       Celsius           `json:"temp,omitempty" mcp:"min=-273.15"`
	Flag       bool              `json:"flag,omitempty"`
	Quoted     int               `json:"quoted,string,omitempty"`
	Level      Level             `json:"level,omitempty" mcp:"default=low"`
	Label      Label             `json:"label,omitempty" mcp:"enum=red|green"`
	Priorities []Priority        `json:"priorities,omitempty"`
	Tags       []string          `json:"tags,omitempty" mcp:"maxItems=3,enum=a|b|c"`
	Point      *Point            `json:"point,omitempty"`
	Points     []Point           `json:"points,omitempty"`
	Grid       [2][2]int         `json:"grid,omitzero"`
	Labels     map[string]string `json:"labels,omitempty"`
	Levels     map[Label]Level   `json:"levels,omitempty"`
	Counts     map[int]int       `json:"counts,omitempty"`
	When       time.Time         `json:"when,omitzero"`
	Every      time.Duration     `json:"every,omitempty"`
	Data       []byte            `json:"data,omitempty"`
	Raw        json.RawMessage   `json:"raw,omitempty"`
	Any        any               `json:"any,omitempty"`
	Token      Token             `json:"token"`
	Pair       *Pair             `json:"pair,omitempty"`
	Opt        *string           `json:"opt,omitempty"`
	OptLevel   *Level            `json:"opt_level,omitempty"`
	Matrix     [][]float64       `json:"matrix,omitempty"`
	Nested     struct {
		A int      `json:"a"`
		B []string `json:"b"`
	} `json:"nested"`
	Hidden string `json:"-"`
	secret string
}

// Mirror returns its arguments unchanged.
//
//mcp:tool readonly idempotent
func Mirror(ctx context.Context, in Everything) (Everything, error) {
	return in, nil
}

// MirrorPtr returns its arguments through pointers.
//
//mcp:tool name=mirror_ptr
func MirrorPtr(ctx context.Context, in *Everything) (*Everything, error) {
	return in, nil
}

// Sequence returns the numbers from 1 to n.
//
//mcp:tool max_result_bytes=4096
func Sequence(ctx context.Context, in struct {
	N int `json:"n" mcp:"min=0,max=1000"`
}) ([]int, error) {
	out := make([]int, in.N)
	for i := range out {
		out[i] = i + 1
	}
	return out, nil
}

// Places maps names to points.
//
//mcp:tool destructive=false openworld=false
func Places(ctx context.Context) (map[string]Point, error) {
	return map[string]Point{"origin": {}, "unit": {X: 1, Y: 1}}, nil
}

// Hello greets.
//
//mcp:tool title="Say hello"
func Hello(ctx context.Context) string { return "hello" }

// Render renders a report, possibly as a background task.
//
//mcp:tool task=optional idempotent
func Render(ctx context.Context, in struct {
	Pages int `json:"pages" mcp:"min=1"`
}) (string, error) {
	return fmt.Sprintf("%d pages", in.Pages), nil
}

// Export exports everything, always as a background task.
//
//mcp:tool task=required
func Export(ctx context.Context) (string, error) { return "exported", nil }

// Now tells the time, never as a task.
//
//mcp:tool task=forbidden
func Now(ctx context.Context) string { return "now" }

// Pixel returns a one-pixel PNG.
//
//mcp:tool mime=image/png
func Pixel(ctx context.Context) ([]byte, error) {
	return []byte("\x89PNG\r\n\x1a\n"), nil
}

// Cell reads one cell of a grid.
//
//mcp:resource uri=grid://{row}/{col}{?wide} mime=application/json
func Cell(ctx context.Context, row int, col uint8, wide bool) (Point, error) {
	if wide {
		return Point{X: float64(col) * 2, Y: float64(row)}, nil
	}
	return Point{X: float64(col), Y: float64(row)}, nil
}

// Row reads the points of one row of a grid: a resource whose JSON is an
// array.
//
//mcp:resource uri=rows://{row} mime=application/json
func Row(ctx context.Context, row int) ([]Point, error) {
	return []Point{{X: 0, Y: float64(row)}, {X: 1, Y: float64(row)}}, nil
}

// Size is the grid's size: a resource whose JSON is a number.
//
//mcp:resource uri=kitchen://size mime=application/json
func Size(ctx context.Context) (int, error) { return 4, nil }

// Logo is the project's logo.
//
//mcp:resource uri=kitchen://logo mime=image/png
func Logo(ctx context.Context) ([]byte, error) { return []byte("\x89PNG\r\n\x1a\n"), nil }

// Contents returns raw resource contents.
//
//mcp:resource uri=kitchen://contents
func Contents(ctx context.Context) ([]*runtime.ResourceContents, error) {
	return []*runtime.ResourceContents{{URI: "kitchen://contents", Text: "raw"}}, nil
}

// ReviewArgs are the arguments of the review prompt.
type ReviewArgs struct {
	Code     string  `json:"code" mcp:"desc=The code to review"`
	Language *string `json:"language,omitempty"`
	Focus    Label   `json:"focus,omitempty" mcp:"default=correctness"`
}

// Review asks for a code review.
//
//mcp:prompt title="Code review"
func Review(ctx context.Context, in *ReviewArgs) ([]*runtime.PromptMessage, error) {
	lang := "unknown"
	if in.Language != nil {
		lang = *in.Language
	}
	return []*runtime.PromptMessage{{Role: "user", Content: &runtime.TextContent{
		Text: fmt.Sprintf("Review this %s code for %s:\n%s", lang, in.Focus, in.Code)}}}, nil
}
