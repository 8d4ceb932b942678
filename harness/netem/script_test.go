package netem_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/socklab/socklab/harness/netem"
)

func TestParseScript(t *testing.T) {
	for _, tt := range []struct {
		name    string
		in      string
		want    netem.Script
		wantErr string // substring of the error; "" means no error
	}{
		{name: "empty", in: "", want: nil},
		{name: "blanks", in: " , ;\n", want: nil},
		{name: "drop", in: "drop 3", want: netem.Script{}.Drop(3)},
		{name: "hash", in: "drop #3", want: netem.Script{}.Drop(3)},
		{name: "upper case", in: "DROP 3", want: netem.Script{}.Drop(3)},
		{name: "builder", in: "drop 3, dup 5, swap 7", want: netem.Script{}.Drop(3).Dup(5).Swap(7)},
		{name: "semicolons and newlines", in: "drop 3; dup 5\nswap 7", want: netem.Script{}.Drop(3).Dup(5).Swap(7)},
		{name: "dup times", in: "dup 2 x3", want: netem.Script{{Op: netem.OpDup, N: 2, Count: 3}}},
		{name: "hold", in: "hold 2 for 1", want: netem.Script{}.Swap(2)},
		{name: "hold longer", in: "hold 2 for 4", want: netem.Script{}.Hold(2, 4)},
		{name: "delay by", in: "delay 4 by 200ms", want: netem.Script{}.Delay(4, 200*time.Millisecond)},
		{name: "delay", in: "delay 4 1s", want: netem.Script{}.Delay(4, time.Second)},
		{name: "corrupt", in: "corrupt 9", want: netem.Script{}.Corrupt(9)},
		{name: "corrupt bits", in: "corrupt 9 bit 0 bit 17", want: netem.Script{}.Corrupt(9, 0, 17)},

		{name: "unknown", in: "drop 1, frob 2", wantErr: `netem: script: "frob 2" at item 2: "frob": unknown action`},
		{name: "no number", in: "drop", wantErr: `"drop" at item 1: want "drop" followed by a packet number`},
		{name: "zero", in: "drop 0", wantErr: `bad packet number "0"`},
		{name: "not a number", in: "drop x", wantErr: `bad packet number "x"`},
		{name: "hold without for", in: "drop 1, hold 7", wantErr: `netem: script: "hold 7" at item 2: want "hold N for K"`},
		{name: "hold zero", in: "hold 7 for 0", wantErr: `bad hold count "0"`},
		{name: "dup once", in: "dup 7 x1", wantErr: `bad copy count "x1"`},
		{name: "dup flood", in: "dup 7 x1000", wantErr: `bad copy count "x1000"`},
		{name: "negative delay", in: "delay 3 by -1s", wantErr: `bad duration "-1s"`},
		{name: "delay without duration", in: "delay 3", wantErr: `want "delay N by D"`},
		{name: "negative bit", in: "corrupt 3 bit -1", wantErr: `bad bit offset "-1"`},
		{name: "extra words", in: "drop 3 now", wantErr: `unexpected words at the end: "now"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := netem.ParseScript(tt.in)
			if tt.wantErr != "" {
				var pe *netem.ParseError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &pe) {
					t.Fatalf("ParseScript(%q) = %v, %v; want a *ParseError containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseScript(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestScriptBuilderDoesNotAlias(t *testing.T) {
	base := make(netem.Script, 0, 10).Drop(1)
	a, b := base.Drop(2), base.Drop(3)
	if a[1].N != 2 || b[1].N != 3 {
		t.Errorf("two scripts built from one share steps: %v, %v", a, b)
	}
}

func TestScriptFates(t *testing.T) {
	s, err := netem.ParseScript("drop 3, dup 5 x3, swap 7, delay 8 by 20ms, corrupt 9 bit 17, corrupt 10, drop 11, dup 11")
	if err != nil {
		t.Fatal(err)
	}
	l := netem.NewLink(1, "k", netem.Up, []netem.Impairment{s})
	got := map[uint64]string{}
	for n := uint64(1); n <= 12; n++ {
		if f := l.Decide(n, 4); f.String() != "delivered" {
			got[n] = f.String()
		}
	}
	corrupt10 := l.Decide(10, 4)
	if len(corrupt10.Flip) != 1 || corrupt10.Flip[0] >= 32 {
		t.Fatalf("corrupt 10 without bit flips %v, want one bit of 32", corrupt10.Flip)
	}
	want := map[uint64]string{
		3:  "dropped (script: drop)",
		5:  "duplicated x3 (script: dup x3)",
		7:  "held for 1 (script: hold for 1)",
		8:  "delayed 20ms (script: delay 20ms)",
		9:  "corrupted bit 17 (script: corrupt)",
		10: corrupt10.String(),
		11: "dropped (script: drop)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fates (-want +got):\n%s", diff)
	}
}

func FuzzParseScript(f *testing.F) {
	for _, s := range []string{
		"drop 3, dup 5, swap 7",
		"hold 2 for 1",
		"dup 2 x3; delay 4 by 200ms\ncorrupt 9 bit 0 bit 17, corrupt 1",
		"drop #3",
		"frob 1",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := netem.ParseScript(in)
		if err != nil {
			var pe *netem.ParseError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "netem: script: ") {
				t.Fatalf("ParseScript(%q): unclear error %v", in, err)
			}
			return
		}
		again, err := netem.ParseScript(s.String())
		if err != nil {
			t.Fatalf("ParseScript(%q).String() = %q, which does not parse: %v", in, s, err)
		}
		if !reflect.DeepEqual(s, again) {
			t.Fatalf("round trip of %q through %q (-first +second):\n%s", in, s, cmp.Diff(s, again))
		}
	})
}
