// Package version holds the version of mcpgen, which the header of every
// generated file names.
package version

// Version is mcpgen's version: the generator's and the runtime's, which
// are one module. It changes at each release, and with it the header of
// every generated file, so the golden files are regenerated then (go test
// ./internal/emit -update, make generate).
const Version = "v0.1.0-dev"
