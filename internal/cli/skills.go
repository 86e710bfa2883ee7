package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/mcpgen/mcpgen/runtime/client"
)

// The skills commands: the client side of the skills extension
// (io.modelcontextprotocol/skills, SEP-2640), on runtime/client.

// errNoSkills says that a server does not declare the extension.
var errNoSkills = fmt.Errorf("the server does not declare the skills extension (%s)", client.SkillsExtension)

// SkillsLabel is the label a target's skills are filed under: the URL,
// server name or directory typed, or the stdio command. It is the host's
// own name for the server, as the extension requires, never the name the
// server reports.
func SkillsLabel(t Target) string {
	if len(t.Command) > 0 {
		return strings.Join(t.Command, " ")
	}
	if !isURL(t.Spec) {
		if abs, err := filepath.Abs(t.Spec); err == nil {
			if _, err := os.Stat(abs); err == nil {
				return abs
			}
		}
	}
	return t.Spec
}

// DefaultSkillsDir is where pulled skills go by default: under the user's
// cache directory, apart from every agent's skill directories (the
// extension requires that copies of served skills not be discovered as
// local ones).
func DefaultSkillsDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "mcpgen", "skills")
	}
	return filepath.Join(os.TempDir(), "mcpgen-skills")
}

// Skills lists the server's skills: name, description, files and size,
// and the SKILL.md URI; as JSON, the entries. It reads no skill file.
func Skills(ctx context.Context, s *Session, jsonOut bool, w io.Writer) error {
	if !client.HasSkills(s.ClientSession) {
		return errNoSkills
	}
	list, err := client.ListSkills(ctx, s.ClientSession)
	if err != nil {
		return err
	}
	if jsonOut {
		type file struct {
			URI    string `json:"uri"`
			Digest string `json:"digest"`
			Size   int64  `json:"size"`
		}
		type entry struct {
			URI         string         `json:"uri"`
			Frontmatter map[string]any `json:"frontmatter"`
			Resources   any            `json:"resources"`
		}
		out := []entry{}
		for _, sk := range list {
			e := entry{URI: sk.URI, Frontmatter: sk.Frontmatter, Resources: "dynamic"}
			if !sk.Dynamic {
				files := []file{}
				for _, f := range sk.Files {
					files = append(files, file(f))
				}
				e.Resources = files
			}
			out = append(out, e)
		}
		return writeJSON(w, out)
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "no skills")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, sk := range list {
		files := "dynamic"
		if !sk.Dynamic {
			files = fmt.Sprintf("%d files, %s", len(sk.Files), humanBytes(sk.Size()))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sk.Name(), oneLine(sk.Description()), files, sk.URI)
	}
	return tw.Flush()
}

// PullSkills downloads skills (all, or those named by name or SKILL.md
// URI) under dir, each in a directory that names the server (label) and
// the skill's URI, verifying every file's size and digest and SKILL.md's
// front matter against the skill's entry. A refused skill is reported on
// errw and leaves any earlier copy untouched; the others are still pulled.
// It returns ErrFailed if any skill was refused.
func PullSkills(ctx context.Context, s *Session, label, dir string, names []string, w, errw io.Writer) error {
	if !client.HasSkills(s.ClientSession) {
		return errNoSkills
	}
	results, err := client.SyncSkills(ctx, s.ClientSession, label, dir, names...)
	if results == nil && err != nil {
		return err
	}
	failed := false
	for _, r := range results {
		if r.Err != nil {
			failed = true
			fmt.Fprintf(errw, "refused %s: %v\n", r.Skill.URI, r.Err)
			continue
		}
		fmt.Fprintf(w, "pulled %s (%d files, %s) to %s\n", r.Skill.URI, len(r.Skill.Files), humanBytes(r.Skill.Size()), r.Dir)
	}
	if failed {
		return ErrFailed
	}
	return nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
