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
