// Package templates holds the text templates of mcpgen's outputs that are
// not Go code: the go.mod and README of a CLI written by mcpgen
// generate-cli.
package templates

import (
	"embed"
	"text/template"
)

//go:embed cli/*.tmpl
var files embed.FS

// CLI holds the templates of a generated CLI module: go.mod.tmpl and
// README.md.tmpl.
var CLI = template.Must(template.ParseFS(files, "cli/*.tmpl"))
