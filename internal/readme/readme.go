// Package readme keeps the README's code snippets true: a snippet is
// marked in a tested example file and must appear in README.md verbatim.
package readme

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// Snippet returns the lines of file between a line "// README: name" and
// the next line "// README end", without blank lines at either end and
// with their common indentation removed.
func Snippet(file, name string) (string, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	var lines []string
	in, found := false, false
	for _, line := range strings.Split(string(src), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "// README: "+name:
			in, found = true, true
		case in && trimmed == "// README end":
			in = false
		case in:
			lines = append(lines, line)
		}
	}
	if !found || in {
		return "", fmt.Errorf("%s: no snippet %q between // README: %s and // README end", file, name, name)
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// Check fails t unless the README at readmePath holds each named snippet
// of file verbatim, as the whole of a ```go code block.
func Check(t testing.TB, readmePath, file string, names ...string) {
	t.Helper()
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		snippet, err := Snippet(file, name)
		if err != nil {
			t.Error(err)
			continue
		}
		if !strings.Contains(string(readme), "```go\n"+snippet+"```\n") {
			t.Errorf("%s does not show the snippet %q of %s as a go code block; it should read:\n```go\n%s```", readmePath, name, file, snippet)
		}
	}
}
