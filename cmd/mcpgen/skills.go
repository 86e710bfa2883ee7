package main

import (
	"context"
	"os"

	"github.com/mcpgen/mcpgen/internal/cli"
	"github.com/spf13/cobra"
)

func init() {
	skills := &cobra.Command{
		Use:   "skills",
		Short: "List and pull a server's skills (the skills extension, SEP-2640)",
		Long: `skills talks to servers that serve agent skills with the skills extension
(io.modelcontextprotocol/skills): list shows them, pull downloads them and
verifies every file against the skill's entry.`,
	}

	var lf targetFlags
	list := &cobra.Command{
		Use:   "list TARGET [-- COMMAND ARGS...]",
		Short: "List a server's skills (skills/list); reads no skill file",
		Example: `  mcpgen skills list http://127.0.0.1:8080/mcp
  mcpgen skills list --json -- ./my-server`,
		RunE: onSession(&lf, nil, func(ctx context.Context, s *cli.Session, _ []string) error {
			return cli.Skills(ctx, s, lf.json, os.Stdout)
		}),
	}
	lf.add(list)
	skills.AddCommand(list)

	var pf targetFlags
	var out, label string
	pull := &cobra.Command{
		Use:   "pull TARGET [SKILL...] [-o DIR] [-- COMMAND ARGS...]",
		Short: "Download skills, verifying each file's size and digest and the front matter",
		Long: `pull downloads the named skills (by name or SKILL.md URI; all listed skills
when none is named) to DIR/SERVER/SCHEME/SKILL-PATH, where SERVER is the
target as typed: the same skill URI from two servers lands in two places.
SKILL.md is read first and checked against the skill's entry (size, SHA-256
digest, front matter), then each other file; a skill that fails is refused,
reported, and leaves an earlier copy as it was. The exit status is 1 if any
skill was refused. DIR defaults to the user cache directory, which no agent
reads skills from.`,
		Example: `  mcpgen skills pull http://127.0.0.1:8080/mcp pdf-processing -o ./pulled
  mcpgen skills pull ./my-server`,
		RunE: onSession(&pf, func(a targetArgs) error {
			t, err := pf.target(a.spec, a.command)
			if err != nil {
				return err
			}
			label = cli.SkillsLabel(t)
			if out == "" {
				out = cli.DefaultSkillsDir()
			}
			return nil
		}, func(ctx context.Context, s *cli.Session, names []string) error {
			return failed(cli.PullSkills(ctx, s, label, out, names, os.Stdout, os.Stderr))
		}),
	}
	pf.add(pull)
	pull.Flags().StringVarP(&out, "out", "o", "", "directory to write skills under (default: the user cache directory's mcpgen/skills)")
	skills.AddCommand(pull)

	addCommand(skills)
}
