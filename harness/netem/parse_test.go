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

func TestParseImpairments(t *testing.T) {
	for _, tt := range []struct {
		name    string
		in      string
		want    []netem.Impairment
		wantErr string
	}{
		{name: "empty", in: "", want: nil},
		{name: "every kind",
			in: "loss=0.3,dup=0.1,reorder=0.2/1,delay=20ms~5ms,corrupt=0.01,ge=0.05/0.3",
			want: []netem.Impairment{
				netem.Loss{P: 0.3},
				netem.Duplicate{P: 0.1},
				netem.Reorder{P: 0.2, Gap: 1},
				netem.Delay{Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond},
				netem.Corrupt{P: 0.01},
				netem.GilbertElliott{P: 0.05, R: 0.3},
			}},
		{name: "percent and spaces", in: " loss = 30% , dup=10%/2 ", want: []netem.Impairment{netem.Loss{P: 0.3}, netem.Duplicate{P: 0.1, Copies: 2}}},
		{name: "ge in full", in: "ge=0.1/0.2/0.3/0.9", want: []netem.Impairment{netem.GilbertElliott{P: 0.1, R: 0.2, H: 0.3, K: 0.9}}},
		{name: "script steps join", in: "loss=0.1, drop 3, swap 7, dup=0.5, drop 9",
			want: []netem.Impairment{netem.Loss{P: 0.1}, netem.Script{}.Drop(3).Swap(7), netem.Duplicate{P: 0.5}, netem.Script{}.Drop(9)}},

		{name: "unknown", in: "loss=0.1,lose=0.3", wantErr: `netem: impairments: "lose=0.3" at item 2: unknown name "lose" (want loss, ge, dup, reorder, delay, corrupt)`},
		{name: "probability too big", in: "loss=1.5", wantErr: `bad probability "1.5"`},
		{name: "not a number", in: "loss=abc", wantErr: `bad probability "abc"`},
		{name: "NaN", in: "loss=NaN", wantErr: `bad probability "NaN"`},
		{name: "missing value", in: "loss=", wantErr: `want 1 to 1 values`},
		{name: "too many values", in: "dup=0.1/2/3", wantErr: `want 1 to 2 values`},
		{name: "bad count", in: "reorder=0.1/-1", wantErr: `bad count "-1"`},
		{name: "bad delay", in: "delay=soon", wantErr: `bad duration "soon"`},
		{name: "bad jitter", in: "delay=1s~-1s", wantErr: `bad duration "-1s"`},
		{name: "bad script step", in: "loss=0.1, hold 3", wantErr: `netem: impairments: "hold 3" at item 2: want "hold N for K"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := netem.ParseImpairments(tt.in)
			if tt.wantErr != "" {
				var pe *netem.ParseError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &pe) {
					t.Fatalf("ParseImpairments(%q) = %v, %v; want a *ParseError containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatImpairments(t *testing.T) {
	chain := []netem.Impairment{
		netem.Loss{P: 0.3},
		netem.GilbertElliott{P: 0.05, R: 0.3},
		netem.Duplicate{P: 0.1, Copies: 2},
		netem.Reorder{P: 0.2},
		netem.Delay{Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond},
		netem.Corrupt{P: 0.01},
		netem.Script{}.Drop(3).Hold(5, 2),
	}
	const want = "loss=0.3, ge=0.05/0.3, dup=0.1/2, reorder=0.2, delay=20ms~5ms, corrupt=0.01, drop 3, hold 5 for 2"
	if got := netem.FormatImpairments(chain); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestParseToxics(t *testing.T) {
	for _, tt := range []struct {
		name    string
		in      string
		want    []netem.Toxic
		wantErr string
	}{
		{name: "empty", in: "", want: nil},
		{name: "every kind", in: "slice=1, latency=20ms~1ms, reset=10, halfclose=20, limit=30",
			want: []netem.Toxic{
				netem.Slicer{Min: 1, Max: 1},
				netem.Latency{Delay: 20 * time.Millisecond, Jitter: time.Millisecond},
				netem.Reset{After: 10},
				netem.HalfClose{After: 20},
				netem.Limit{Bytes: 30},
			}},
		{name: "slice range", in: "slice=2-5", want: []netem.Toxic{netem.Slicer{Min: 2, Max: 5}}},

		{name: "unknown", in: "slice=1, cut=2", wantErr: `netem: toxics: "cut=2" at item 2: unknown name "cut" (want slice, latency, reset, halfclose, limit)`},
		{name: "no value", in: "slice", wantErr: `want slice=VALUE`},
		{name: "slice zero", in: "slice=0", wantErr: `bad segment size "0"`},
		{name: "slice backwards", in: "slice=5-2", wantErr: `bad range "5-2"`},
		{name: "negative", in: "reset=-1", wantErr: `bad byte count "-1"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := netem.ParseToxics(tt.in)
			if tt.wantErr != "" {
				var pe *netem.ParseError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &pe) {
					t.Fatalf("ParseToxics(%q) = %v, %v; want a *ParseError containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if again := netem.FormatToxics(got); strings.ReplaceAll(again, " ", "") != strings.ReplaceAll(tt.in, " ", "") {
				t.Errorf("FormatToxics = %q, want %q", again, tt.in)
			}
		})
	}
}

func FuzzParseImpairments(f *testing.F) {
	for _, s := range []string{
		"loss=0.3,dup=0.1,reorder=0.2/1,delay=20ms~5ms,corrupt=0.01,ge=0.05/0.3",
		"loss=30%, drop 3, swap 7, dup=0.1/2",
		"ge=0.1/0.2/0.3/0.9; corrupt=1/8",
		"delay=1h",
		"lose=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		chain, err := netem.ParseImpairments(in)
		if err != nil {
			var pe *netem.ParseError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "netem: impairments: ") {
				t.Fatalf("ParseImpairments(%q): unclear error %v", in, err)
			}
			return
		}
		text := netem.FormatImpairments(chain)
		again, err := netem.ParseImpairments(text)
		if err != nil {
			t.Fatalf("ParseImpairments(%q) formats as %q, which does not parse: %v", in, text, err)
		}
		if !reflect.DeepEqual(chain, again) {
			t.Fatalf("round trip of %q through %q (-first +second):\n%s", in, text, cmp.Diff(chain, again))
		}
		// Whatever parses must also decide without panicking.
		l := netem.NewLink(1, in, netem.Up, chain)
		for n := uint64(1); n <= 3; n++ {
			l.Decide(n, int(n)-1)
		}
	})
}

func FuzzParseToxics(f *testing.F) {
	for _, s := range []string{"slice=1, latency=20ms~1ms", "slice=2-5,reset=10,halfclose=20,limit=30", "cut=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		chain, err := netem.ParseToxics(in)
		if err != nil {
			var pe *netem.ParseError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "netem: toxics: ") {
				t.Fatalf("ParseToxics(%q): unclear error %v", in, err)
			}
			return
		}
		text := netem.FormatToxics(chain)
		again, err := netem.ParseToxics(text)
		if err != nil || !reflect.DeepEqual(chain, again) {
			t.Fatalf("round trip of %q through %q: %v, %v", in, text, again, err)
		}
	})
}
