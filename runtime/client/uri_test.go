package client

import "testing"

// Examples from RFC 6570 section 3.2 (levels 1 to 3), plus UTF-8.
func TestExpandURI(t *testing.T) {
	vars := map[string]string{"var": "value", "hello": "Hello World!", "path": "/foo/bar", "empty": "", "x": "1024", "y": "768", "city": "São Paulo"}
	for tmpl, want := range map[string]string{
		"{var}":                   "value",
		"{hello}":                 "Hello%20World%21",
		"{+hello}":                "Hello%20World!",
		"{+path}/here":            "/foo/bar/here",
		"{#hello}":                "#Hello%20World!",
		"map?{x,y}":               "map?1024,768",
		"{x,hello,y}":             "1024,Hello%20World%21,768",
		"X{.var}":                 "X.value",
		"{/var,x}/here":           "/value/1024/here",
		"{;x,y,empty}":            ";x=1024;y=768;empty",
		"{?x,y,empty}":            "?x=1024&y=768&empty=",
		"?fixed=yes{&x}":          "?fixed=yes&x=1024",
		"{?undef,x}":              "?x=1024",
		"weather://cities/{city}": "weather://cities/S%C3%A3o%20Paulo",
	} {
		got, err := ExpandURI(tmpl, vars)
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", tmpl, got, err, want)
		}
	}
	if _, err := ExpandURI("{unclosed", nil); err == nil {
		t.Error("unclosed expression accepted")
	}
}
