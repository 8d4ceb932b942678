package netem

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The registries behind ParseImpairments and ParseToxics: one line per name,
// in the order the error messages list them. They are never modified; a new
// impairment or toxic adds its line here.
var (
	impairmentKinds = []kind[Impairment]{
		{"loss", parseLoss},
		{"ge", parseGE},
		{"dup", parseDup},
		{"reorder", parseReorder},
		{"delay", parseDelay},
		{"corrupt", parseCorrupt},
	}
	toxicKinds = []kind[Toxic]{
		{"slice", parseSlice},
		{"latency", parseLatency},
		{"reset", parseReset},
		{"halfclose", parseHalfClose},
		{"limit", parseLimit},
	}
)

type kind[T any] struct {
	name  string
	parse func(arg string) (T, error)
}

func lookup[T any](kinds []kind[T], name string) (kind[T], error) {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		if k.name == name {
			return k, nil
		}
		names[i] = k.name
	}
	return kind[T]{}, fmt.Errorf("unknown name %q (want %s)", name, strings.Join(names, ", "))
}

// ParseImpairments reads a chain of impairments such as
//
//	loss=0.3, dup=0.1, reorder=0.2/1, delay=20ms~5ms, corrupt=0.01, ge=0.05/0.3
//
// Items are separated by commas (or semicolons, or newlines) and applied in
// order; items without "=" are script steps ("drop 3, swap 7"), and
// consecutive ones form one Script. The package documentation lists every
// name. An empty text is an empty chain. Errors are *ParseError values.
func ParseImpairments(text string) ([]Impairment, error) {
	var chain []Impairment
	scriptAt := -1 // index in chain of the script that the next step extends
	for i, item := range splitItems(text, ",;\n") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		fail := func(err error) error {
			return &ParseError{What: "impairments", Item: i + 1, Text: item, Err: err}
		}
		name, arg, ok := strings.Cut(item, "=")
		if !ok {
			st, err := parseStep(item)
			if err != nil {
				return nil, fail(err)
			}
			if scriptAt < 0 {
				scriptAt = len(chain)
				chain = append(chain, Script(nil))
			}
			chain[scriptAt] = append(chain[scriptAt].(Script), st)
			continue
		}
		scriptAt = -1
		k, err := lookup(impairmentKinds, strings.ToLower(strings.TrimSpace(name)))
		if err != nil {
			return nil, fail(err)
		}
		imp, err := k.parse(strings.TrimSpace(arg))
		if err != nil {
			return nil, fail(err)
		}
		chain = append(chain, imp)
	}
	return chain, nil
}

// FormatImpairments returns a chain in ParseImpairments syntax.
func FormatImpairments(chain []Impairment) string { return joinStrings(chain) }

// ParseToxics reads a chain of TCP toxics such as "slice=1, latency=20ms".
// Data goes through them in order; see the package documentation for the
// names. Errors are *ParseError values.
func ParseToxics(text string) ([]Toxic, error) {
	var chain []Toxic
	for i, item := range splitItems(text, ",;\n") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, arg, ok := strings.Cut(item, "=")
		var t Toxic
		k, err := lookup(toxicKinds, strings.ToLower(strings.TrimSpace(name)))
		if err == nil && !ok {
			err = fmt.Errorf("want %s=VALUE", k.name)
		}
		if err == nil {
			t, err = k.parse(strings.TrimSpace(arg))
		}
		if err != nil {
			return nil, &ParseError{What: "toxics", Item: i + 1, Text: item, Err: err}
		}
		chain = append(chain, t)
	}
	return chain, nil
}

// FormatToxics returns a chain in ParseToxics syntax.
func FormatToxics(chain []Toxic) string { return joinStrings(chain) }

func joinStrings[T fmt.Stringer](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = x.String()
	}
	return strings.Join(s, ", ")
}

// kindOf names an impairment or toxic for its random stream: the name before
// "=" in its String, which does not change when its parameters do, so that
// raising a loss rate drops more of the same packets.
func kindOf(x fmt.Stringer) string {
	switch x.(type) {
	case Script, *Script:
		return "script"
	}
	if name, _, ok := strings.Cut(x.String(), "="); ok {
		return name
	}
	return fmt.Sprintf("%T", x)
}

func parseLoss(arg string) (Impairment, error) {
	f, err := fields(arg, 1, 1)
	if err != nil {
		return nil, err
	}
	p, err := parseProb(f[0])
	return Loss{P: p}, err
}

func parseGE(arg string) (Impairment, error) {
	f, err := fields(arg, 1, 4)
	if err != nil {
		return nil, err
	}
	var x [4]float64
	for i, s := range f {
		if x[i], err = parseProb(s); err != nil {
			return nil, err
		}
	}
	return GilbertElliott{P: x[0], R: x[1], H: x[2], K: x[3]}, nil
}

func parseDup(arg string) (Impairment, error) {
	p, n, err := probAndCount(arg, maxCopies)
	return Duplicate{P: p, Copies: n}, err
}

func parseReorder(arg string) (Impairment, error) {
	p, n, err := probAndCount(arg, maxGap)
	return Reorder{P: p, Gap: n}, err
}

func parseCorrupt(arg string) (Impairment, error) {
	p, n, err := probAndCount(arg, maxBits)
	return Corrupt{P: p, Bits: n}, err
}

func parseDelay(arg string) (Impairment, error) {
	d, j, err := durationAndJitter(arg)
	return Delay{Delay: d, Jitter: j}, err
}

// Bounds that keep a typo from turning a proxy into a flood or a black hole.
const (
	maxGap  = 1 << 20
	maxBits = 1 << 10
	maxSize = 1 << 30 // bytes, for toxics
)

func probAndCount(arg string, limit int) (float64, int, error) {
	f, err := fields(arg, 1, 2)
	if err != nil {
		return 0, 0, err
	}
	p, err := parseProb(f[0])
	if err != nil || len(f) == 1 {
		return p, 0, err
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 0 || n > limit {
		return 0, 0, fmt.Errorf("bad count %q (want 0 .. %d, 0 for the default)", f[1], limit)
	}
	return p, n, nil
}

func durationAndJitter(arg string) (time.Duration, time.Duration, error) {
	ds, js, hasJitter := strings.Cut(arg, "~")
	d, err := parseDuration(strings.TrimSpace(ds))
	if err != nil || !hasJitter {
		return d, 0, err
	}
	j, err := parseDuration(strings.TrimSpace(js))
	return d, j, err
}

func fields(arg string, least, most int) ([]string, error) {
	f := strings.Split(arg, "/")
	if arg == "" || len(f) < least || len(f) > most {
		return nil, fmt.Errorf("want %d to %d values separated by /", least, most)
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return f, nil
}

var errProb = errors.New("want a probability: 0 .. 1, or 0% .. 100%")

func parseProb(s string) (float64, error) {
	num, percent := strings.CutSuffix(s, "%")
	p, err := strconv.ParseFloat(num, 64)
	if percent {
		p /= 100
	}
	if err != nil || !(p >= 0 && p <= 1) {
		return 0, fmt.Errorf("bad probability %q: %w", s, errProb)
	}
	return p, nil
}

func parseSize(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > maxSize {
		return 0, fmt.Errorf("bad byte count %q (want 0 .. %d)", s, maxSize)
	}
	return n, nil
}

func parseSlice(arg string) (Toxic, error) {
	lo, hi, isRange := strings.Cut(arg, "-")
	least, err := parseSize(lo)
	if err == nil && least < 1 {
		err = fmt.Errorf("bad segment size %q (want 1 or more)", lo)
	}
	most := least
	if err == nil && isRange {
		most, err = parseSize(hi)
		if err == nil && most < least {
			err = fmt.Errorf("bad range %q (want MIN-MAX with MIN <= MAX)", arg)
		}
	}
	return Slicer{Min: int(least), Max: int(most)}, err
}

func parseLatency(arg string) (Toxic, error) {
	d, j, err := durationAndJitter(arg)
	return Latency{Delay: d, Jitter: j}, err
}

func parseReset(arg string) (Toxic, error) {
	n, err := parseSize(arg)
	return Reset{After: n}, err
}

func parseHalfClose(arg string) (Toxic, error) {
	n, err := parseSize(arg)
	return HalfClose{After: n}, err
}

func parseLimit(arg string) (Toxic, error) {
	n, err := parseSize(arg)
	return Limit{Bytes: n}, err
}
