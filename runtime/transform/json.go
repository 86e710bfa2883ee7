package transform

import (
	"encoding/json"
	"fmt"

	"github.com/mcpgen/mcpgen/runtime/codec"
)

// member is one member of a JSON object, its value as raw bytes.
type member struct {
	key string
	val []byte
}

// parseObject splits a JSON object into its members, in order, keeping
// each value's bytes as they are.
func parseObject(data []byte) ([]member, error) {
	var d codec.Decoder
	d.Reset(data)
	if err := d.BeginObject(); err != nil {
		return nil, err
	}
	var out []member
	for {
		key, ok, err := d.NextKey()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		k := string(key)
		d.Peek() // skip the space before the value
		start := d.Offset()
		if err := d.Skip(); err != nil {
			return nil, err
		}
		out = append(out, member{k, data[start:d.Offset()]})
	}
	if err := d.End(); err != nil {
		return nil, err
	}
	return out, nil
}

// appendObject appends the members as a JSON object.
func appendObject(b []byte, ms []member) []byte {
	b = append(b, '{')
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = codec.AppendKey(b, m.key)
		b = append(b, m.val...)
	}
	return append(b, '}')
}

func find(ms []member, key string) int {
	for i := range ms {
		if ms[i].key == key {
			return i
		}
	}
	return -1
}

// set replaces the member key, or appends it.
func set(ms []member, key string, val []byte) []member {
	if i := find(ms, key); i >= 0 {
		ms[i].val = val
		return ms
	}
	return append(ms, member{key, val})
}

// remove drops the member key, if present.
func remove(ms []member, key string) []member {
	if i := find(ms, key); i >= 0 {
		return append(ms[:i], ms[i+1:]...)
	}
	return ms
}

func mustJSON(v any) []byte {
	js, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("transform: %v", err))
	}
	return js
}
