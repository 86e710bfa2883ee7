package skillspec

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseFrontmatter(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"order and types", "---\nname: pdf\ndescription: Fill forms\nlicense: MIT\ncount: 3\nratio: 0.5\nbig: 123456789012345678901234567890\nflag: true\nyes: yes\nnothing: null\ntilde: ~\nmetadata:\n  version: \"2.1\"\n  tags: [a, b]\n---\nbody\n",
			`{"name":"pdf","description":"Fill forms","license":"MIT","count":3,"ratio":0.5,"big":1.2345678901234568e+29,"flag":true,"yes":"yes","nothing":null,"tilde":null,"metadata":{"version":"2.1","tags":["a","b"]}}`},
		{"timestamps and infinities stay as written", "---\nname: a\ndescription: d\ndate: 2024-01-02\nwhen: 2024-01-02T03:04:05Z\ninf: .inf\nnan: .nan\nhex: 0x1F\n---\n",
			`{"name":"a","description":"d","date":"2024-01-02","when":"2024-01-02T03:04:05Z","inf":".inf","nan":".nan","hex":31}`},
		{"CRLF and BOM", "\uFEFF---\r\nname: a\r\ndescription: d\r\n---\r\nbody", `{"name":"a","description":"d"}`},
		{"closing line with trailing spaces, at end of file", "---\nname: a\ndescription: >\n  folded\n  text\n---  ", `{"name":"a","description":"folded text"}`},
		{"aliases", "---\nname: a\ndescription: &d shared\nagain: *d\n---\n", `{"name":"a","description":"shared","again":"shared"}`},
		{"non-string keys", "---\nname: a\ndescription: d\n1: one\ntrue: t\n---\n", `{"name":"a","description":"d","1":"one","true":"t"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fm, err := ParseFrontmatter([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(fm.JSON) != tc.want {
				t.Errorf("got  %s\nwant %s", fm.JSON, tc.want)
			}
			if !json.Valid(fm.JSON) {
				t.Error("invalid JSON")
			}
		})
	}
}

func TestParseFrontmatterRefuses(t *testing.T) {
	bomb := "---\nname: a\ndescription: d\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i < 9; i++ {
		bomb += "l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [" + strings.Repeat("*l"+string(rune('0'+i-1))+", ", 9) + "*l" + string(rune('0'+i-1)) + "]\n"
	}
	bomb += "---\n"
	for _, tc := range []struct{ name, in, want string }{
		{"no front matter", "# title\n", "does not begin"},
		{"unclosed", "---\nname: a\ndescription: d\n", "does not begin"},
		{"not a mapping", "---\n- a\n- b\n---\n", "not a YAML mapping"},
		{"empty", "---\n---\n", "not a YAML mapping"},
		{"no name", "---\ndescription: d\n---\n", "no name"},
		{"name not a string", "---\nname: [a]\ndescription: d\n---\n", "no name"},
		{"no description", "---\nname: a\n---\n", "no description"},
		{"empty description", "---\nname: a\ndescription: \"\"\n---\n", "no description"},
		{"duplicate key", "---\nname: a\ndescription: d\nname: b\n---\n", "twice"},
		{"merge key", "---\nbase: &b {x: 1}\nname: a\ndescription: d\nm:\n  <<: *b\n---\n", "merge"},
		{"bad YAML", "---\nname: [a\n---\n", "front matter"},
		{"alias bomb", bomb, "too many"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFrontmatter([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "pdf-processing", "a1-b2", strings.Repeat("a", 64)} {
		if err := ValidName(ok); err != nil {
			t.Errorf("ValidName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", "a-", "a--b", "A", "a_b", "a.b", "a b", "é", strings.Repeat("a", 65), "../x"} {
		if ValidName(bad) == nil {
			t.Errorf("ValidName(%q) accepted it", bad)
		}
	}
}

func TestResourcesJSON(t *testing.T) {
	var e Entry
	if err := json.Unmarshal([]byte(`{"uri":"skill://a/SKILL.md","frontmatter":{},"resources":"dynamic"}`), &e); err != nil || !e.Resources.Dynamic || !e.Resources.Set {
		t.Errorf("dynamic: %v %+v", err, e.Resources)
	}
	for _, bad := range []string{`"static"`, `{}`, `null`, `3`} {
		if err := json.Unmarshal([]byte(`{"resources":`+bad+`}`), &e); err == nil {
			t.Errorf("resources %s accepted", bad)
		}
	}
	e = Entry{}
	json.Unmarshal([]byte(`{"uri":"x"}`), &e)
	if e.Resources.Set {
		t.Error("a missing resources field decoded as set")
	}
	js, _ := json.Marshal(Entry{URI: "u", Frontmatter: json.RawMessage(`{}`)})
	if string(js) != `{"uri":"u","frontmatter":{},"resources":[]}` {
		t.Errorf("marshal %s", js)
	}
	if d := Digest([]byte("abc")); d != "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("Digest %s", d)
	}
}
