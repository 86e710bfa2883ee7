package client

import (
	"fmt"
	"strings"
)

// ExpandURI expands an RFC 6570 URI template (levels 1 to 3, string
// values) with vars, percent-encoding values as UTF-8. Variables missing
// from vars are left out, as the RFC says for undefined values.
func ExpandURI(template string, vars map[string]string) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(template, '{')
		if i < 0 {
			b.WriteString(template)
			return b.String(), nil
		}
		j := strings.IndexByte(template[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("URI template %q: unclosed {", template)
		}
		b.WriteString(template[:i])
		expr := template[i+1 : i+j]
		template = template[i+j+1:]
		op := byte(0)
		if expr != "" && strings.IndexByte("+#./;?&", expr[0]) >= 0 {
			op, expr = expr[0], expr[1:]
		}
		first, sep, named, ifemp, reserved := "", ",", false, "", false
		switch op {
		case '+':
			reserved = true
		case '#':
			first, reserved = "#", true
		case '.':
			first, sep = ".", "."
		case '/':
			first, sep = "/", "/"
		case ';':
			first, sep, named = ";", ";", true
		case '?':
			first, sep, named, ifemp = "?", "&", true, "="
		case '&':
			first, sep, named, ifemp = "&", "&", true, "="
		}
		n := 0
		for _, name := range strings.Split(expr, ",") {
			if name == "" || strings.ContainsAny(name, ":*") {
				return "", fmt.Errorf("URI template: unsupported variable %q", name)
			}
			v, ok := vars[name]
			if !ok {
				continue
			}
			if n == 0 {
				b.WriteString(first)
			} else {
				b.WriteString(sep)
			}
			n++
			if named {
				b.WriteString(name)
				if v == "" {
					b.WriteString(ifemp)
					continue
				}
				b.WriteByte('=')
			}
			b.WriteString(encode(v, reserved))
		}
	}
}

func encode(s string, reserved bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		case reserved && strings.IndexByte(":/?#[]@!$&'()*+,;=", c) >= 0:
			b.WriteByte(c)
		case reserved && c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
