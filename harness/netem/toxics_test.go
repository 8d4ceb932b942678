package netem_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/socklab/socklab/harness/netem"
)

// tape is a SegmentWriter that writes down what reaches it.
type tape []string

func (t *tape) WriteSegment(p []byte) error { *t = append(*t, string(p)); return nil }
func (t *tape) CloseWrite() error           { *t = append(*t, "FIN"); return nil }
func (t *tape) Reset() error                { *t = append(*t, "RST"); return nil }

func TestToxics(t *testing.T) {
	for _, tt := range []struct {
		name    string
		toxics  string
		chunks  []string
		close   bool   // CloseWrite after the chunks, as at EOF
		want    string // what reached the socket, separated by |
		wantErr error  // from the last write
	}{
		{name: "nothing", chunks: []string{"hello", "world"}, close: true, want: "hello|world|FIN"},
		{name: "one byte", toxics: "slice=1", chunks: []string{"abc", "d"}, want: "a|b|c|d"},
		{name: "cuts lie on the byte stream", toxics: "slice=3", chunks: []string{"ab", "cdef", "g"}, want: "ab|c|def|g"},
		{name: "toxics apply in order", toxics: "slice=2, limit=3", chunks: []string{"abcdef"}, want: "ab|c|FIN", wantErr: netem.ErrLimit},
		{name: "limit at a chunk's end", toxics: "limit=4", chunks: []string{"abcd", "ef"}, close: true, want: "abcd|FIN", wantErr: netem.ErrLimit},
		{name: "reset", toxics: "reset=3", chunks: []string{"ab", "cdef"}, want: "ab|c|RST", wantErr: netem.ErrReset},
		{name: "reset before anything", toxics: "reset=0", chunks: []string{"ab"}, want: "RST", wantErr: netem.ErrReset},
		{name: "half close", toxics: "halfclose=3", chunks: []string{"ab", "cdef", "gh"}, close: true, want: "ab|c|FIN"},
		{name: "latency keeps order", toxics: "latency=1ms~1ms, slice=2", chunks: []string{"abcde"}, close: true, want: "ab|cd|e|FIN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got tape
			w := netem.Chain(&got, nil, toxics(t, tt.toxics)...)
			var err error
			for _, c := range tt.chunks {
				err = w.WriteSegment([]byte(c))
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("last write: got %v, want %v", err, tt.wantErr)
			}
			if tt.close {
				if err := w.CloseWrite(); err != nil {
					t.Errorf("CloseWrite: %v", err)
				}
			}
			if diff := cmp.Diff(tt.want, strings.Join(got, "|")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Slicer sizes come from the stream: the same stream cuts the same way.
func TestSlicerSizesFollowTheStream(t *testing.T) {
	cut := func(seed uint64, conn uint64) string {
		var got tape
		chain := []netem.Toxic{netem.Slicer{Min: 1, Max: 5}}
		w := netem.Chain(&got, netem.ToxicRand(seed, "k", netem.Up, conn, chain), chain...)
		w.WriteSegment([]byte(strings.Repeat("x", 40)))
		sizes := make([]string, len(got))
		for i, s := range got {
			sizes[i] = fmt.Sprint(len(s))
		}
		return strings.Join(sizes, " ")
	}
	if a, b := cut(1, 1), cut(1, 1); a != b {
		t.Errorf("same stream, different cuts: %s / %s", a, b)
	}
	if a, b := cut(1, 1), cut(1, 2); a == b {
		t.Errorf("connections 1 and 2 cut alike: %s", a)
	}
}
