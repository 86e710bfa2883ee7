package skills

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/internal/skillspec"
)

// Components implements runtime.Provider: for each skill, the resources
// skill://NAME/SKILL.md (text/markdown, named and described by the front
// matter) and skill://NAME/_manifest (JSON: the skill's name and files,
// each with path, size and "sha256:" hash), and the template
// skill://NAME/{+path} that reads the skill's other files.
func (p *Provider) Components(context.Context) (*runtime.Components, error) {
	c := &runtime.Components{}
	for _, s := range p.catalog().skills {
		name := s.Name
		c.Resources = append(c.Resources,
			&runtime.Resource{
				URI: s.URI(), Name: name, Description: s.Description, MIMEType: "text/markdown",
				Handler: func(ctx context.Context, _ string) (*runtime.ReadResourceResult, error) {
					return p.read(name, skillspec.SkillFile)
				},
			},
			&runtime.Resource{
				URI: skillspec.Scheme + name + "/_manifest", Name: name + "/_manifest",
				Description: "The files of skill " + name + ", with their sizes and SHA-256 digests",
				MIMEType:    "application/json",
				Handler: func(ctx context.Context, uri string) (*runtime.ReadResourceResult, error) {
					return p.manifest(name, uri)
				},
			})
		c.ResourceTemplates = append(c.ResourceTemplates, &runtime.ResourceTemplate{
			URITemplate: skillspec.Scheme + name + "/{+path}", Name: name + "/files",
			Description: "The supporting files of skill " + name + " (see its _manifest)",
			Handler: func(ctx context.Context, _ string, vars []string) (*runtime.ReadResourceResult, error) {
				if len(vars) != 1 {
					return nil, runtime.ErrResourceNotFound
				}
				return p.read(name, vars[0])
			},
		})
	}
	return c, nil
}

// read reads one file of a served skill: one the skill's manifest lists,
// through the skill directory's os.Root. A file that changed since the
// scan is served as it is now, and the skill is scanned again.
func (p *Provider) read(name, path string) (*runtime.ReadResourceResult, error) {
	s := p.catalog().byName[name]
	if s == nil {
		return nil, fmt.Errorf("no skill %q: %w", name, runtime.ErrResourceNotFound)
	}
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("skill %s: %q refused: %v: %w", name, path, err, runtime.ErrResourceNotFound)
	}
	f := s.byPath[path]
	if f == nil {
		return nil, fmt.Errorf("skill %s has no file %q: %w", name, path, runtime.ErrResourceNotFound)
	}
	r, err := os.OpenRoot(s.Dir)
	if err != nil {
		return nil, fmt.Errorf("skill %s: %v", name, err)
	}
	defer r.Close()
	data, err := readFile(r, path, MaxBytes)
	if err != nil {
		p.refreshLater(name)
		return nil, fmt.Errorf("skill %s: %s: %v: %w", name, path, err, runtime.ErrResourceNotFound)
	}
	if int64(len(data)) != f.Size || skillspec.Digest(data) != f.Digest {
		p.log.Info("a skill's file changed since it was scanned; scanning the skill again", "skill", name, "path", path)
		p.refreshLater(name)
	}
	uri := fileURI(name, path)
	mime := mimeType(path, data)
	if textual(mime, data) {
		return runtime.TextContents(uri, mime, string(data)), nil
	}
	return runtime.BlobContents(uri, mime, data), nil
}

// manifestFile is one file of a _manifest.
type manifestFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Hash string `json:"hash"`
}

// manifest renders skill://NAME/_manifest.
func (p *Provider) manifest(name, uri string) (*runtime.ReadResourceResult, error) {
	s := p.catalog().byName[name]
	if s == nil {
		return nil, fmt.Errorf("no skill %q: %w", name, runtime.ErrResourceNotFound)
	}
	m := struct {
		Skill string         `json:"skill"`
		Files []manifestFile `json:"files"`
	}{Skill: name, Files: make([]manifestFile, 0, len(s.Files))}
	for _, f := range s.Files {
		m.Files = append(m.Files, manifestFile{Path: f.Path, Size: f.Size, Hash: f.Digest})
	}
	js, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return runtime.TextContents(uri, "application/json", string(js)), nil
}
