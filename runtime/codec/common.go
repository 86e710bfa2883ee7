package codec

import "strconv"

// Readers of JSON arrays and objects into slices and string-keyed maps.
// Generated code calls ReadSlice and ReadMap with a reader for the element
// type, and the ready-made readers below for the slices and maps of plain
// scalars that many packages use ([]string, map[string]int, ...), rather
// than writing the loops again in every package. For all of them null reads
// as nil, an empty array or object as an empty non-nil value, element
// errors carry their index or key, and duplicate object keys are refused.

// ReadStrings reads a JSON array of strings (or null) into v.
func ReadStrings(d *Decoder, v *[]string) error { return ReadSlice(d, v, (*Decoder).ReadString) }

// ReadBools reads a JSON array of booleans (or null) into v.
func ReadBools(d *Decoder, v *[]bool) error { return ReadSlice(d, v, (*Decoder).ReadBool) }

// ReadInts reads a JSON array of integers (or null) into v.
func ReadInts(d *Decoder, v *[]int) error { return ReadSlice(d, v, readInt) }

// ReadInt64s reads a JSON array of integers (or null) into v.
func ReadInt64s(d *Decoder, v *[]int64) error { return ReadSlice(d, v, readInt64) }

// ReadFloat64s reads a JSON array of numbers (or null) into v.
func ReadFloat64s(d *Decoder, v *[]float64) error { return ReadSlice(d, v, readFloat64) }

// ReadStringMap reads a JSON object of strings (or null) into v.
func ReadStringMap(d *Decoder, v *map[string]string) error {
	return ReadMap(d, v, (*Decoder).ReadString)
}

// ReadBoolMap reads a JSON object of booleans (or null) into v.
func ReadBoolMap(d *Decoder, v *map[string]bool) error { return ReadMap(d, v, (*Decoder).ReadBool) }

// ReadIntMap reads a JSON object of integers (or null) into v.
func ReadIntMap(d *Decoder, v *map[string]int) error { return ReadMap(d, v, readInt) }

// ReadInt64Map reads a JSON object of integers (or null) into v.
func ReadInt64Map(d *Decoder, v *map[string]int64) error { return ReadMap(d, v, readInt64) }

// ReadFloat64Map reads a JSON object of numbers (or null) into v.
func ReadFloat64Map(d *Decoder, v *map[string]float64) error { return ReadMap(d, v, readFloat64) }

func readInt(d *Decoder) (int, error) {
	n, err := d.ReadInt(0)
	return int(n), err
}

func readInt64(d *Decoder) (int64, error) { return d.ReadInt(64) }

func readFloat64(d *Decoder) (float64, error) { return d.ReadFloat(64) }

// ReadSlice reads a JSON array (or null) into v, each element with read.
func ReadSlice[S ~[]T, T any](d *Decoder, v *S, read func(*Decoder) (T, error)) error {
	if d.ReadNull() {
		*v = nil
		return nil
	}
	if err := d.BeginArray(); err != nil {
		return err
	}
	out := S{}
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

// ReadMap reads a JSON object (or null) into v, each value with read.
func ReadMap[M ~map[K]T, K ~string, T any](d *Decoder, v *M, read func(*Decoder) (T, error)) error {
	return readMap(d, v, func(name string) (K, error) { return K(name), nil }, read)
}

// ReadIntKeyMap reads a JSON object (or null) whose keys are decimal
// integers of the given bit size (0 for int) into v, as encoding/json
// reads integer-keyed maps.
func ReadIntKeyMap[M ~map[K]T, K ~int | ~int8 | ~int16 | ~int32 | ~int64, T any](d *Decoder, v *M, bits int, read func(*Decoder) (T, error)) error {
	return readMap(d, v, func(name string) (K, error) {
		n, err := strconv.ParseInt(name, 10, bits)
		if err != nil {
			return 0, KeyError(name, err, "an integer")
		}
		return K(n), nil
	}, read)
}

// ReadUintKeyMap is ReadIntKeyMap for unsigned keys.
func ReadUintKeyMap[M ~map[K]T, K ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr, T any](d *Decoder, v *M, bits int, read func(*Decoder) (T, error)) error {
	return readMap(d, v, func(name string) (K, error) {
		n, err := strconv.ParseUint(name, 10, bits)
		if err != nil {
			return 0, KeyError(name, err, "a non-negative integer")
		}
		return K(n), nil
	}, read)
}

func readMap[M ~map[K]T, K comparable, T any](d *Decoder, v *M, key func(string) (K, error), read func(*Decoder) (T, error)) error {
	if d.ReadNull() {
		*v = nil
		return nil
	}
	if err := d.BeginObject(); err != nil {
		return err
	}
	out := M{}
	for {
		rawKey, ok, err := d.NextKey()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		name := string(rawKey)
		k, err := key(name)
		if err != nil {
			return err
		}
		if _, dup := out[k]; dup {
			return Duplicate(name)
		}
		e, err := read(d)
		if err != nil {
			return AtField(err, name)
		}
		out[k] = e
	}
	*v = out
	return nil
}
