package codec

import (
	"errors"
	"strings"
	"testing"
)

// point is read by readPoint, a hand-written reader of the shape mcpgen
// generates: x and y are required, y must not be negative.
type point struct{ X, Y int64 }

func readPoint(d *Decoder, v *point, errs *Errors, path string) error {
	if err := d.BeginObject(); err != nil {
		return err
	}
	var hasX, hasY bool
	for {
		key, ok, err := d.NextKey()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(key) {
		case "x":
			hasX = true
			if v.X, err = d.ReadInt(64); err != nil {
				return AtField(err, "x")
			}
		case "y":
			hasY = true
			if v.Y, err = d.ReadInt(64); err != nil {
				return AtField(err, "y")
			}
			if v.Y < 0 {
				errs.Add(Join(path, "y"), "must be at least 0")
			}
		default:
			if err := d.Skip(); err != nil {
				return err
			}
		}
	}
	if !hasX {
		errs.Add(path, `missing required argument "x"`)
	}
	if !hasY {
		errs.Add(path, `missing required argument "y"`)
	}
	return nil
}

// Args and Decode report the problem that stopped decoding, then trailing
// data, then every violation at once; Args reads empty input and null as
// {}.
func TestArgsAndDecode(t *testing.T) {
	for _, tc := range []struct {
		in, args, decode string // "" means no error
	}{
		{`{"x":1,"y":2}`, "", ""},
		{` {"x":1,"y":2} `, "", ""},
		{`{"y":-1}`, `y: must be at least 0; missing required argument "x"`, `y: must be at least 0; missing required argument "x"`},
		{``, `missing required argument "x"; missing required argument "y"`, "unexpected end"},
		{`null`, `missing required argument "x"; missing required argument "y"`, "null"},
		{`{"x":"a","y":-1}`, "x:", "x:"},
		{`{"x":1,"y":2} {}`, "after", "after"},
		{`[1]`, "object", "object"},
	} {
		var v point
		a := ArgsOf([]byte(tc.in))
		check(t, "Args "+tc.in, a.Finish(readPoint(&a.Decoder, &v, &a.Errors, "")), tc.args)
		var w point
		check(t, "Decode "+tc.in, Decode([]byte(tc.in), &w, readPoint), tc.decode)
	}
	var m map[string]int
	if err := Decode([]byte(`{"a":1}`), &m, Unchecked(ReadIntMap)); err != nil || m["a"] != 1 {
		t.Errorf("Unchecked(ReadIntMap): %v %v", m, err)
	}
	var one *Error
	var v point
	err := Decode([]byte(`{"x":1,"y":-3}`), &v, readPoint)
	if !errors.As(err, &one) || one.Path != "y" {
		t.Errorf("a violation is an *Error with its path: %#v", err)
	}
}

func check(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v", what, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%s: error %v, want one containing %q", what, err, want)
	}
}

// BenchmarkArgs is the argument decoding of a generated tool handler: no
// allocation for the decoder or the violations.
func BenchmarkArgs(b *testing.B) {
	in := []byte(`{"x":1,"y":2}`)
	b.ReportAllocs()
	for b.Loop() {
		var v point
		a := ArgsOf(in)
		if err := a.Finish(readPoint(&a.Decoder, &v, &a.Errors, "")); err != nil {
			b.Fatal(err)
		}
	}
}
