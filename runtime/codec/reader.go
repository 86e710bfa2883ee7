// Package codec is the JSON reader and writer that mcpgen's generated code
// drives. Generated decoders pull values from a Decoder in straight-line
// code (no reflection, no intermediate map), and generated encoders append
// to a byte slice with the Append functions, producing exactly what
// encoding/json.Marshal would.
//
// A generated decoder for struct{ City string; Days int } looks like:
//
//	var d codec.Decoder
//	d.Reset(data)
//	if err := d.BeginObject(); err != nil {
//		return err
//	}
//	for {
//		key, ok, err := d.NextKey()
//		if err != nil {
//			return err
//		}
//		if !ok {
//			break
//		}
//		switch string(key) {
//		case "city":
//			v.City, err = d.ReadString()
//			err = codec.AtField(err, "city")
//		case "days":
//			var n int64
//			n, err = d.ReadInt(0)
//			v.Days, err = int(n), codec.AtField(err, "days")
//		default:
//			err = d.Skip()
//		}
//		if err != nil {
//			return err
//		}
//	}
//	return d.End()
package codec

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the kind of a JSON value.
type Kind uint8

// The kinds of JSON values. Invalid means the end of the input or a byte
// that starts no value.
const (
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"end of input", "null", "boolean", "number", "string", "array", "object"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// MaxDepth bounds the nesting of arrays and objects the Decoder accepts, so
// hostile input cannot exhaust the stack. It is go-sdk's limit for a whole
// JSON-RPC message, so that whatever reaches a generated decoder has passed
// go-sdk's check too.
const MaxDepth = 1000

// Decoder reads one JSON document from a byte slice. The zero value is
// ready for use after Reset. A Decoder does not retain data beyond the next
// Reset, and strings it returns are copies.
type Decoder struct {
	data    []byte
	pos     int
	depth   int
	first   bool // the next NextKey/NextElem is the first of its container
	scratch []byte
}

// Reset makes d read data from the start.
func (d *Decoder) Reset(data []byte) {
	d.data, d.pos, d.depth, d.first = data, 0, 0, false
}

// Offset returns the byte offset of the next unread byte.
func (d *Decoder) Offset() int { return d.pos }

func (d *Decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// Peek returns the kind of the next value without consuming it.
func (d *Decoder) Peek() Kind {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return Invalid
	}
	switch c := d.data[d.pos]; {
	case c == 'n':
		return Null
	case c == 't' || c == 'f':
		return Bool
	case c == '"':
		return String
	case c == '[':
		return Array
	case c == '{':
		return Object
	case c == '-' || (c >= '0' && c <= '9'):
		return Number
	}
	return Invalid
}

func (d *Decoder) syntaxError(what string) error {
	if d.pos >= len(d.data) {
		return &Error{Msg: fmt.Sprintf("invalid JSON: unexpected end of input%s", what)}
	}
	return &Error{Msg: fmt.Sprintf("invalid JSON at offset %d: unexpected %s%s", d.pos, quoteByte(d.data[d.pos]), what)}
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(c) + "'"
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// typeError reports that the next value is not of the wanted type.
func (d *Decoder) typeError(want string) error {
	k := d.Peek()
	if k == Invalid {
		return d.syntaxError("")
	}
	return &Error{Msg: "expected " + want + ", got " + k.String()}
}

func (d *Decoder) literal(lit string) bool {
	if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
		d.pos += len(lit)
		return true
	}
	return false
}

// ReadNull consumes a null if it is next and reports whether it did.
func (d *Decoder) ReadNull() bool {
	return d.Peek() == Null && d.literal("null")
}

// ReadBool reads a boolean.
func (d *Decoder) ReadBool() (bool, error) {
	if d.Peek() == Bool {
		if d.literal("true") {
			return true, nil
		}
		if d.literal("false") {
			return false, nil
		}
		return false, d.syntaxError("")
	}
	return false, d.typeError("boolean")
}

// ReadString reads a string, unescaping it. Invalid UTF-8 and lone
// surrogates become U+FFFD, as with encoding/json.
func (d *Decoder) ReadString() (string, error) {
	if d.Peek() != String {
		return "", d.typeError("string")
	}
	b, err := d.stringBytes()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// stringBytes reads a string at d.pos (which is '"'). The result aliases
// d.data when the string has no escapes, and d.scratch otherwise.
func (d *Decoder) stringBytes() ([]byte, error) {
	start := d.pos + 1
	i := start
	for i < len(d.data) {
		c := d.data[i]
		if c == '"' {
			d.pos = i + 1
			return d.data[start:i], nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		i++
	}
	// Slow path: escapes, control characters or non-ASCII.
	buf := append(d.scratch[:0], d.data[start:i]...)
	for {
		if i >= len(d.data) {
			d.pos = i
			return nil, d.syntaxError(" in string")
		}
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.scratch = buf
			return buf, nil
		case c < 0x20:
			d.pos = i
			return nil, d.syntaxError(" in string")
		case c == '\\':
			if i+1 >= len(d.data) {
				d.pos = i + 1
				return nil, d.syntaxError(" in string escape")
			}
			e := d.data[i+1]
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(d.data, i+2)
				if !ok {
					d.pos = i
					return nil, &Error{Msg: fmt.Sprintf("invalid JSON at offset %d: bad \\u escape", i)}
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if r2, ok := hex4(d.data, i+2); ok && i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							buf = utf8.AppendRune(buf, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
				continue
			default:
				d.pos = i + 1
				return nil, d.syntaxError(" in string escape")
			}
			i += 2
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, d.data[i:i+size]...)
			}
			i += size
		}
	}
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number scans a JSON number and returns its literal bytes.
func (d *Decoder) number() ([]byte, error) {
	start := d.pos
	i := d.pos
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	switch {
	case i < len(d.data) && d.data[i] == '0':
		i++
	case i < len(d.data) && d.data[i] >= '1' && d.data[i] <= '9':
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
	default:
		d.pos = i
		return nil, d.syntaxError(" in number")
	}
	if i < len(d.data) && d.data[i] == '.' {
		i++
		if i >= len(d.data) || d.data[i] < '0' || d.data[i] > '9' {
			d.pos = i
			return nil, d.syntaxError(" in number")
		}
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if i >= len(d.data) || d.data[i] < '0' || d.data[i] > '9' {
			d.pos = i
			return nil, d.syntaxError(" in number")
		}
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return d.data[start:i], nil
}

// ReadNumberString returns the literal text of a JSON number.
func (d *Decoder) ReadNumberString() (string, error) {
	if d.Peek() != Number {
		return "", d.typeError("number")
	}
	b, err := d.number()
	return string(b), err
}

// intRange returns the bounds of a signed integer of the given size.
func intRange(bits int) (int64, int64) {
	if bits == 0 {
		bits = strconv.IntSize
	}
	return -1 << (bits - 1), 1<<(bits-1) - 1
}

// ReadInt reads an integer that fits in a signed integer of the given size
// (0 meaning int). Integral numbers written with a fraction or exponent
// (1.0, 1e2) are accepted, as JSON Schema's "integer" does.
func (d *Decoder) ReadInt(bits int) (int64, error) {
	if d.Peek() != Number {
		return 0, d.typeError("integer")
	}
	lit, err := d.number()
	if err != nil {
		return 0, err
	}
	lo, hi := intRange(bits)
	if n, err := strconv.ParseInt(string(lit), 10, 64); err == nil {
		if n < lo || n > hi {
			return 0, rangeError(lit, "int", bits)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil && !isRange(err) {
		return 0, &Error{Msg: fmt.Sprintf("invalid number %s", lit)}
	}
	if f != math.Trunc(f) || math.IsInf(f, 0) {
		if f == math.Trunc(f) {
			return 0, rangeError(lit, "int", bits)
		}
		return 0, &Error{Msg: fmt.Sprintf("%s is not an integer", lit)}
	}
	if f < float64(lo) || f >= -float64(lo) || int64(f) > hi {
		return 0, rangeError(lit, "int", bits)
	}
	return int64(f), nil
}

// ReadUint reads a non-negative integer that fits in an unsigned integer of
// the given size (0 meaning uint).
func (d *Decoder) ReadUint(bits int) (uint64, error) {
	if d.Peek() != Number {
		return 0, d.typeError("integer")
	}
	lit, err := d.number()
	if err != nil {
		return 0, err
	}
	if bits == 0 {
		bits = strconv.IntSize
	}
	hi := uint64(1)<<bits - 1
	if bits == 64 {
		hi = math.MaxUint64
	}
	if n, err := strconv.ParseUint(string(lit), 10, 64); err == nil {
		if n > hi {
			return 0, rangeError(lit, "uint", bits)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil && !isRange(err) {
		return 0, &Error{Msg: fmt.Sprintf("invalid number %s", lit)}
	}
	if f != math.Trunc(f) {
		return 0, &Error{Msg: fmt.Sprintf("%s is not an integer", lit)}
	}
	if f < 0 || f >= float64(hi)+1 || math.IsInf(f, 0) {
		return 0, rangeError(lit, "uint", bits)
	}
	return uint64(f), nil
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func rangeError(lit []byte, kind string, bits int) error {
	name := kind
	if bits != 0 {
		name += strconv.Itoa(bits)
	}
	return &Error{Msg: fmt.Sprintf("value %s out of range for %s", lit, name)}
}

// ReadFloat reads a number that fits in a float of the given size (32 or 64).
func (d *Decoder) ReadFloat(bits int) (float64, error) {
	if d.Peek() != Number {
		return 0, d.typeError("number")
	}
	lit, err := d.number()
	if err != nil {
		return 0, err
	}
	if bits != 32 {
		bits = 64
	}
	f, err := strconv.ParseFloat(string(lit), bits)
	if err != nil {
		if isRange(err) {
			return 0, rangeError(lit, "float", bits)
		}
		return 0, &Error{Msg: fmt.Sprintf("invalid number %s", lit)}
	}
	return f, nil
}

// ReadBytes reads a base64 (standard, padded) string, as encoding/json
// encodes []byte.
func (d *Decoder) ReadBytes() ([]byte, error) {
	if d.Peek() != String {
		return nil, d.typeError("base64 string")
	}
	s, err := d.stringBytes()
	if err != nil {
		return nil, err
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		return nil, &Error{Msg: "invalid base64: " + err.Error()}
	}
	return out[:n], nil
}

// ReadTime reads an RFC 3339 timestamp, as time.Time.UnmarshalJSON accepts.
func (d *Decoder) ReadTime() (time.Time, error) {
	if d.Peek() != String {
		return time.Time{}, d.typeError("date-time string")
	}
	s, err := d.stringBytes()
	if err != nil {
		return time.Time{}, err
	}
	// RFC 3339 allows lower-case "t" and "z"; the time package does not.
	if len(s) > 10 && (s[10] == 't' || s[len(s)-1] == 'z') {
		s = bytes.Clone(s)
		if s[10] == 't' {
			s[10] = 'T'
		}
		if s[len(s)-1] == 'z' {
			s[len(s)-1] = 'Z'
		}
	}
	t, err := time.Parse(time.RFC3339, string(s))
	if err == nil && !validOffset(s) {
		err = errBadOffset
	}
	if err != nil {
		return time.Time{}, &Error{Msg: fmt.Sprintf("invalid date-time %q: want RFC 3339, e.g. 2006-01-02T15:04:05Z", s)}
	}
	return t, nil
}

var errBadOffset = &Error{Msg: "offset out of range"}

// validOffset reports whether a numeric UTC offset ending s is within RFC
// 3339's ranges (hours 00-23, minutes 00-59), which the time package does
// not check.
func validOffset(s []byte) bool {
	n := len(s)
	if n < 6 || s[n-6] != '+' && s[n-6] != '-' || s[n-3] != ':' {
		return true
	}
	hours := s[n-5] < '2' || s[n-5] == '2' && s[n-4] <= '3'
	return hours && s[n-2] <= '5'
}

// ReadDuration reads a Go duration string ("1h30m") or, as encoding/json
// writes time.Duration, an integer number of nanoseconds.
func (d *Decoder) ReadDuration() (time.Duration, error) {
	switch d.Peek() {
	case Number:
		n, err := d.ReadInt(64)
		return time.Duration(n), err
	case String:
		s, err := d.stringBytes()
		if err != nil {
			return 0, err
		}
		v, err := time.ParseDuration(string(s))
		if err != nil {
			return 0, &Error{Msg: fmt.Sprintf("invalid duration %q: want e.g. 1h30m or 250ms", s)}
		}
		return v, nil
	}
	return 0, d.typeError("duration string")
}

// BeginObject consumes the '{' that opens an object.
func (d *Decoder) BeginObject() error {
	if d.Peek() != Object {
		return d.typeError("object")
	}
	if d.depth++; d.depth > MaxDepth {
		return &Error{Msg: "JSON nested too deeply"}
	}
	d.pos++
	d.first = true
	return nil
}

// NextKey returns the key of the next object member and consumes the ':'
// after it. The key is unescaped and valid only until the next Decoder
// call. ok is false when the closing '}' was consumed instead.
func (d *Decoder) NextKey() (key []byte, ok bool, err error) {
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		d.first = false
		return nil, false, nil
	}
	if !d.first {
		if d.pos >= len(d.data) || d.data[d.pos] != ',' {
			return nil, false, d.syntaxError(" after object member")
		}
		d.pos++
		d.skipSpace()
	}
	d.first = false
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return nil, false, d.syntaxError(" looking for object key")
	}
	key, err = d.stringBytes()
	if err != nil {
		return nil, false, err
	}
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		return nil, false, d.syntaxError(" after object key")
	}
	d.pos++
	return key, true, nil
}

// BeginArray consumes the '[' that opens an array.
func (d *Decoder) BeginArray() error {
	if d.Peek() != Array {
		return d.typeError("array")
	}
	if d.depth++; d.depth > MaxDepth {
		return &Error{Msg: "JSON nested too deeply"}
	}
	d.pos++
	d.first = true
	return nil
}

// NextElem reports whether another array element follows, consuming the
// comma before it; it returns false after consuming the closing ']'.
func (d *Decoder) NextElem() (bool, error) {
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		d.first = false
		return false, nil
	}
	if !d.first {
		if d.pos >= len(d.data) || d.data[d.pos] != ',' {
			return false, d.syntaxError(" after array element")
		}
		d.pos++
	}
	d.first = false
	return true, nil
}

// Skip consumes the next value, checking that it is valid JSON.
func (d *Decoder) Skip() error {
	switch d.Peek() {
	case Null:
		if d.literal("null") {
			return nil
		}
	case Bool:
		_, err := d.ReadBool()
		return err
	case Number:
		_, err := d.number()
		return err
	case String:
		_, err := d.stringBytes()
		return err
	case Array:
		if err := d.BeginArray(); err != nil {
			return err
		}
		for {
			ok, err := d.NextElem()
			if err != nil || !ok {
				return err
			}
			if err := d.Skip(); err != nil {
				return err
			}
		}
	case Object:
		if err := d.BeginObject(); err != nil {
			return err
		}
		for {
			_, ok, err := d.NextKey()
			if err != nil || !ok {
				return err
			}
			if err := d.Skip(); err != nil {
				return err
			}
		}
	}
	return d.syntaxError(" looking for a value")
}

// ReadRaw returns a copy of the next value's bytes, checked to be valid JSON.
func (d *Decoder) ReadRaw() ([]byte, error) {
	d.skipSpace()
	start := d.pos
	if err := d.Skip(); err != nil {
		return nil, err
	}
	return append([]byte(nil), d.data[start:d.pos]...), nil
}

// ReadAny reads a value into the Go types encoding/json uses for an
// interface{}: map[string]any, []any, string, float64, bool and nil.
func (d *Decoder) ReadAny() (any, error) {
	switch d.Peek() {
	case Null:
		if d.literal("null") {
			return nil, nil
		}
	case Bool:
		return d.ReadBool()
	case Number:
		lit, err := d.number()
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(string(lit), 64)
		if err != nil {
			return nil, rangeError(lit, "float", 64)
		}
		return f, nil
	case String:
		return d.ReadString()
	case Array:
		if err := d.BeginArray(); err != nil {
			return nil, err
		}
		out := []any{}
		for {
			ok, err := d.NextElem()
			if err != nil {
				return nil, err
			}
			if !ok {
				return out, nil
			}
			v, err := d.ReadAny()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	case Object:
		if err := d.BeginObject(); err != nil {
			return nil, err
		}
		out := map[string]any{}
		for {
			k, ok, err := d.NextKey()
			if err != nil {
				return nil, err
			}
			if !ok {
				return out, nil
			}
			key := string(k)
			v, err := d.ReadAny()
			if err != nil {
				return nil, err
			}
			out[key] = v
		}
	}
	return nil, d.syntaxError(" looking for a value")
}

// End reports an error unless only whitespace remains.
func (d *Decoder) End() error {
	d.skipSpace()
	if d.pos < len(d.data) {
		return d.syntaxError(" after top-level value")
	}
	return nil
}

// Valid reports whether data is one valid JSON document.
func Valid(data []byte) bool {
	var d Decoder
	d.Reset(data)
	return d.Skip() == nil && d.End() == nil
}
