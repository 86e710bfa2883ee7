package codec

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

var docs = []string{
	`null`, `true`, `false`, `0`, `-0`, `1.5e3`, `-12.25E-2`, `""`, `"a\"b\\c\/\b\f\n\r\t"`, `"\u00e9\ud83d\ude00"`,
	`"\ud800"`, `"\udc00x"`, "\"caf\xc3\xa9\"", "\"bad\xffutf8\"", `[]`, `[1,[2,[3]],{"a":[]}]`, `{}`,
	`{"a":1,"b":{"c":[true,false,null]},"a":2}`, ` { "k" : "v" } `, `12345678901234567890123`,
	// invalid:
	``, `nul`, `tru`, `01`, `1.`, `.5`, `1e`, `-`, `+1`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1 2]`,
	`"abc`, "\"a\x01b\"", `"\x"`, `"\u12"`, `NaN`, `[1]]`, `{"a":1}x`, `// c`, `1 2`,
}

func TestSkipAgreesWithValid(t *testing.T) {
	for _, doc := range docs {
		if got, want := Valid([]byte(doc)), json.Valid([]byte(doc)); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", doc, got, want)
		}
	}
}

func TestReadAnyAgreesWithEncodingJSON(t *testing.T) {
	for _, doc := range docs {
		if !json.Valid([]byte(doc)) {
			continue
		}
		var want any
		wantErr := json.Unmarshal([]byte(doc), &want)
		var d Decoder
		d.Reset([]byte(doc))
		got, err := d.ReadAny()
		if err == nil {
			err = d.End()
		}
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%q: err = %v, encoding/json: %v", doc, err, wantErr)
			continue
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v, want %#v", doc, got, want)
		}
	}
}

func read[T any](doc string, f func(*Decoder) (T, error)) (T, error) {
	var d Decoder
	d.Reset([]byte(doc))
	v, err := f(&d)
	if err == nil {
		err = d.End()
	}
	return v, err
}

func TestReadScalars(t *testing.T) {
	intCases := []struct {
		doc  string
		bits int
		want int64
		err  string
	}{
		{`42`, 0, 42, ""},
		{`-7`, 8, -7, ""},
		{`1.0`, 0, 1, ""},
		{`1e2`, 0, 100, ""},
		{`127`, 8, 127, ""},
		{`128`, 8, 0, "value 128 out of range for int8"},
		{`1.5`, 0, 0, "1.5 is not an integer"},
		{`9223372036854775808`, 64, 0, "out of range for int64"},
		{`"3"`, 0, 0, "expected integer, got string"},
		{`null`, 0, 0, "expected integer, got null"},
		{`01`, 0, 0, "invalid JSON"},
	}
	for _, tc := range intCases {
		got, err := read(tc.doc, func(d *Decoder) (int64, error) { return d.ReadInt(tc.bits) })
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ReadInt(%s, %d): err = %v, want %q", tc.doc, tc.bits, err, tc.err)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("ReadInt(%s, %d) = %d, %v; want %d", tc.doc, tc.bits, got, err, tc.want)
		}
	}
	if v, err := read(`255`, func(d *Decoder) (uint64, error) { return d.ReadUint(8) }); err != nil || v != 255 {
		t.Errorf("ReadUint(255, 8) = %d, %v", v, err)
	}
	if _, err := read(`-1`, func(d *Decoder) (uint64, error) { return d.ReadUint(0) }); err == nil {
		t.Error("ReadUint(-1) succeeded")
	}
	if _, err := read(`1e40`, func(d *Decoder) (float64, error) { return d.ReadFloat(32) }); err == nil || !strings.Contains(err.Error(), "out of range for float32") {
		t.Errorf("ReadFloat(1e40, 32): %v", err)
	}
	if s, err := read(`"a\u0041\n"`, (*Decoder).ReadString); err != nil || s != "aA\n" {
		t.Errorf("ReadString = %q, %v", s, err)
	}
	if b, err := read(`"aGVsbG8="`, (*Decoder).ReadBytes); err != nil || string(b) != "hello" {
		t.Errorf("ReadBytes = %q, %v", b, err)
	}
	if tm, err := read(`"2026-11-25T10:00:00+01:00"`, (*Decoder).ReadTime); err != nil || !tm.Equal(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("ReadTime = %v, %v", tm, err)
	}
	if dur, err := read(`"1h30m"`, (*Decoder).ReadDuration); err != nil || dur != 90*time.Minute {
		t.Errorf("ReadDuration = %v, %v", dur, err)
	}
	if dur, err := read(`1500`, (*Decoder).ReadDuration); err != nil || dur != 1500 {
		t.Errorf("ReadDuration(1500) = %v, %v", dur, err)
	}
	if raw, err := read(` {"a" : [1, 2]} `, (*Decoder).ReadRaw); err != nil || string(raw) != `{"a" : [1, 2]}` {
		t.Errorf("ReadRaw = %q, %v", raw, err)
	}
}

func TestObjectAndArrayWalk(t *testing.T) {
	var d Decoder
	d.Reset([]byte(`{"name":"x","list":[1,2,3],"skip":{"deep":[{}]},"esc\u0061ped":true}`))
	if err := d.BeginObject(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	var sum int64
	for {
		key, ok, err := d.NextKey()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		keys = append(keys, string(key))
		switch string(key) {
		case "list":
			if err := d.BeginArray(); err != nil {
				t.Fatal(err)
			}
			for {
				ok, err := d.NextElem()
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				n, err := d.ReadInt(0)
				if err != nil {
					t.Fatal(err)
				}
				sum += n
			}
		default:
			if err := d.Skip(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := d.End(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "name,list,skip,escaped" || sum != 6 {
		t.Errorf("keys %v sum %d", keys, sum)
	}
}

func TestDepthLimit(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	if Valid([]byte(deep)) {
		t.Error("nesting beyond MaxDepth accepted")
	}
}

func TestErrorPaths(t *testing.T) {
	err := AtField(AtIndex(AtField(&Error{Msg: "bad"}, "name"), 2), "stops")
	if err.Error() != "stops[2].name: bad" {
		t.Errorf("got %q", err)
	}
	var errs Errors
	if errs.Err() != nil {
		t.Error("empty Errors is not nil")
	}
	errs.Add("days", "must be <= 14")
	errs.Addf(Index("tags", 1), "too long (%d)", 9)
	if got := errs.Err().Error(); got != "days: must be <= 14; tags[1]: too long (9)" {
		t.Errorf("got %q", got)
	}
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "<a&b>", "\u2028\u2029", "\x00\x1f\x7f", "bad\xffutf8", "é😀", "\t\n"} {
		if got, want := string(AppendString(nil, s)), marshal(t, s); got != want {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
	for _, f := range []float64{0, 1, -1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1} {
		got, err := AppendFloat(nil, f, 64)
		if err != nil || string(got) != marshal(t, f) {
			t.Errorf("AppendFloat(%v) = %s, %v; want %s", f, got, err, marshal(t, f))
		}
		f32 := float32(f)
		if math.IsInf(float64(f32), 0) {
			continue
		}
		got, err = AppendFloat(nil, float64(f32), 32)
		if err != nil || string(got) != marshal(t, f32) {
			t.Errorf("AppendFloat32(%v) = %s, %v; want %s", f32, got, err, marshal(t, f32))
		}
	}
	if _, err := AppendFloat(nil, math.NaN(), 64); err == nil {
		t.Error("NaN encoded")
	}
	tm := time.Date(2026, 11, 25, 10, 4, 5, 123000000, time.FixedZone("x", 3600))
	if got, _ := AppendTime(nil, tm); string(got) != marshal(t, tm) {
		t.Errorf("AppendTime = %s, want %s", got, marshal(t, tm))
	}
	for _, b := range [][]byte{nil, {}, []byte("hello world")} {
		if got := string(AppendBytes(nil, b)); got != marshal(t, b) {
			t.Errorf("AppendBytes(%q) = %s, want %s", b, got, marshal(t, b))
		}
	}
	v := map[string]any{"z": []any{1.5, "s", nil, true}, "a": map[string]any{"<": "&"}}
	if got, err := AppendAny(nil, v); err != nil || string(got) != marshal(t, v) {
		t.Errorf("AppendAny = %s, %v; want %s", got, err, marshal(t, v))
	}
	if got, err := AppendRaw(nil, []byte(` { "a" : 1 } `)); err != nil || string(got) != `{"a":1}` {
		t.Errorf("AppendRaw = %s, %v", got, err)
	}
}

func FuzzSkipAgreesWithValid(f *testing.F) {
	for _, doc := range docs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Valid(data), json.Valid(data); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", data, got, want)
		}
	})
}

func FuzzReadAny(f *testing.F) {
	for _, doc := range docs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		d.Reset(data)
		got, err := d.ReadAny()
		if err == nil {
			err = d.End()
		}
		var want any
		wantErr := json.Unmarshal(data, &want)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: err = %v, encoding/json: %v", data, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %#v, want %#v", data, got, want)
		}
	})
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "<&>", "\u2028", "bad\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
		var d Decoder
		d.Reset(want)
		back, err := d.ReadString()
		var viaJSON string
		json.Unmarshal(want, &viaJSON)
		if err != nil || back != viaJSON {
			t.Fatalf("ReadString(%s) = %q, %v; encoding/json gives %q", want, back, err, viaJSON)
		}
	})
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, 1e21, 1e-7, 3.14} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		want, _ := json.Marshal(v)
		if got, err := AppendFloat(nil, v, 64); err != nil || string(got) != string(want) {
			t.Fatalf("AppendFloat(%v) = %s, %v; want %s", v, got, err, want)
		}
		f32 := float32(v)
		if math.IsInf(float64(f32), 0) {
			return
		}
		want32, _ := json.Marshal(f32)
		if got, err := AppendFloat(nil, float64(f32), 32); err != nil || string(got) != string(want32) {
			t.Fatalf("AppendFloat32(%v) = %s, %v; want %s", f32, got, err, want32)
		}
	})
}
