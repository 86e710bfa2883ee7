package codec

// Readers for the unnamed slice and map types of plain scalars that many
// packages use ([]string, map[string]int, ...). Generated code calls these
// rather than writing its own copy in every package; they behave exactly as
// the generated readers for other element types: null reads as nil, an
// empty array or object as an empty non-nil value, element errors carry
// their index or key, and duplicate object keys are refused.

// ReadStrings reads a JSON array of strings (or null) into v.
func ReadStrings(d *Decoder, v *[]string) error { return readSlice(d, v, (*Decoder).ReadString) }

// ReadBools reads a JSON array of booleans (or null) into v.
func ReadBools(d *Decoder, v *[]bool) error { return readSlice(d, v, (*Decoder).ReadBool) }

// ReadInts reads a JSON array of integers (or null) into v.
func ReadInts(d *Decoder, v *[]int) error { return readSlice(d, v, readInt) }

// ReadInt64s reads a JSON array of integers (or null) into v.
func ReadInt64s(d *Decoder, v *[]int64) error { return readSlice(d, v, readInt64) }

// ReadFloat64s reads a JSON array of numbers (or null) into v.
func ReadFloat64s(d *Decoder, v *[]float64) error { return readSlice(d, v, readFloat64) }

// ReadStringMap reads a JSON object of strings (or null) into v.
func ReadStringMap(d *Decoder, v *map[string]string) error {
	return readMap(d, v, (*Decoder).ReadString)
}

// ReadBoolMap reads a JSON object of booleans (or null) into v.
func ReadBoolMap(d *Decoder, v *map[string]bool) error { return readMap(d, v, (*Decoder).ReadBool) }

// ReadIntMap reads a JSON object of integers (or null) into v.
func ReadIntMap(d *Decoder, v *map[string]int) error { return readMap(d, v, readInt) }

// ReadInt64Map reads a JSON object of integers (or null) into v.
func ReadInt64Map(d *Decoder, v *map[string]int64) error { return readMap(d, v, readInt64) }

// ReadFloat64Map reads a JSON object of numbers (or null) into v.
func ReadFloat64Map(d *Decoder, v *map[string]float64) error { return readMap(d, v, readFloat64) }

func readInt(d *Decoder) (int, error) {
	n, err := d.ReadInt(0)
	return int(n), err
}

func readInt64(d *Decoder) (int64, error) { return d.ReadInt(64) }

func readFloat64(d *Decoder) (float64, error) { return d.ReadFloat(64) }

func readSlice[T any](d *Decoder, v *[]T, read func(*Decoder) (T, error)) error {
	if d.ReadNull() {
		*v = nil
		return nil
	}
	if err := d.BeginArray(); err != nil {
		return err
	}
	out := []T{}
	for i := 0; ; i++ {
		more, err := d.NextElem()
		if err != nil {
			return err
		}
		if !more {
			break
		}
		e, err := read(d)
		if err != nil {
			return AtIndex(err, i)
		}
		out = append(out, e)
	}
	*v = out
	return nil
}

func readMap[T any](d *Decoder, v *map[string]T, read func(*Decoder) (T, error)) error {
	if d.ReadNull() {
		*v = nil
		return nil
	}
	if err := d.BeginObject(); err != nil {
		return err
	}
	out := map[string]T{}
	for {
		rawKey, ok, err := d.NextKey()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		name := string(rawKey)
		if _, dup := out[name]; dup {
			return Duplicate(name)
		}
		e, err := read(d)
		if err != nil {
			return AtField(err, name)
		}
		out[name] = e
	}
	*v = out
	return nil
}
