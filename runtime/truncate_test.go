package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// escapedLen counts what encoding/json writes for any string: every ASCII
// byte, the escaped runes, multi-byte runes and invalid UTF-8.
func TestEscapedLenMatchesEncodingJSON(t *testing.T) {
	var all strings.Builder
	for c := range 128 {
		all.WriteByte(byte(c))
	}
	for _, s := range []string{all.String(), "é€😀", "\u2028\u2029", "a\xffb\xc3", "<script>&amp;</script>", "\"\\\b\f\n\r\t\x00\x1f", ""} {
		js, _ := json.Marshal(s)
		if got, want := escapedLen(s), len(js)-2; got != want {
			t.Errorf("escapedLen(%q) = %d, encoding/json writes %d", s, got, want)
		}
	}
}

// A result over the limit becomes one text block: the text blocks joined,
// cut on a UTF-8 boundary, with the suffix; structured content and other
// blocks dropped; Meta and IsError kept; and the whole encodes within the
// limit whatever the text needs escaped.
func TestTruncateResult(t *testing.T) {
	small := TextResult("short")
	if out, cut := TruncateResult(small, 100, ""); cut || out != small {
		t.Errorf("a result within the limit changed: %v %+v", cut, out)
	}
	for _, body := range []string{
		strings.Repeat("x", 5000),
		strings.Repeat("é€😀", 500),                       // multi-byte runes at every offset
		strings.Repeat(`"<&>`+"\n\x01", 800),             // escaping makes it larger
		strings.Repeat("a\u2028", 700) + "\xff\xfe tail", // escaped runes and invalid bytes
	} {
		res := &CallToolResult{
			Content:           []Content{Text(body[:len(body)/2]), Image([]byte("png"), "image/png"), Text(body[len(body)/2:])},
			StructuredContent: json.RawMessage(`{"big":true}`),
			IsError:           true,
			Meta:              mcp.Meta{"k": "v"},
		}
		joined := body[:len(body)/2] + "\n\n" + body[len(body)/2:]
		for _, max := range []int{150, 151, 152, 153, 500, 1000, 1001, 2999} {
			out, cut := TruncateResult(res, max, "")
			if !cut {
				t.Fatalf("max %d: not truncated", max)
			}
			js, err := json.Marshal(out)
			if err != nil || len(js) > max {
				t.Errorf("max %d: encodes in %d bytes (%v)", max, len(js), err)
			}
			if len(out.Content) != 1 || out.StructuredContent != nil || !out.IsError || out.Meta["k"] != "v" {
				t.Fatalf("max %d: %s", max, js)
			}
			text := out.Content[0].(*TextContent).Text
			kept, ok := strings.CutSuffix(text, DefaultTruncationSuffix)
			if !ok || !strings.HasPrefix(joined, kept) {
				t.Fatalf("max %d: text %q is not a prefix of the joined text plus the suffix", max, text)
			}
			if len(kept) < len(joined) && !utf8.RuneStart(joined[len(kept)]) {
				t.Errorf("max %d: cut at byte %d, inside a rune", max, len(kept))
			}
			// It uses the room it has: one more rune would not fit.
			if len(kept) < len(joined) {
				_, size := utf8.DecodeRuneInString(joined[len(kept):])
				out.Content[0].(*TextContent).Text = joined[:len(kept)+size] + DefaultTruncationSuffix
				if js, _ := json.Marshal(out); len(js) <= max {
					t.Errorf("max %d: %d bytes used; one more rune fits (%d bytes)", max, len(kept), len(js))
				}
			}
		}
	}

	// A custom suffix; a limit smaller than the suffix leaves the suffix.
	big := TextResult(strings.Repeat("y", 300))
	out, _ := TruncateResult(big, 100, " [cut]")
	if text := out.Content[0].(*TextContent).Text; !strings.HasSuffix(text, "y [cut]") {
		t.Errorf("custom suffix: %q", text)
	}
	out, _ = TruncateResult(big, 10, "")
	if text := out.Content[0].(*TextContent).Text; text != DefaultTruncationSuffix {
		t.Errorf("tiny limit: %q, want the suffix alone", text)
	}

	// Without text blocks, the text is the result's own JSON.
	img := ContentResult(Image([]byte(strings.Repeat("z", 3000)), "image/png"))
	out, cut := TruncateResult(img, 400, "")
	if text := out.Content[0].(*TextContent).Text; !cut || !strings.HasPrefix(text, `{"content":[{"type":"image","mimeType":"image/png","data":"en`) {
		t.Errorf("image result: %q", text)
	}
}

// Tool.MaxResultBytes (the max_result_bytes annotation) bounds a tool's
// results over go-sdk, on the fast path, and through a mounted server.
func TestToolMaxResultBytes(t *testing.T) {
	long := func(context.Context, json.RawMessage) (*CallToolResult, error) {
		return StructuredResult([]byte(`{"s":"` + strings.Repeat("w", 4000) + `"}`)), nil
	}
	limited := tool("long", "", long)
	limited.MaxResultBytes = 300
	newServer := func(opts *Options) *Server {
		s := NewServer(&Implementation{Name: "t", Version: "1"}, opts)
		must(t, s.Add(&Components{Tools: []*Tool{limited, tool("free", "", long)}}))
		return s
	}
	check := func(where string, r *mcp.CallToolResult, limited bool) {
		t.Helper()
		// Without the protocol's own additions (2026-07-28's server info and
		// resultType), which the limit does not count.
		js, _ := json.Marshal(&mcp.CallToolResult{Content: r.Content, StructuredContent: r.StructuredContent, IsError: r.IsError})
		switch {
		case limited && (len(js) > 300 || r.StructuredContent != nil || !strings.HasSuffix(resultText(r), DefaultTruncationSuffix)):
			t.Errorf("%s: limited tool answered %d bytes: %.200s", where, len(js), js)
		case !limited && len(js) < 4000:
			t.Errorf("%s: unlimited tool cut to %d bytes", where, len(js))
		}
	}
	cs := connect(t, newServer(nil), nil)
	check("stdio-like", call(t, cs, "long", nil), true)
	check("stdio-like", call(t, cs, "free", nil), false)

	parent := NewServer(&Implementation{Name: "p", Version: "1"}, nil)
	must(t, parent.Mount(newServer(nil)))
	pcs := connect(t, parent, nil)
	check("mounted", call(t, pcs, "long", nil), true)

	for _, noFast := range []bool{false, true} {
		h := newServer(&Options{Stateless: true, JSONResponse: true, NoFastPath: noFast}).Handler().(*httpGuard)
		srv := httptest.NewServer(h)
		got := post(t, srv.URL, legacy("long", `{"name":"long","arguments":{}}`, true))
		srv.Close()
		raw, _ := json.Marshal(got.body.(map[string]any)["result"])
		var r mcp.CallToolResult
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("noFast=%v: %s", noFast, got.raw)
		}
		check("http", &r, true)
		if !noFast && h.fast.served.Load() != 1 {
			t.Error("the fast path did not answer")
		}
	}
}

// A tool error cut to MaxResultBytes keeps its error: with MaskErrors the
// client gets the masked message, not the first bytes of the secret.
func TestTruncatedToolErrorIsMasked(t *testing.T) {
	secret := tool("leaky", "", func(context.Context, json.RawMessage) (*CallToolResult, error) {
		return ErrorResult(errors.New("connecting to postgres://admin:hunter2@db/prod: " + strings.Repeat("x", 2000))), nil
	})
	secret.MaxResultBytes = 200
	s := NewServer(&Implementation{Name: "t", Version: "1"}, &Options{MaskErrors: true})
	must(t, s.Add(&Components{Tools: []*Tool{secret}}))
	res := call(t, connect(t, s, nil), "leaky", nil)
	if !res.IsError || strings.Contains(resultText(res), "hunter2") {
		t.Fatalf("masked, truncated tool error = %q (isError %v)", resultText(res), res.IsError)
	}
	res2, truncated := TruncateResult(ErrorResult(errors.New(strings.Repeat("y", 500))), 100, "")
	if !truncated || res2.GetError() == nil {
		t.Errorf("TruncateResult dropped the result's error")
	}
}
