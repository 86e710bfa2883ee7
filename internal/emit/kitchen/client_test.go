package kitchen_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/emit/kitchen"
	"github.com/mcpgen/mcpgen/internal/emit/kitchen/kitchenclient"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// typedClient serves kitchen's components in memory and returns its
// generated typed client.
func typedClient(t *testing.T) *kitchenclient.Client {
	t.Helper()
	return kitchenclient.New(session(t))
}

// session serves kitchen's components in memory and returns a client
// session.
func session(t *testing.T) *mcp.ClientSession {
	t.Helper()
	s := runtime.NewServer(&runtime.Implementation{Name: "kitchen", Version: "1"}, nil)
	if err := s.Add(kitchen.Components()); err != nil {
		t.Fatal(err)
	}
	ct, st := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ss, err := s.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// max_result_bytes=4096 on sequence reaches the runtime: a result over
// the limit arrives cut down to one text block, within the limit; a
// smaller one arrives whole.
func TestMaxResultBytesAnnotation(t *testing.T) {
	cs := session(t)
	ctx := context.Background()
	for _, n := range []int{10, 1000} {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "sequence", Arguments: map[string]any{"n": n}})
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(&mcp.CallToolResult{Content: res.Content, StructuredContent: res.StructuredContent})
		truncated := res.StructuredContent == nil && len(res.Content) == 1 &&
			strings.HasSuffix(res.Content[0].(*mcp.TextContent).Text, runtime.DefaultTruncationSuffix)
		if n == 10 && truncated || n == 1000 && (!truncated || len(js) > 4096) {
			t.Errorf("sequence(%d): %d bytes, truncated %v: %.120s", n, len(js), truncated, js)
		}
	}
}

// via converts between the server's and the client's copy of a type
// through JSON.
func via[T any](t *testing.T, v any) T {
	t.Helper()
	var out T
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The typed client's generated encoders and decoders carry every kind of
// value through a real server and back unchanged.
func TestTypedClientRoundTrip(t *testing.T) {
	c := typedClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := rand.New(rand.NewPCG(9, 10))
	for i := range 200 {
		v := kitchen.RandomEverything(r)
		in := via[kitchenclient.Everything](t, &v)
		out, err := c.Mirror(ctx, in)
		if err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		want, _ := json.Marshal(&v)
		got, _ := json.Marshal(&out)
		var a, b any
		json.Unmarshal(want, &a)
		json.Unmarshal(got, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("#%d: round trip changed the value\n sent: %s\n got:  %s", i, want, got)
		}
		p, err := c.MirrorPtr(ctx, in)
		if err != nil || p == nil || !reflect.DeepEqual(*p, out) {
			t.Fatalf("#%d: mirror_ptr: %v", i, err)
		}
	}
	seq, err := c.Sequence(ctx, struct {
		N int `json:"n" mcp:"min=0,max=1000"`
	}{N: 4})
	if err != nil || !reflect.DeepEqual(seq, []int{1, 2, 3, 4}) {
		t.Errorf("sequence = %v, %v", seq, err)
	}
	places, err := c.Places(ctx)
	if err != nil || places["unit"].X != 1 {
		t.Errorf("places = %v, %v", places, err)
	}
	if s, err := c.Hello(ctx); err != nil || s != "hello" {
		t.Errorf("hello = %q, %v", s, err)
	}
	if png, err := c.Pixel(ctx); err != nil || string(png[:4]) != "\x89PNG" {
		t.Errorf("pixel = %q, %v", png, err)
	}
	if cell, err := c.Cell(ctx, 3, 4, true); err != nil || cell.X != 8 || cell.Y != 3 {
		t.Errorf("cell = %+v, %v", cell, err)
	}
	if logo, err := c.Logo(ctx); err != nil || len(logo) == 0 {
		t.Errorf("logo = %v, %v", logo, err)
	}
	lang := "Go"
	msgs, err := c.Review(ctx, kitchenclient.ReviewArgs{Code: "x := 1", Language: &lang})
	if err != nil || msgs.Messages[0].Content.(*mcp.TextContent).Text != "Review this Go code for correctness:\nx := 1" {
		t.Errorf("review = %+v, %v", msgs, err)
	}
}

// Invalid arguments and failing tools come back as *client.ToolError.
func TestTypedClientToolError(t *testing.T) {
	c := typedClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.Mirror(ctx, kitchenclient.Everything{Token: json.RawMessage(`"tok:x"`)})
	var te *client.ToolError
	if !errors.As(err, &te) || te.Tool != "mirror" || te.Text != `invalid arguments: id: must be at least 1 character long; name: must be at least 1 character long; name: must match the pattern ^[a-z]+$` {
		t.Errorf("err = %v", err)
	}
}

// The typed client declares the enum constants of the server package, with
// the same names and values.
func TestTypedClientEnumConstants(t *testing.T) {
	if kitchenclient.Low != kitchenclient.Level(kitchen.Low) || kitchenclient.High != kitchenclient.Level(kitchen.High) {
		t.Errorf("Level constants: %q %q", kitchenclient.Low, kitchenclient.High)
	}
	if kitchenclient.P1 != 1 || kitchenclient.P3 != kitchenclient.Priority(kitchen.P3) {
		t.Errorf("Priority constants: %d %d", kitchenclient.P1, kitchenclient.P3)
	}
	c := typedClient(t)
	v := kitchen.RandomEverything(rand.New(rand.NewPCG(1, 2)))
	in := via[kitchenclient.Everything](t, &v)
	in.Level, in.Priorities = kitchenclient.High, []kitchenclient.Priority{kitchenclient.P2, kitchenclient.P3}
	out, err := c.Mirror(context.Background(), in)
	if err != nil || out.Level != kitchenclient.High || !reflect.DeepEqual(out.Priorities, in.Priorities) {
		t.Errorf("mirror = %v %v, %v", out.Level, out.Priorities, err)
	}
}

// A resource's structured result reaches the typed client as the server
// writes it: an array or a number, not wrapped as a tool's would be.
func TestTypedClientResourceShapes(t *testing.T) {
	c := typedClient(t)
	ctx := context.Background()
	row, err := c.Row(ctx, 2)
	if err != nil || !reflect.DeepEqual(row, []kitchenclient.Point{{X: 0, Y: 2}, {X: 1, Y: 2}}) {
		t.Errorf("Row(2) = %+v, %v", row, err)
	}
	size, err := c.Size(ctx)
	if err != nil || size != 4 {
		t.Errorf("Size() = %d, %v", size, err)
	}
	cell, err := c.Cell(ctx, 1, 3, true)
	if err != nil || cell != (kitchenclient.Point{X: 6, Y: 1}) {
		t.Errorf("Cell(1, 3, true) = %+v, %v", cell, err)
	}
}
