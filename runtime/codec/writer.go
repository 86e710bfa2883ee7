package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

const hexDigits = "0123456789abcdef"

// safe[c] is true for ASCII bytes encoding/json writes unescaped (it
// escapes <, > and & for HTML safety).
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// AppendString appends s as a JSON string, escaped exactly as
// encoding/json.Marshal does: HTML-sensitive characters and U+2028/U+2029
// escaped, invalid UTF-8 replaced with U+FFFD.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendKey appends key as a JSON string followed by ':'.
func AppendKey(b []byte, key string) []byte {
	return append(AppendString(b, key), ':')
}

// AppendBool appends true or false.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// AppendInt appends v in decimal.
func AppendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// AppendUint appends v in decimal.
func AppendUint(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) }

// AppendFloat appends v formatted as encoding/json formats a float of the
// given size (32 or 64). NaN and infinities are errors, as there.
func AppendFloat(b []byte, v float64, bits int) ([]byte, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return b, &Error{Msg: "unsupported value: " + strconv.FormatFloat(v, 'g', -1, bits)}
	}
	if bits != 32 {
		bits = 64
	}
	abs := math.Abs(v)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, v, format, -1, bits)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// AppendBytes appends v as a base64 string; nil appends null.
func AppendBytes(b []byte, v []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	n := base64.StdEncoding.EncodedLen(len(v))
	b = append(b, make([]byte, n)...)
	base64.StdEncoding.Encode(b[len(b)-n:], v)
	return append(b, '"')
}

// AppendTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds); years outside [0,9999] are errors, as there.
func AppendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, &Error{Msg: "Time.MarshalJSON: year outside of range [0,9999]"}
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// AppendDuration appends d as encoding/json does: integer nanoseconds.
func AppendDuration(b []byte, d time.Duration) []byte { return AppendInt(b, int64(d)) }

// AppendRaw appends a raw JSON value, compacted and checked as
// json.Marshal does for json.RawMessage; an empty raw appends null.
func AppendRaw(b []byte, raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return append(b, "null"...), nil
	}
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, raw); err != nil {
		return b, &Error{Msg: "invalid raw JSON: " + err.Error()}
	}
	return buf.Bytes(), nil
}

// AppendAny appends v as encoding/json would. The types ReadAny produces
// and common scalars are encoded directly; anything else goes through
// json.Marshal.
func AppendAny(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendString(b, v), nil
	case bool:
		return AppendBool(b, v), nil
	case float64:
		return AppendFloat(b, v, 64)
	case int:
		return AppendInt(b, int64(v)), nil
	case int64:
		return AppendInt(b, v), nil
	case json.RawMessage:
		return AppendRaw(b, v)
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = AppendAny(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendKey(b, k)
			var err error
			if b, err = AppendAny(b, v[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
	js, err := json.Marshal(v)
	if err != nil {
		var ue *json.UnsupportedValueError
		if errors.As(err, &ue) {
			return b, &Error{Msg: "unsupported value: " + ue.Str}
		}
		return b, &Error{Msg: err.Error()}
	}
	return append(b, js...), nil
}
