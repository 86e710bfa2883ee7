package runtime

import (
	"strconv"
	"strings"
)

// CompareVersions orders component versions: -1 if a < b, 0 if equal, +1
// if a > b. Dotted numeric versions compare numerically part by part
// ("1.9" < "1.10", "2" < "10"), with an optional "v" prefix ignored; other
// strings compare lexically, after all numeric versions (so ISO dates
// order correctly among themselves); the empty version is lowest.
func CompareVersions(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	na, aok := numericParts(a)
	nb, bok := numericParts(b)
	switch {
	case aok && bok:
		for i := 0; i < len(na) || i < len(nb); i++ {
			var x, y uint64
			if i < len(na) {
				x = na[i]
			}
			if i < len(nb) {
				y = nb[i]
			}
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
		}
		return strings.Compare(a, b)
	case aok:
		return -1
	case bok:
		return 1
	}
	return strings.Compare(a, b)
}

func numericParts(v string) ([]uint64, bool) {
	v = strings.TrimPrefix(strings.TrimPrefix(v, "v"), "V")
	if v == "" {
		return nil, false
	}
	parts := strings.Split(v, ".")
	out := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}
