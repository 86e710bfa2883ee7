package runtime

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// DefaultTruncationSuffix ends the text of a result cut down by
// TruncateResult when no other suffix is given.
const DefaultTruncationSuffix = "\n\n[Response truncated due to size limit]"

// TruncateResult bounds the JSON encoding of a tool result to maxBytes, as
// FastMCP's ResponseLimitingMiddleware does. A result within the limit is
// returned as it is, with false. A larger one is replaced by a result
// holding one text block: the text of res's text blocks joined by blank
// lines (or, when it has none, res's own JSON), cut on a UTF-8 boundary so
// that the whole result, suffix included, encodes in at most maxBytes; the
// structured content and every other block are dropped, and Meta and
// IsError are kept. If not even the suffix alone fits, the text is the
// suffix. suffix "" means DefaultTruncationSuffix. The size counted is the
// result as the runtime encodes it, before the protocol's own additions
// (the resultType and server info of a 2026-07-28 response).
//
// Tool.MaxResultBytes applies it to one tool's calls; the middleware
// limit.Responses to every tool or a list of them.
func TruncateResult(res *CallToolResult, maxBytes int, suffix string) (*CallToolResult, bool) {
	if res == nil || maxBytes <= 0 || res.InputRequests != nil {
		return res, false
	}
	if bound, ok := encodedBound(res); ok && bound <= maxBytes {
		return res, false
	}
	js, err := json.Marshal(res)
	if err != nil || len(js) <= maxBytes {
		return res, false // what cannot be encoded becomes an error later
	}
	if suffix == "" {
		suffix = DefaultTruncationSuffix
	}
	var texts []string
	for _, c := range res.Content {
		if t, ok := c.(*TextContent); ok && t != nil {
			texts = append(texts, t.Text)
		}
	}
	text := strings.Join(texts, "\n\n")
	if texts == nil {
		text = string(js)
	}
	block := &TextContent{}
	out := &CallToolResult{Meta: res.Meta, IsError: res.IsError, Content: []Content{block}}
	if e := res.GetError(); e != nil {
		// Masking and middleware still see the tool's error, and know
		// that the cut text is the error's own.
		if showsText(res, e.Error()) {
			e = &truncatedError{e}
		}
		out.SetError(e)
	}
	wrapper, err := json.Marshal(out) // the result around an empty text
	if err != nil {
		return res, false
	}
	budget := maxBytes - len(wrapper) - escapedLen(suffix)
	if budget < 0 {
		block.Text = suffix
		return out, true
	}
	// Cut where the escaped prefix fills the budget, then check the whole
	// encoding and cut further if something was counted short.
	cut := prefixFitting(text, budget)
	for {
		block.Text = text[:cut] + suffix
		js, err := json.Marshal(out)
		if err != nil || len(js) <= maxBytes || cut == 0 {
			return out, true
		}
		cut = runeStart(text, max(0, cut-(len(js)-maxBytes)))
	}
}

// encodedBound is an upper bound of the JSON size of res, computed without
// encoding it, for the common shapes; false when res holds anything else.
func encodedBound(res *CallToolResult) (int, bool) {
	if len(res.Meta) > 0 {
		return 0, false
	}
	n := 64
	for _, c := range res.Content {
		switch c := c.(type) {
		case *TextContent:
			if c == nil || c.Meta != nil || c.Annotations != nil {
				return 0, false
			}
			n += 32 + 6*len(c.Text)
		case *ImageContent:
			if c == nil || c.Meta != nil || c.Annotations != nil {
				return 0, false
			}
			n += 48 + (len(c.Data)+2)/3*4 + 6*len(c.MIMEType)
		case *AudioContent:
			if c == nil || c.Meta != nil || c.Annotations != nil {
				return 0, false
			}
			n += 48 + (len(c.Data)+2)/3*4 + 6*len(c.MIMEType)
		default:
			return 0, false
		}
	}
	switch sc := res.StructuredContent.(type) {
	case nil:
	case json.RawMessage:
		n += 24 + 6*len(sc)
	default:
		return 0, false
	}
	return n, true
}

// prefixFitting returns the length of the longest prefix of s, ending on a
// rune boundary, whose JSON escaping takes at most budget bytes.
func prefixFitting(s string, budget int) int {
	used := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if used += runeEscapedLen(r, size); used > budget {
			return i
		}
		i += size
	}
	return len(s)
}

// runeStart moves i back to the start of the rune it falls in.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// escapedLen is the length of s escaped as a JSON string by
// encoding/json, quotes excluded.
func escapedLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		n += runeEscapedLen(r, size)
		i += size
	}
	return n
}

// runeEscapedLen is the escaped length of one rune of size bytes, as
// encoding/json (and codec.AppendString) write it.
func runeEscapedLen(r rune, size int) int {
	switch {
	case r == utf8.RuneError && size == 1:
		return 6 // \ufffd
	case r == '"' || r == '\\' || r == '\b' || r == '\f' || r == '\n' || r == '\r' || r == '\t':
		return 2
	case r < 0x20 || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029':
		return 6
	}
	return size
}

// truncatedError is a tool error whose text TruncateResult cut: masking
// treats the cut text as the error's own (see Server.maskResult).
type truncatedError struct{ err error }

func (e *truncatedError) Error() string { return e.err.Error() }
func (e *truncatedError) Unwrap() error { return e.err }
