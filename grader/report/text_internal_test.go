package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRule(t *testing.T) {
	short := rule("FAIL udp-echo/server/letters: Letters are uppercased")
	if n := utf8.RuneCountInString(short); n != width {
		t.Errorf("rule is %d wide, want %d: %q", n, width, short)
	}
	long := rule("FAIL udp-echo/client/late-reply: A reply after its timeout is not credited to a later ping")
	if strings.HasSuffix(long, " ") || strings.HasSuffix(long, "─") {
		t.Errorf("a title too long for a rule ends in %q", long[len(long)-4:])
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"short", "fits here", "fits here"},
		{"long", "aaaa bbbb cccc dd", "aaaa bbbb\n  cccc dd"},
		{"lines kept", "aaaa\n    b  c", "aaaa\n    b  c"},
		{"own indent", "    aaaa bbbb cccc", "    aaaa\n      bbbb\n      cccc"},
		{"long word", "aaaaaaaaaaaaaaaa b", "aaaaaaaaaaaaaaaa\n  b"},
	}
	for _, tt := range tests {
		if got := wrap(tt.in, 10, "  "); got != tt.want {
			t.Errorf("%s: wrap(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		".":                   ".",
		"reference/udp-echo":  "reference/udp-echo",
		"/home/ada/sub-1_2.x": "/home/ada/sub-1_2.x",
		"":                    "''",
		"ada lovelace":        "'ada lovelace'",
		"it's":                `'it'\''s'`,
		"$HOME":               "'$HOME'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
