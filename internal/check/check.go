package check

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/mcpgen/mcpgen/internal/generate"
	"github.com/mcpgen/mcpgen/internal/model"
	"github.com/mcpgen/mcpgen/internal/parse"
	"github.com/mcpgen/mcpgen/internal/schema"
)

// Problem is one reason the check fails, at a position.
type Problem struct {
	Pos model.Pos
	Msg string
}

func (p Problem) String() string { return p.Pos.String() + ": " + p.Msg }

// Result is the outcome of a check.
type Result struct {
	Problems []Problem
	Packages int // packages with components
	Tools    int
}

// Run checks the packages matching patterns (relative to dir): generated
// files are current, schemas are valid 2020-12, and no component changed
// incompatibly against its package's mcp.lock.json without a new version.
// Problems in the annotations themselves come back as a parse.ErrorList
// error, as from generate.
func Run(dir string, patterns ...string) (*Result, error) {
	files, err := generate.Plan(dir, patterns...)
	if err != nil {
		return nil, err
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	rel := func(path string) string {
		if r, err := filepath.Rel(absDir, path); err == nil {
			return r
		}
		return path
	}
	res := &Result{}
	add := func(pos model.Pos, format string, args ...any) {
		res.Problems = append(res.Problems, Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
	for _, f := range files {
		if f.Stale() {
			if f.Content == nil {
				add(model.Pos{File: rel(f.Path), Line: 1, Col: 1}, "generated file is stale: its package declares no components any more; run mcpgen generate")
			} else {
				add(model.Pos{File: rel(f.Path), Line: 1, Col: 1}, "generated file is stale; run mcpgen generate")
			}
		}
		pkg := f.Package
		if pkg == nil {
			continue
		}
		res.Packages++
		res.Tools += len(pkg.Tools)
		for _, t := range pkg.Tools {
			if _, err := schema.Compile(schema.ForInput(t.Input)); err != nil {
				add(t.Pos, "tool %q: input schema: %v", t.Name, err)
			}
			if r := t.Func.Result; r != nil && r.Kind == model.ResultStructured && r.Type != nil {
				if _, err := schema.Compile(schema.ForOutput(r.Type)); err != nil {
					add(t.Pos, "tool %q: output schema: %v", t.Name, err)
				}
			}
		}
		old, data, err := ReadLock(pkg.Dir)
		if err != nil {
			add(model.Pos{File: rel(filepath.Join(pkg.Dir, LockName)), Line: 1, Col: 1}, "%v", err)
			continue
		}
		if old != nil {
			compare(pkg, old, data, rel(filepath.Join(pkg.Dir, LockName)), add)
		}
	}
	sort.SliceStable(res.Problems, func(i, j int) bool { return res.Problems[i].Pos.Before(res.Problems[j].Pos) })
	return res, nil
}

// compare reports every incompatible change from the locked contract.
func compare(pkg *model.Package, old *Lock, data []byte, lockPath string, add func(model.Pos, string, ...any)) {
	cur := LockOf(pkg)
	lockPos := func(k string) model.Pos {
		// The line of the key in the lock file, for removed components.
		needle := []byte(`"` + k + `":`)
		line, col := 1, 1
		if i := bytes.Index(data, needle); i >= 0 {
			line = bytes.Count(data[:i], []byte("\n")) + 1
			col = i - bytes.LastIndexByte(data[:i], '\n')
		}
		return model.Pos{File: lockPath, Line: line, Col: col}
	}
	toolPos := map[string]model.Pos{}
	names := map[string]bool{}
	for _, t := range pkg.Tools {
		toolPos[key(t.Name, t.Version)] = t.Pos
		names[t.Name] = true
	}
	for _, k := range sortedKeys(old.Tools) {
		oc := old.Tools[k]
		nc, ok := cur.Tools[k]
		name, version, _ := strings.Cut(k, "@")
		if !ok {
			if !names[name] {
				add(lockPos(k), "tool %q was removed; removing a tool breaks its clients (run mcpgen lock to accept)", name)
			}
			continue // another version of it remains: a version bump
		}
		var breaks []string
		breaks = append(breaks, inputBreaks(parseSchema(oc.Input), parseSchema(nc.Input), "")...)
		if len(oc.Output) > 0 {
			if len(nc.Output) == 0 {
				breaks = append(breaks, "structured result removed")
			} else {
				breaks = append(breaks, outputBreaks(parseSchema(oc.Output), parseSchema(nc.Output), "")...)
			}
		}
		if len(breaks) > 0 {
			v := ""
			if version != "" {
				v = " version " + version
			}
			add(toolPos[k], "tool %q%s changed incompatibly without a version bump: %s", name, v, strings.Join(breaks, "; "))
		}
	}
	promptPos := map[string]model.Pos{}
	promptNames := map[string]bool{}
	for _, p := range pkg.Prompts {
		promptPos[key(p.Name, p.Version)] = p.Pos
		promptNames[p.Name] = true
	}
	for _, k := range sortedKeys(old.Prompts) {
		name, _, _ := strings.Cut(k, "@")
		nc, ok := cur.Prompts[k]
		if !ok {
			if !promptNames[name] {
				add(lockPos(k), "prompt %q was removed (run mcpgen lock to accept)", name)
			}
			continue
		}
		var breaks []string
		for _, oa := range old.Prompts[k].Arguments {
			i := slices.IndexFunc(nc.Arguments, func(a PromptArg) bool { return a.Name == oa.Name })
			if i < 0 {
				breaks = append(breaks, fmt.Sprintf("argument %q removed", oa.Name))
			}
		}
		for _, na := range nc.Arguments {
			i := slices.IndexFunc(old.Prompts[k].Arguments, func(a PromptArg) bool { return a.Name == na.Name })
			if na.Required && (i < 0 || !old.Prompts[k].Arguments[i].Required) {
				breaks = append(breaks, fmt.Sprintf("argument %q is now required", na.Name))
			}
		}
		if len(breaks) > 0 {
			add(promptPos[k], "prompt %q changed incompatibly without a version bump: %s", name, strings.Join(breaks, "; "))
		}
	}
	for _, k := range sortedKeys(old.Resources) {
		uri, _, _ := strings.Cut(k, "@")
		if _, ok := cur.Resources[k]; !ok && !hasResource(pkg, uri) {
			add(lockPos(k), "resource %q was removed (run mcpgen lock to accept)", uri)
		}
	}
}

func hasResource(pkg *model.Package, uri string) bool {
	for _, r := range pkg.Resources {
		if r.URI == uri {
			return true
		}
	}
	return false
}

// WriteLocks writes mcp.lock.json for each package matching patterns and
// returns the paths written.
func WriteLocks(dir string, patterns ...string) ([]string, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	pkgs, err := parse.Load(dir, patterns...)
	if err != nil {
		return nil, err
	}
	var written []string
	for _, pkg := range pkgs {
		data, err := LockOf(pkg).Marshal()
		if err != nil {
			return nil, err
		}
		path := filepath.Join(pkg.Dir, LockName)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, err
		}
		written = append(written, path)
	}
	return written, nil
}
