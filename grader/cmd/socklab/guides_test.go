package main

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGuidesCommands reads every bin/socklab command in the TA and
// instructor guides and parses it with the command's own flags, so that
// a renamed flag or command cannot leave a guide wrong: each names a
// command that exists, with flags it takes, the right number of
// arguments, and -hidden only on bin/socklab-hidden, the build that has
// hidden checks. What the commands do is tested with each command.
func TestGuidesCommands(t *testing.T) {
	args := map[string][2]int{"list": {0, 1}, "grade": {1, 2}, "batch": {2, 2}, "export": {2, 2}, "gradescope": {1, 1}}
	for _, guide := range []string{"ta-guide.md", "instructor-guide.md"} {
		lines := guideCommands(t, filepath.Join(root(t), "handouts", guide))
		if len(lines) < 5 {
			t.Errorf("%s: only %d commands found", guide, len(lines))
		}
		for _, line := range lines {
			words := shellWords(line)
			if len(words) < 2 {
				t.Errorf("%s: %q: no command", guide, line)
				continue
			}
			i := slices.IndexFunc(commands(), func(c command) bool { return c.name == words[1] })
			if i < 0 {
				t.Errorf("%s: %q: no command %q", guide, line, words[1])
				continue
			}
			c := commands()[i]
			fs := c.flags()
			pos, err := parse(fs, words[2:])
			if err != nil {
				t.Errorf("%s: %q: %v", guide, line, err)
				continue
			}
			if n, ok := args[c.name]; ok && (len(pos) < n[0] || len(pos) > n[1]) {
				t.Errorf("%s: %q: %d arguments, want %d to %d", guide, line, len(pos), n[0], n[1])
			}
			if f := fs.Lookup("hidden"); f != nil && f.Value.String() == "true" && words[0] != "bin/socklab-hidden" {
				t.Errorf("%s: %q: -hidden needs bin/socklab-hidden", guide, line)
			}
		}
	}
}

// guideCommands are the lines of the guide's sh blocks that run socklab,
// without their comments.
func guideCommands(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	inSh := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```sh"):
			inSh = true
		case strings.HasPrefix(line, "```"):
			inSh = false
		case inSh && strings.HasPrefix(line, "bin/socklab"):
			if i := strings.Index(line, "  #"); i >= 0 {
				line = line[:i]
			}
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// shellWords splits a command line as sh does, for the quoting the
// guides use: single and double quotes, no escapes.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}
