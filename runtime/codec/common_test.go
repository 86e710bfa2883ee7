package codec

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestSharedReaders(t *testing.T) {
	read := func(in string, f func(*Decoder) (any, error)) (any, error) {
		var d Decoder
		d.Reset([]byte(in))
		v, err := f(&d)
		if err == nil {
			err = d.End()
		}
		return v, err
	}
	strs := func(d *Decoder) (any, error) { var v []string; err := ReadStrings(d, &v); return v, err }
	ints := func(d *Decoder) (any, error) { var v []int; err := ReadInts(d, &v); return v, err }
	floats := func(d *Decoder) (any, error) { var v []float64; err := ReadFloat64s(d, &v); return v, err }
	bools := func(d *Decoder) (any, error) { var v []bool; err := ReadBools(d, &v); return v, err }
	i64s := func(d *Decoder) (any, error) { var v []int64; err := ReadInt64s(d, &v); return v, err }
	smap := func(d *Decoder) (any, error) { var v map[string]string; err := ReadStringMap(d, &v); return v, err }
	imap := func(d *Decoder) (any, error) { var v map[string]int; err := ReadIntMap(d, &v); return v, err }
	i64map := func(d *Decoder) (any, error) { var v map[string]int64; err := ReadInt64Map(d, &v); return v, err }
	fmap := func(d *Decoder) (any, error) { var v map[string]float64; err := ReadFloat64Map(d, &v); return v, err }
	bmap := func(d *Decoder) (any, error) { var v map[string]bool; err := ReadBoolMap(d, &v); return v, err }
	int8Keys := func(d *Decoder) (any, error) {
		var v map[int8]string
		err := ReadIntKeyMap(d, &v, 8, (*Decoder).ReadString)
		return v, err
	}
	uintKeys := func(d *Decoder) (any, error) {
		var v map[uint]bool
		err := ReadUintKeyMap(d, &v, 0, (*Decoder).ReadBool)
		return v, err
	}

	// Accepted inputs decode as encoding/json decodes them.
	for _, tc := range []struct {
		in   string
		f    func(*Decoder) (any, error)
		want any
	}{
		{`null`, strs, []string(nil)},
		{`[]`, strs, []string{}},
		{`["a","\u00e9"]`, strs, []string{"a", "é"}},
		{`[1,-2,3]`, ints, []int{1, -2, 3}},
		{`[9007199254740993]`, i64s, []int64{9007199254740993}},
		{`[1.5,2e3]`, floats, []float64{1.5, 2000}},
		{`[true,false]`, bools, []bool{true, false}},
		{`null`, smap, map[string]string(nil)},
		{`{}`, smap, map[string]string{}},
		{`{"a":"x","b":"y"}`, smap, map[string]string{"a": "x", "b": "y"}},
		{`{"a":1}`, imap, map[string]int{"a": 1}},
		{`{"a":-1}`, i64map, map[string]int64{"a": -1}},
		{`{"a":0.25}`, fmap, map[string]float64{"a": 0.25}},
		{`{"a":true}`, bmap, map[string]bool{"a": true}},
		{`{"-128":"lo","127":"hi"}`, int8Keys, map[int8]string{-128: "lo", 127: "hi"}},
		{`{"0":true,"18446744073709551615":false}`, uintKeys, map[uint]bool{0: true, 18446744073709551615: false}},
		{`null`, uintKeys, map[uint]bool(nil)},
	} {
		got, err := read(tc.in, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.in, got, tc.want)
		}
		ref := reflect.New(reflect.TypeOf(tc.want))
		if err := json.Unmarshal([]byte(tc.in), ref.Interface()); err != nil || !reflect.DeepEqual(ref.Elem().Interface(), got) {
			t.Errorf("%s: encoding/json reads %#v (%v), we read %#v", tc.in, ref.Elem().Interface(), err, got)
		}
	}

	// Rejected inputs say where and why.
	for _, tc := range []struct {
		in   string
		f    func(*Decoder) (any, error)
		want string
	}{
		{`["a",1]`, strs, "[1]: expected string, got number"},
		{`[1.5]`, ints, "[0]: "},
		{`{}`, strs, "expected array, got object"},
		{`{"a":"x","a":"y"}`, smap, "a: duplicate key"},
		{`{"a":"1"}`, imap, "a: expected integer, got string"},
		{`[]`, smap, "expected object, got array"},
		{`{"128":"x"}`, int8Keys, "128: key is out of range"},
		{`{"x":"x"}`, int8Keys, "x: key is not an integer"},
		{`{"1":"a","01":"b"}`, int8Keys, "01: duplicate key"},
		{`{"-1":true}`, uintKeys, "-1: key is not a non-negative integer"},
		{`{"1":"no"}`, uintKeys, "1: expected boolean, got string"},
	} {
		_, err := read(tc.in, tc.f)
		if err == nil || len(err.Error()) < len(tc.want) || err.Error()[:len(tc.want)] != tc.want {
			t.Errorf("%s: error %v, want prefix %q", tc.in, err, tc.want)
		}
	}
}
