package grader_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/socklab/socklab/grader"
)

func TestExcerpt(t *testing.T) {
	var many []string
	for i := range 100 {
		many = append(many, fmt.Sprintf("line %d", i+1))
	}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"short", "a\nb\n", "a\nb"},
		{"long", strings.Join(many, "\n") + "\n",
			"line 1\nline 2\n[… 97 lines left out …]\nline 100"},
		{"wide", strings.Repeat("x", 250), strings.Repeat("x", 200) + "… (250 characters)"},
		{"keeps the harness's marker", "a\nb\n[… 98 MiB not kept …]\nc\nd\n",
			"a\nb\n[… 2 lines left out …]\n[… 98 MiB not kept …]\nd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, tail := 2, 1
			if got := grader.Excerpt([]byte(tt.in), head, tail); got != tt.want {
				t.Errorf("Excerpt:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
