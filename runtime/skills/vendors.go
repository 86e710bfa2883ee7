package skills

import (
	"os"
	"path/filepath"
)

// Vendor names where one agent keeps its skills: personal skill
// directories under the user's home, and project ones under a project's
// (repository's) root. Each vendor below lists its own directories first,
// then the shared ones its documentation names, in the order the agent
// looks at them.
type Vendor struct {
	// Name is the agent's name.
	Name string
	// Personal are directories relative to the home directory.
	Personal []string
	// Project are directories relative to a project's root.
	Project []string
	// Docs is where the agent documents them.
	Docs string
}

// The agents whose skill directories are known. Codex, Gemini CLI, Goose
// and OpenCode also read the shared .agents/skills, and several agents
// read Claude Code's directories; each vendor lists the shared
// directories its documentation names.
var (
	// Claude is Claude Code: personal skills in ~/.claude/skills, project
	// skills in .claude/skills.
	// https://docs.claude.com/en/docs/claude-code/skills
	Claude = Vendor{Name: "Claude Code", Personal: []string{".claude/skills"}, Project: []string{".claude/skills"},
		Docs: "https://docs.claude.com/en/docs/claude-code/skills"}

	// Cursor: personal skills in ~/.cursor/skills, project skills in
	// .cursor/skills. https://cursor.com/docs/context/skills
	Cursor = Vendor{Name: "Cursor", Personal: []string{".cursor/skills"}, Project: []string{".cursor/skills"},
		Docs: "https://cursor.com/docs/context/skills"}

	// VSCode is GitHub Copilot in VS Code: personal skills in
	// ~/.copilot/skills (and ~/.agents/skills, ~/.claude/skills), project
	// skills in .github/skills (and .agents/skills, .claude/skills).
	// https://code.visualstudio.com/docs/agent-customization/agent-skills
	VSCode = Vendor{Name: "VS Code",
		Personal: []string{".copilot/skills", ".agents/skills", ".claude/skills"},
		Project:  []string{".github/skills", ".agents/skills", ".claude/skills"},
		Docs:     "https://code.visualstudio.com/docs/agent-customization/agent-skills"}

	// Copilot is GitHub Copilot's CLI and cloud agent: personal skills in
	// ~/.copilot/skills (and ~/.agents/skills, ~/.claude/skills), project
	// skills in .github/skills (and .agents/skills, .claude/skills).
	// https://docs.github.com/en/copilot/how-tos/copilot-cli/customize-copilot/create-skills
	Copilot = Vendor{Name: "GitHub Copilot",
		Personal: []string{".copilot/skills", ".agents/skills", ".claude/skills"},
		Project:  []string{".github/skills", ".agents/skills", ".claude/skills"},
		Docs:     "https://docs.github.com/en/copilot/how-tos/copilot-cli/customize-copilot/create-skills"}

	// Codex is OpenAI Codex: user skills in ~/.agents/skills and, from its
	// earlier releases, $CODEX_HOME/skills (~/.codex/skills, see
	// Roots), repository skills in .agents/skills.
	// https://developers.openai.com/codex/skills
	Codex = Vendor{Name: "Codex", Personal: []string{".agents/skills", ".codex/skills"}, Project: []string{".agents/skills"},
		Docs: "https://developers.openai.com/codex/skills"}

	// Gemini is Gemini CLI: user skills in ~/.gemini/skills (alias
	// ~/.agents/skills), workspace skills in .gemini/skills (alias
	// .agents/skills). https://geminicli.com/docs/cli/using-agent-skills/
	Gemini = Vendor{Name: "Gemini CLI", Personal: []string{".gemini/skills", ".agents/skills"}, Project: []string{".gemini/skills", ".agents/skills"},
		Docs: "https://geminicli.com/docs/cli/using-agent-skills/"}

	// Goose: global skills in ~/.config/goose/skills (and the portable
	// ~/.config/agents/skills), project skills in .goose/skills (and
	// .agents/skills).
	// https://block.github.io/goose/docs/guides/context-engineering/using-skills
	Goose = Vendor{Name: "Goose", Personal: []string{".config/goose/skills", ".config/agents/skills"}, Project: []string{".goose/skills", ".agents/skills"},
		Docs: "https://block.github.io/goose/docs/guides/context-engineering/using-skills"}

	// OpenCode: global skills in ~/.config/opencode/skills, project skills
	// in .opencode/skills (it also reads the .claude and .agents ones).
	// https://opencode.ai/docs/skills
	OpenCode = Vendor{Name: "OpenCode", Personal: []string{".config/opencode/skills"}, Project: []string{".opencode/skills"},
		Docs: "https://opencode.ai/docs/skills"}
)

// Vendors are the known agents, in a fixed order.
var Vendors = []Vendor{Claude, Cursor, VSCode, Copilot, Codex, Gemini, Goose, OpenCode}

// Roots returns the vendor's skill directories as roots for New: the
// project ones under project first (they take precedence, as in every
// one of these agents; "" for none), then the personal ones under the
// home directory. For Codex, $CODEX_HOME/skills replaces ~/.codex/skills
// when CODEX_HOME is set.
func (v Vendor) Roots(project string) []string {
	var roots []string
	if project != "" {
		for _, d := range v.Project {
			roots = append(roots, filepath.Join(project, filepath.FromSlash(d)))
		}
	}
	return append(roots, v.PersonalRoots()...)
}

// PersonalRoots returns the vendor's personal skill directories, under the
// home directory (none if it is unknown).
func (v Vendor) PersonalRoots() []string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return nil
	}
	var roots []string
	for _, d := range v.Personal {
		dir := filepath.Join(home, filepath.FromSlash(d))
		if d == ".codex/skills" {
			if ch := os.Getenv("CODEX_HOME"); ch != "" {
				dir = filepath.Join(ch, "skills")
			}
		}
		roots = append(roots, dir)
	}
	return roots
}
