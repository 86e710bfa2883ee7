package annotations

import (
	"os"
	"strings"
	"testing"
)

// The reference shows the quote escape as it is typed: gofmt rewrites two
// single quotes in doc-comment prose into a curly quote (U+201D), which is
// not what ParseTag accepts, so the escape appears only in code blocks.
func TestDocShowsTheQuoteEscape(t *testing.T) {
	for _, file := range []string{"doc.go", "annotations.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.IndexAny(string(src), "\u201c\u201d"); i >= 0 {
			t.Errorf("%s: curly quote at byte %d: %q", file, i, string(src[max(0, i-40):i+3]))
		}
	}
	items, err := ParseTag(`desc='The city''s nickname, if any'`)
	if err != nil || len(items) != 1 || items[0].Value != "The city's nickname, if any" {
		t.Errorf("ParseTag = %+v, %v", items, err)
	}
}
