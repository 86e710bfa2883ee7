package main

import (
	"embed"
	"os"
	"path/filepath"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/skills"
)

// The skills extension (SEP-2640) scenarios read the skills under
// skills/: they are embedded in the binary and written out to a temporary
// root when the server starts, since a skills provider serves a directory.
//
//go:embed skills
var skillFiles embed.FS

// serveSkills writes the embedded skills to a temporary directory and
// serves them on s with the extension. It returns the function that
// removes the directory.
func serveSkills(s *runtime.Server) (func(), error) {
	dir, err := os.MkdirTemp("", "mcpgen-conformance-skills-")
	if err != nil {
		return nil, err
	}
	remove := func() { os.RemoveAll(dir) }
	if err := os.CopyFS(dir, skillFiles); err != nil {
		remove()
		return nil, err
	}
	root := filepath.Join(dir, "skills")
	if err := skills.Register(s, skills.New([]string{root}, nil)); err != nil {
		remove()
		return nil, err
	}
	return remove, nil
}
