package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const testSchema = `{"type":"object","properties":{"q":{"type":"string","description":"Query"},"n":{"type":"integer","default":3,"minimum":1},"r":{"type":"number"},"on":{"type":"boolean"},"tags":{"type":"array","items":{"type":"string"}},"opt":{"type":"object"},"mode":{"type":"string","enum":["a","b"]}},"required":["q","mode"]}`

func TestSignature(t *testing.T) {
	var schema any
	json.Unmarshal([]byte(testSchema), &schema)
	tool := &mcp.Tool{Name: "search", InputSchema: schema, OutputSchema: map[string]any{"type": "object", "properties": map[string]any{"hits": map[string]any{}, "total": map[string]any{}}}}
	want := `search(mode: "a"|"b", q: string, n?: integer = 3, on?: boolean, opt?: object, r?: number, tags?: []string) -> {hits, total}`
	if got := Signature(tool); got != want {
		t.Errorf("signature\n got %s\nwant %s", got, want)
	}
	// A schema given as raw JSON keeps its property order.
	tool.InputSchema = json.RawMessage(testSchema)
	if got := Signature(tool); !strings.HasPrefix(got, `search(q: string, mode: "a"|"b", n?: integer = 3, r?: number,`) {
		t.Errorf("ordered signature: %s", got)
	}
}

func TestParseArgs(t *testing.T) {
	var schema any
	json.Unmarshal([]byte(testSchema), &schema)
	got, err := ParseArgs(schema, []string{"q=42", "n=7", "r=1.5", "on=true", `tags=["x","y"]`, `opt={"k":1}`, "mode=a"}, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"q": "42", "n": int64(7), "r": 1.5, "on": true, "tags": []any{"x", "y"}, "opt": map[string]any{"k": 1.0}, "mode": "a"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
	for _, bad := range [][]string{{"n=x"}, {"on=maybe"}, {"tags=[1"}, {"nope=1"}, {"novalue"}} {
		if _, err := ParseArgs(schema, bad, ""); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	file := filepath.Join(t.TempDir(), "args.json")
	os.WriteFile(file, []byte(`{"q":"from file","n":2}`), 0o644)
	got, err = ParseArgs(schema, []string{"n=5"}, "@"+file)
	if err != nil || got["q"] != "from file" || got["n"] != int64(5) {
		t.Errorf("--args @file then pairs: %v %v", got, err)
	}
	if _, err := ParseArgs(schema, nil, "[1]"); err == nil {
		t.Error("--args with an array accepted")
	}
}

// mcpgen call takes what a generated CLI takes: comma lists for arrays of
// scalars, and yes/no for booleans.
func TestParseArgsLikeGeneratedCLIs(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{
		"tags":{"type":"array","items":{"type":"string"}},
		"ids":{"type":"array","items":{"type":"integer"}},
		"modes":{"type":"array","items":{"type":"string","enum":["a","b"]}},
		"points":{"type":"array","items":{"type":"object"}},
		"on":{"type":"boolean"}}}`)
	for _, tc := range []struct {
		pair string
		want any
	}{
		{"tags=home,garden", []any{"home", "garden"}},
		{"tags=home, garden", []any{"home", "garden"}},
		{"tags=solo", []any{"solo"}},
		{"tags=", []any{}},
		{`tags=["a,b","c"]`, []any{"a,b", "c"}},
		{"ids=1,2,3", []any{int64(1), int64(2), int64(3)}},
		{"modes=a,b", []any{"a", "b"}},
		{`points=[{"x":1}]`, []any{map[string]any{"x": 1.0}}},
		{"on=yes", true}, {"on=no", false}, {"on=Yes", true}, {"on=N", false},
		{"on=true", true}, {"on=off", false},
	} {
		got, err := ParseArgs(schema, []string{tc.pair}, "")
		k, _, _ := strings.Cut(tc.pair, "=")
		if err != nil || !reflect.DeepEqual(got[k], tc.want) {
			t.Errorf("%s: %#v, %v; want %#v", tc.pair, got[k], err, tc.want)
		}
	}
	for _, bad := range []string{"ids=1,x", "points=a,b", "on=maybe", "tags=[1"} {
		if got, err := ParseArgs(schema, []string{bad}, ""); err == nil {
			t.Errorf("%s accepted: %#v", bad, got)
		}
	}
}

func TestMissingArgs(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"string"},"c":{"type":"string"}},"required":["a","b","z"]}`)
	if got := MissingArgs(schema, map[string]any{"c": "x"}); !reflect.DeepEqual(got, []string{"b", "a", "z"}) {
		t.Errorf("missing %v", got)
	}
	if got := MissingArgs(schema, map[string]any{"a": "", "b": "", "z": 1}); got != nil {
		t.Errorf("missing %v, want none", got)
	}
}

func TestNearest(t *testing.T) {
	tools := []string{"forecast", "compare_cities", "convert_temperature", "get-sum", "echo"}
	for name, want := range map[string]string{
		"forcast": "forecast", "Forecast": "forecast", "compare-cities": "compare_cities",
		"convert_temprature": "convert_temperature", "get_sum": "get-sum", "getsum": "get-sum",
		"ecoh": "echo", "weather": "", "x": "", "": "",
	} {
		if got := Nearest(name, tools); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", name, got, want)
		}
	}
	if got := Nearest("a", nil); got != "" {
		t.Errorf("no candidates: %q", got)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"echo", "echo", 0}, {"ecoh", "echo", 1},
		{"forcast", "forecast", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3}, {"São", "Sao", 1},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
