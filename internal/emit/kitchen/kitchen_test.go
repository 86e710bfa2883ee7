package kitchen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/schema"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/codec"
)

// decodeEverything decodes arguments of type Everything as the generated
// tool handlers do.
func decodeEverything(data []byte, v *Everything) error {
	a := codec.ArgsOf(data)
	return a.Finish(mcpReadEverything(&a.Decoder, v, &a.Errors, ""))
}

// randomEverything returns a value that satisfies every constraint of
// Everything, with each optional field present or absent at random.
func randomEverything(r *rand.Rand) Everything {
	coin := func() bool { return r.IntN(2) == 0 }
	word := func(max int) string {
		n := 1 + r.IntN(max)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		return string(b)
	}
	// Strings that need escaping, including HTML characters and invalid
	// UTF-8, which encoding/json replaces with U+FFFD.
	wild := []string{"", "plain", "quote\"back\\slash", "<tag>&amp;", "tab\tnl\n", "\u2028\u2029", "caf\xc3", "日本語", "\x00\x1f"}
	floats := []float64{0, 1, -1, 0.1, 1e21, 1e-7, 123456789.125, -0.0, math.MaxFloat64, math.SmallestNonzeroFloat64, 3.14159}
	var v Everything
	v.ID = word(8)
	if coin() {
		v.Created = time.Date(2000+r.IntN(100), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e9), time.FixedZone("", 3600*(r.IntN(25)-12)))
	}
	v.Name = word(10)
	v.Count = 1 + r.IntN(100) // 0 would be omitted and then defaulted to 5
	if coin() {
		v.Small = int8(r.IntN(11) - 5)
	}
	if coin() {
		v.Big = r.Uint64()
	}
	if coin() {
		v.Ratio = float32(r.Float64()*0.98 + 0.01)
	}
	if coin() {
		v.Temp = Celsius(floats[r.IntN(len(floats))])
	}
	v.Flag = coin()
	if coin() {
		v.Quoted = r.IntN(2000) - 1000
	}
	v.Level = []Level{Low, High}[r.IntN(2)]
	if coin() {
		v.Label = []Label{"red", "green"}[r.IntN(2)]
	}
	for range r.IntN(4) {
		v.Priorities = append(v.Priorities, Priority(1+r.IntN(3)))
	}
	for range r.IntN(4) {
		v.Tags = append(v.Tags, []string{"a", "b", "c"}[r.IntN(3)])
	}
	if coin() {
		v.Point = &Point{X: floats[r.IntN(len(floats))], Y: -floats[r.IntN(len(floats))]}
	}
	for range r.IntN(3) {
		v.Points = append(v.Points, Point{X: r.Float64(), Y: r.NormFloat64()})
	}
	if coin() {
		v.Grid = [2][2]int{{r.IntN(9), r.IntN(9)}, {r.IntN(9), -r.IntN(9)}}
	}
	if coin() {
		v.Labels = map[string]string{}
		for range r.IntN(4) {
			v.Labels[wild[r.IntN(len(wild))]] = wild[r.IntN(len(wild))]
		}
	}
	if coin() {
		v.Levels = map[Label]Level{Label(word(3)): High, Label(word(3)): Low}
	}
	if coin() {
		v.Counts = map[int]int{}
		for range r.IntN(12) {
			v.Counts[r.IntN(200)-100] = r.IntN(5)
		}
	}
	if coin() {
		v.When = time.Unix(r.Int64N(4e9), 0).UTC()
	}
	if coin() {
		v.Every = time.Duration(r.Int64N(1e12))
	}
	if coin() {
		v.Data = []byte(wild[r.IntN(len(wild))] + "x")
	}
	if coin() {
		v.Raw = json.RawMessage(`{ "k" : [1, 2, {"z": null}] }`)
	}
	switch r.IntN(5) {
	case 1:
		v.Any = wild[r.IntN(len(wild))]
	case 2:
		v.Any = map[string]any{"n": 1.5, "list": []any{true, nil, "s"}}
	case 3:
		v.Any = []any{1.0, "two", map[string]any{}}
	case 4:
		v.Any = false
	}
	v.Token = Token{s: word(5)}
	if coin() {
		v.Pair = &Pair{A: r.IntN(10), B: -r.IntN(10)}
	}
	if coin() {
		s := wild[r.IntN(len(wild))]
		v.Opt = &s
	}
	if coin() {
		l := High
		v.OptLevel = &l
	}
	if coin() {
		v.Matrix = [][]float64{{1, 2}, nil, {}}
	}
	v.Nested.A = r.IntN(100)
	if coin() {
		v.Nested.B = []string{wild[r.IntN(len(wild))]}
	}
	return v
}

// The generated encoder writes exactly what encoding/json writes.
func TestEncoderMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		v := randomEverything(r)
		want, err := json.Marshal(&v)
		if err != nil {
			t.Fatalf("#%d: json.Marshal: %v", i, err)
		}
		got, err := mcpWriteEverything(nil, &v)
		if err != nil {
			t.Fatalf("#%d: generated encoder: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("#%d: generated encoder differs from encoding/json\ngot:  %s\nwant: %s", i, got, want)
		}
	}
}

// The generated decoder reads what encoding/json writes into the value
// encoding/json reads.
func TestDecoderMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		v := randomEverything(r)
		data, err := json.Marshal(&v)
		if err != nil {
			t.Fatal(err)
		}
		var want, got Everything
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("#%d: json.Unmarshal: %v", i, err)
		}
		if err := decodeEverything(data, &got); err != nil {
			t.Fatalf("#%d: generated decoder: %v\ninput: %s", i, err, data)
		}
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Fatalf("#%d: generated decoder differs from encoding/json\ninput: %s\ngot:  %+v\nwant: %+v", i, data, got, want)
		}
	}
}

// normalize makes values that encode identically compare equal: times
// compare by instant, and raw JSON by its compact form.
func normalize(v Everything) Everything {
	v.Created = v.Created.UTC()
	v.When = v.When.UTC()
	if v.Raw != nil {
		var b bytes.Buffer
		json.Compact(&b, v.Raw)
		v.Raw = b.Bytes()
	}
	return v
}

func TestDecoderDefaults(t *testing.T) {
	var v Everything
	if err := decodeEverything([]byte(`{"id":"x","name":"abc","token":"tok:t","nested":{"a":1,"b":null}}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.Count != 5 || v.Level != Low {
		t.Errorf("defaults not applied: count=%d level=%q", v.Count, v.Level)
	}
	// Present values win over defaults, even zero ones.
	if err := decodeEverything([]byte(`{"id":"x","name":"abc","token":"tok:t","nested":{"a":1,"b":[]},"count":0,"level":"high"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.Count != 0 || v.Level != High {
		t.Errorf("explicit values lost: count=%d level=%q", v.Count, v.Level)
	}
}

func TestDecoderErrors(t *testing.T) {
	const ok = `"id":"x","name":"abc","token":"tok:t","nested":{"a":1,"b":[]}`
	// with returns a valid argument object with fields replaced or added.
	with := func(fields string) string {
		var over map[string]json.RawMessage
		if err := json.Unmarshal([]byte("{"+fields+"}"), &over); err != nil {
			t.Fatalf("test case %s: %v", fields, err)
		}
		var b strings.Builder
		b.WriteString("{")
		for _, kv := range []struct{ k, v string }{{"id", `"x"`}, {"name", `"abc"`}, {"token", `"tok:t"`}, {"nested", `{"a":1,"b":[]}`}} {
			if _, replaced := over[kv.k]; !replaced {
				fmt.Fprintf(&b, "%q:%s,", kv.k, kv.v)
			}
		}
		return b.String() + fields + "}"
	}
	for _, tc := range []struct{ in, want string }{
		{`{}`, `missing required argument "id"; missing required argument "name"; missing required argument "token"; missing required argument "nested"`},
		{`[]`, `expected object, got array`},
		{`{"id":"x",}`, `invalid JSON at offset 10: unexpected '}' looking for object key`},
		{`{` + ok + `} x`, `invalid JSON at offset 64: unexpected 'x' after top-level value`},
		{with(`"name":"ABC!","count":101,"small":-6,"ratio":1,"temp":-300`),
			`name: must match the pattern ^[a-z]+$; count: must be at most 100, not 101; small: must be at least -5, not -6; ratio: must be less than 1, not 1; temp: must be at least -273.15, not -300`},
		{with(`"name":"abcdefghijk"`), `name: must be at most 10 characters long`},
		{with(`"name":""`), `name: must be at least 1 character long; name: must match the pattern ^[a-z]+$`},
		{with(`"count":"7"`), `count: expected integer, got string`},
		{with(`"count":1.5`), `count: `},
		{with(`"small":300`), `small: `},
		{with(`"big":-1`), `big: `},
		{with(`"level":"medium"`), `level: must be one of "low", "high", not "medium"`},
		{with(`"label":"blue"`), `label: must be one of "red", "green", not "blue"`},
		{with(`"tags":["a","z","b","c"]`), `tags: must have at most 3 items, not 4; tags[1]: must be one of "a", "b", "c", not "z"`},
		{with(`"priorities":[1,7]`), `priorities[1]: must be one of 1, 2, 3, not 7`},
		{with(`"points":[{"x":1,"y":2},{"x":1}]`), `points[1]: missing required field "y"`},
		{with(`"grid":[[1,2],[3]]`), `grid[1]: must have exactly 2 items, not 1`},
		{with(`"grid":[[1,2],[3,4],[5,6]]`), `grid: must have exactly 2 items`},
		{with(`"counts":{"x":1}`), `counts.x: key is not an integer`},
		{with(`"counts":{"99999999999999999999":1}`), `counts.99999999999999999999: key is out of range`},
		{with(`"counts":{"1":1,"01":2}`), `counts.01: duplicate key`},
		{`{` + ok + `,"id":"y"}`, `id: duplicate key`},
		{with(`"labels":{"a":"x","a":"y"}`), `labels.a: duplicate key`},
		{with(`"levels":{"a":"loud"}`), `levels.a: must be one of "low", "high", not "loud"`},
		{with(`"when":"yesterday"`), `when: invalid date-time "yesterday"`},
		{with(`"every":"forever"`), `every: invalid duration "forever"`},
		{with(`"data":"!!"`), `data: invalid base64`},
		{with(`"token":"nope"`), `token: token must start with "tok:"`},
		{with(`"pair":"x"`), `pair: `},
		{with(`"quoted":7`), `quoted: expected string, got number`},
		{with(`"quoted":"x"`), `quoted: `},
		{with(`"nested":{"b":[1]}`), `nested.b[0]: expected string, got number`},
		{with(`"nested":{}`), `nested: missing required field "a"; nested: missing required field "b"`},
		{with(`"opt_level":"x"`), `opt_level: must be one of "low", "high", not "x"`},
		{with(`"flag":null`), `flag: expected boolean, got null`},
	} {
		var v Everything
		err := decodeEverything([]byte(tc.in), &v)
		if err == nil {
			t.Errorf("%s: no error, want %q", tc.in, tc.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s:\n got  %q\n want %q", tc.in, err, tc.want)
		}
	}
}

// Every constraint violation is reported at once, wherever it is: in an
// enum, a nested struct, a pointer, a slice element or a map value; a
// problem that stops decoding (a wrong type) is reported alone.
func TestDecoderReportsEveryViolation(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"id":"","name":"ABC","token":"tok:t","nested":{"a":1,"b":[]},"level":"medium","count":101}`,
			`id: must be at least 1 character long; name: must match the pattern ^[a-z]+$; level: must be one of "low", "high", not "medium"; count: must be at most 100, not 101`},
		{`{"id":"","name":"abc","token":"tok:t","nested":{},"opt_level":"x","point":{"x":1},"points":[{"x":1},{"y":2}],"priorities":[7,1,9],"levels":{"a":"loud","b":"low","c":"x"},"label":"blue"}`,
			`id: must be at least 1 character long; nested: missing required field "a"; nested: missing required field "b"; opt_level: must be one of "low", "high", not "x"; ` +
				`point: missing required field "y"; points[0]: missing required field "y"; points[1]: missing required field "x"; ` +
				`priorities[0]: must be one of 1, 2, 3, not 7; priorities[2]: must be one of 1, 2, 3, not 9; ` +
				`levels.a: must be one of "low", "high", not "loud"; levels.c: must be one of "low", "high", not "x"; label: must be one of "red", "green", not "blue"`},
		{`{"name":"ABC","level":"medium","count":"x"}`, `count: expected integer, got string`},
		{`{"level":"medium","token":"tok:t","nested":{"a":1,"b":[]},"id":"x","name":"abc"} x`, `invalid JSON at offset 81: unexpected 'x' after top-level value`},
	} {
		var v Everything
		err := decodeEverything([]byte(tc.in), &v)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got  %v\n want %s", tc.in, err, tc.want)
		}
	}
}

func TestDecoderAcceptsNullAndEmptyForNoArguments(t *testing.T) {
	for _, in := range []string{``, ` `, `null`, `{}`, `{"n":3,"extra":{"ignored":[1,2]}}`} {
		var v struct {
			N int `json:"n" mcp:"min=0,max=1000"`
		}
		a := codec.ArgsOf([]byte(in))
		err := a.Finish(mcpReadSequenceArgs(&a.Decoder, &v, &a.Errors, ""))
		if in == `{"n":3,"extra":{"ignored":[1,2]}}` {
			if err != nil || v.N != 3 {
				t.Errorf("%q: n=%d err=%v", in, v.N, err)
			}
			continue
		}
		if err == nil || err.Error() != `missing required argument "n"` {
			t.Errorf("%q: err = %v", in, err)
		}
	}
}

func handlers(t *testing.T) (map[string]runtime.ToolHandler, *runtime.Components) {
	t.Helper()
	c := Components()
	m := map[string]runtime.ToolHandler{}
	for _, tool := range c.Tools {
		m[tool.Name] = tool.Handler
	}
	return m, c
}

func text(r *runtime.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*runtime.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func TestToolHandlers(t *testing.T) {
	h, _ := handlers(t)
	ctx := context.Background()

	for _, name := range []string{"mirror", "mirror_ptr"} {
		in := `{"id":"x","name":"abc","token":"tok:t","nested":{"a":1,"b":["q"]},"labels":{"b":"2","a":"1"}}`
		res, err := h[name](ctx, json.RawMessage(in))
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %s", name, err, text(res))
		}
		want := `{"id":"x","name":"abc","count":5,"level":"low","labels":{"a":"1","b":"2"},"token":"tok:t","nested":{"a":1,"b":["q"]}}`
		if got := string(res.StructuredContent.(json.RawMessage)); got != want {
			t.Errorf("%s structured = %s\nwant %s", name, got, want)
		}
		if text(res) != want {
			t.Errorf("%s text = %s", name, text(res))
		}
		res, _ = h[name](ctx, json.RawMessage(`{"name":1}`))
		if !res.IsError || text(res) != `invalid arguments: name: expected string, got number` {
			t.Errorf("%s bad args: isError=%v %q", name, res.IsError, text(res))
		}
	}

	res, _ := h["sequence"](ctx, json.RawMessage(`{"n":3}`))
	if got := string(res.StructuredContent.(json.RawMessage)); got != `{"result":[1,2,3]}` {
		t.Errorf("sequence = %s", got)
	}
	res, _ = h["sequence"](ctx, json.RawMessage(`{"n":0}`))
	if got := string(res.StructuredContent.(json.RawMessage)); got != `{"result":[]}` {
		t.Errorf("sequence(0) = %s", got)
	}
	res, _ = h["places"](ctx, nil)
	if got := string(res.StructuredContent.(json.RawMessage)); got != `{"origin":{"x":0,"y":0},"unit":{"x":1,"y":1}}` {
		t.Errorf("places = %s", got)
	}
	res, _ = h["hello"](ctx, nil)
	if text(res) != "hello" || res.StructuredContent != nil {
		t.Errorf("hello = %+v", res)
	}
	res, _ = h["pixel"](ctx, nil)
	if img, ok := res.Content[0].(*runtime.ImageContent); !ok || img.MIMEType != "image/png" || !bytes.HasPrefix(img.Data, []byte("\x89PNG")) {
		t.Errorf("pixel = %#v", res.Content[0])
	}
}

func TestResourceAndPromptHandlers(t *testing.T) {
	_, c := handlers(t)
	ctx := context.Background()
	cell := c.ResourceTemplates[0]
	res, err := cell.Handler(ctx, "grid://3/4?wide=true", []string{"3", "4", "true"})
	if err != nil || res.Contents[0].Text != `{"x":8,"y":3}` || res.Contents[0].MIMEType != "application/json" {
		t.Errorf("cell = %+v, %v", res, err)
	}
	for _, vars := range [][]string{{"x", "4", "false"}, {"3", "300", "false"}, {"3", "-1", "false"}, {"3", "4", "maybe"}} {
		if _, err := cell.Handler(ctx, "grid://...", vars); err == nil || !strings.Contains(err.Error(), "is not") {
			t.Errorf("cell %v: err = %v", vars, err)
		}
	}

	var review *runtime.Prompt
	for _, p := range c.Prompts {
		if p.Name == "review" {
			review = p
		}
	}
	if len(review.Arguments) != 3 || !review.Arguments[0].Required || review.Arguments[1].Required {
		t.Errorf("review arguments = %+v", review.Arguments)
	}
	got, err := review.Handler(ctx, map[string]string{"code": "x := 1", "language": "Go"})
	if err != nil {
		t.Fatal(err)
	}
	if msg := got.Messages[0].Content.(*runtime.TextContent).Text; msg != "Review this Go code for correctness:\nx := 1" {
		t.Errorf("review = %q", msg)
	}
	if _, err := review.Handler(ctx, map[string]string{}); err == nil || !strings.Contains(err.Error(), `missing required argument "code"`) {
		t.Errorf("review without code: %v", err)
	}
}

// Whatever the arguments, the mirror tool neither panics nor returns a
// protocol error; when it succeeds, its structured content is what
// encoding/json writes for the decoded value, and decoding that again is
// stable.
func FuzzMirror(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		v := randomEverything(r)
		b, _ := json.Marshal(&v)
		f.Add(b)
	}
	for _, s := range []string{``, `null`, `{}`, `[]`, `{"id":1}`, `{"grid":[[1,2],[3,4],[5]]}`, `{"counts":{"-0":1}}`, `{"quoted":"1e3"}`, `{"any":[[[[]]]]}`, `{"data":"AA=="}`, `{"data":"!"}`, `{"data":"A"}`, `{"data":"AA\n=="}`} {
		f.Add([]byte(s))
	}
	h := Components().Tools
	var mirror runtime.ToolHandler
	for _, tool := range h {
		if tool.Name == "mirror" {
			mirror = tool.Handler
		}
	}
	inSchema, err := schema.Compile([]byte(mcpEverythingInputSchema))
	if err != nil {
		f.Fatal(err)
	}
	outSchema, err := schema.Compile([]byte(mcpEverythingOutputSchema))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := mirror(context.Background(), data)
		if err != nil {
			t.Fatalf("protocol error: %v", err)
		}
		if res.IsError {
			if !strings.HasPrefix(text(res), "invalid arguments: ") {
				t.Fatalf("error text %q", text(res))
			}
			// Custom unmarshalers (token, pair) check more than a schema
			// can, and so do the 64-bit ranges of integers and durations
			// (schemas leave them out rather than print ±9.2e18 everywhere).
			// Duplicate keys are refused by decoders, while JSON Schema
			// validators see only the last of them.
			custom := strings.Contains(text(res), "token: ") || strings.Contains(text(res), "pair: ") ||
				strings.Contains(text(res), "invalid duration") || strings.Contains(text(res), "out of range") ||
				strings.Contains(text(res), "duplicate key")
			if !custom && len(bytes.TrimSpace(data)) > 0 && string(bytes.TrimSpace(data)) != "null" && schema.ValidateInstance(inSchema, data) == nil {
				t.Fatalf("the input schema accepts what the decoder rejects: %s", text(res))
			}
			return
		}
		out := res.StructuredContent.(json.RawMessage)
		if err := schema.ValidateInstance(outSchema, out); err != nil {
			t.Fatalf("result fails the output schema: %v\n%s", err, out)
		}
		var v Everything
		if err := decodeEverything(data, &v); err != nil {
			t.Fatalf("handler succeeded but decoder fails: %v", err)
		}
		want, err := json.Marshal(&v)
		if err != nil {
			return // e.g. a time outside encoding/json's range: both must fail
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("encoder differs from encoding/json\ngot:  %s\nwant: %s", out, want)
		}
		var again Everything
		if err := decodeEverything(out, &again); err != nil {
			t.Fatalf("decoding our own output: %v\n%s", err, out)
		}
		// An explicit "count":0 is omitted (omitempty) and then defaults
		// to 5: the one case where a round trip changes the value.
		if b, _ := mcpWriteEverything(nil, &again); v.Count != 0 && !bytes.Equal(b, out) {
			t.Fatalf("round trip unstable:\n%s\n%s", out, b)
		}
	})
}

func ExampleComponents() {
	c := Components()
	fmt.Println(len(c.Tools), "tools,", len(c.Resources), "resources,", len(c.ResourceTemplates), "templates,", len(c.Prompts), "prompt")
	// Output: 9 tools, 3 resources, 2 templates, 1 prompt
}

// The generated schemas are valid JSON Schema 2020-12, accept every value
// the decoder accepts, and describe exactly what the encoder writes.
func TestSchemasDescribeTheCodecs(t *testing.T) {
	var mirror *runtime.Tool
	for _, tool := range Components().Tools {
		if _, err := schema.Compile(tool.InputSchema); err != nil {
			t.Fatalf("%s input schema: %v", tool.Name, err)
		}
		if tool.OutputSchema != nil {
			if _, err := schema.Compile(tool.OutputSchema); err != nil {
				t.Fatalf("%s output schema: %v", tool.Name, err)
			}
		}
		if tool.Name == "mirror" {
			mirror = tool
		}
	}
	in, _ := schema.Compile(mirror.InputSchema)
	out, _ := schema.Compile(mirror.OutputSchema)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 500 {
		v := randomEverything(r)
		// Input schemas do not admit null for nested slices (the decoder
		// accepts it, as encoding/json does, but models are told "array").
		v.Matrix = slices.DeleteFunc(v.Matrix, func(row []float64) bool { return row == nil })
		if v.Nested.B == nil {
			v.Nested.B = []string{}
		}
		args, _ := json.Marshal(&v)
		if err := schema.ValidateInstance(in, args); err != nil {
			t.Fatalf("#%d: arguments the decoder accepts fail the input schema: %v\n%s", i, err, args)
		}
		res, err := mirror.Handler(context.Background(), args)
		if err != nil || res.IsError {
			t.Fatalf("#%d: %v %s", i, err, text(res))
		}
		if err := schema.ValidateInstance(out, res.StructuredContent.(json.RawMessage)); err != nil {
			t.Fatalf("#%d: result fails the output schema: %v\n%s", i, err, res.StructuredContent)
		}
	}
	// And the input schema rejects what the decoder rejects.
	for _, bad := range []string{`{}`, `{"id":"x","name":"ABC","token":"tok:t","nested":{"a":1,"b":[]}}`, `{"id":"x","name":"abc","token":"tok:t","nested":{"a":1,"b":[]},"level":"medium"}`} {
		if err := schema.ValidateInstance(in, []byte(bad)); err == nil {
			t.Errorf("input schema accepts %s", bad)
		}
	}
}
