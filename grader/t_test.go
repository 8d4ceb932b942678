package grader_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
)

// What a student reads when a comparison fails.
func TestFailureMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		run      func(t *grader.T)
		message  string
		expected string
		actual   string
		diff     []string // lines the diff must hold
	}{
		{
			name:     "expect-ints",
			run:      func(t *grader.T) { t.Expect("the count", 3, 4) },
			message:  "the count is wrong",
			expected: "3",
			actual:   "4",
			diff:     []string{"3,", "4,"},
		},
		{
			name:     "expect-strings",
			run:      func(t *grader.T) { t.Expect("the status line", "200 OK", "200 OK ") },
			message:  "the status line is wrong",
			expected: `"200 OK"`,
			actual:   `"200 OK "`,
		},
		{
			name: "text",
			run: func(t *grader.T) {
				t.ExpectBytes("the reply", []byte("HELLO, WORLD\nLINE 2\n"), []byte("HELLO, WORLD\nLine 2\n"))
			},
			message:  "the reply is wrong (20 bytes expected, 20 received); the first difference is at byte 14",
			expected: `"HELLO, WORLD\nLINE 2\n"`,
			actual:   `"HELLO, WORLD\nLine 2\n"`,
			diff:     []string{`-`, `"LINE 2\n"`, `+`, `"Line 2\n"`},
		},
		{
			name:     "binary",
			run:      func(t *grader.T) { t.ExpectBytes("the header", []byte{0x00, 0x01, 0xff}, []byte{0x00, 0x02, 0xff}) },
			message:  "the header is wrong (3 bytes expected, 3 received); the first difference is at byte 1",
			expected: "hex 0001 ff",
			actual:   "hex 0002 ff",
		},
		{
			name: "far",
			run: func(t *grader.T) {
				want := []byte(strings.Repeat("A", 200) + "XYZ" + strings.Repeat("B", 100))
				got := []byte(strings.Repeat("A", 200) + "xyz" + strings.Repeat("B", 100))
				t.ExpectBytes("the reply", want, got)
			},
			message: "the reply is wrong (303 bytes expected, 303 received); the first difference is at byte 200",
			expected: `"` + strings.Repeat("A", 159) + `"… (159 of 303 bytes shown)` +
				"\n    at the first difference, bytes 176-240: …\"" + strings.Repeat("A", 24) + "XYZ" + strings.Repeat("B", 37) + `"…`,
			actual: `"` + strings.Repeat("A", 159) + `"… (159 of 303 bytes shown)` +
				"\n    at the first difference, bytes 176-240: …\"" + strings.Repeat("A", 24) + "xyz" + strings.Repeat("B", 37) + `"…`,
			diff: []string{"XYZ", "xyz"},
		},
		{
			name:     "longer",
			run:      func(t *grader.T) { t.ExpectBytes("the reply", []byte("abc"), []byte("abcd")) },
			message:  "the reply is wrong (3 bytes expected, 4 received); the first difference is at byte 3",
			expected: `"abc"`,
			actual:   `"abcd"`,
		},
		{
			name:     "nothing",
			run:      func(t *grader.T) { t.ExpectBytes("the reply", []byte("x"), nil) },
			message:  "the reply is wrong (1 byte expected, 0 received); the first difference is at byte 0",
			expected: `"x"`,
			actual:   `""`,
		},
		{
			name: "fail",
			run: func(t *grader.T) {
				t.Fail(grader.Failure{Message: "the server answered twice", Expected: "one reply", Actual: "two", Err: grader.ErrClosed})
			},
			message:  "the server answered twice",
			expected: "one reply",
			actual:   "two",
		},
		{
			name:    "fatalf",
			run:     func(t *grader.T) { t.Fatalf("got %d lines, want %d", 2, 3) },
			message: "got 2 lines, want 3",
		},
	}
	var checks []*grader.Check
	for _, tt := range tests {
		checks = append(checks, check(tt.name, 1, tt.run))
	}
	rep := grade(t, "", checks...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := requireFail(t, rep.Results[i])
			assert.Equal(t, tt.message, f.Message)
			assert.Equal(t, tt.expected, f.Expected)
			assert.Equal(t, tt.actual, f.Actual)
			for _, d := range tt.diff {
				assert.Contains(t, f.Diff, d)
			}
		})
	}
	// The fail row kept its sentinel.
	assert.ErrorIs(t, rep.Results[7].Failure.Err, grader.ErrClosed)
}

func TestFailureString(t *testing.T) {
	t.Parallel()
	f := grader.Failure{Message: "the reply is wrong", Expected: `"AB"`, Actual: `"Ab"`, Diff: "- a\n+ b\n"}
	want := "the reply is wrong\n" +
		"  expected: \"AB\"\n" +
		"  actual:   \"Ab\"\n" +
		"  diff (-expected +actual):\n" +
		"    - a\n" +
		"    + b"
	assert.Equal(t, want, f.String())
	assert.Equal(t, "just a message", (&grader.Failure{Message: "just a message"}).String())
}

func TestRoleWait(t *testing.T) {
	t.Parallel()
	dir := submission(t, map[string]string{"client": "slow-client", "server": "exit-at-start"})
	var exit string
	var stderr string
	rep := grade(t, dir,
		check("times-out", 1, func(t *grader.T) {
			r := t.Start("client", "-count", "3")
			r.Process().Output() // it printed all it will
			r.Wait(200 * time.Millisecond)
			t.Fatalf("Wait returned")
		}),
		check("exits", 1, func(t *grader.T) {
			// Any role may be waited for; this one exits at once.
			r := t.Start("server")
			exit = r.Wait(grader.ReplyTimeout).String()
			stderr = r.Stderr()
		}),
	)
	f := requireFail(t, rep.Results[0])
	assert.Equal(t, "your client did not finish within 0.2 s (bin/client -count 3); its stdout so far:\n    working on it", f.Message)
	assert.ErrorIs(t, f.Err, grader.ErrTimeout)

	assert.Equal(t, grader.Pass, rep.Results[1].Status)
	assert.True(t, strings.HasPrefix(exit, "exited with status 4 after"), exit)
	assert.Equal(t, "helper: cannot read config.txt\n", stderr)
}

func TestRoleWaitNothingPrinted(t *testing.T) {
	t.Parallel()
	dir := submission(t, map[string]string{"client": "silent"})
	rep := grade(t, dir, check("silent", 1, func(t *grader.T) {
		t.Start("client").Wait(100 * time.Millisecond)
	}))
	f := requireFail(t, only(t, rep))
	require.Equal(t, "your client did not finish within 0.1 s (bin/client); it printed nothing on stdout", f.Message)
}
