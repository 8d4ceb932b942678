package netem

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A Script gives explicit fates by packet number, for checks that need one
// exact scenario ("the reply to the third ping is lost"). It is built in Go,
//
//	netem.Script{}.Drop(3).Dup(5).Swap(7)
//
// or parsed from text with ParseScript("drop 3, dup 5, swap 7"). Steps for
// the same packet add up, as the impairments of a chain do.
type Script []Step

// An Op is what a script step does to its packet.
type Op int

// Script operations.
const (
	OpDrop    Op = iota + 1 // lose the packet
	OpDup                   // deliver it Count times in all
	OpHold                  // deliver it right after Count later packets
	OpDelay                 // deliver it after Delay
	OpCorrupt               // flip Bits, or one bit drawn from the stream
)

var opNames = []string{OpDrop: "drop", OpDup: "dup", OpHold: "hold", OpDelay: "delay", OpCorrupt: "corrupt"}

func (o Op) String() string {
	if o > 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// A Step is one item of a Script.
type Step struct {
	Op    Op
	N     uint64        // packet number in its direction, from 1
	Count int           // OpDup: copies in all, default 2; OpHold: later packets, default 1
	Delay time.Duration // OpDelay
	Bits  []int         // OpCorrupt: bits to flip; nil means one drawn from the stream
}

// Drop returns s with packet n lost.
func (s Script) Drop(n uint64) Script { return s.with(Step{Op: OpDrop, N: n}) }

// Dup returns s with packet n delivered twice.
func (s Script) Dup(n uint64) Script { return s.with(Step{Op: OpDup, N: n, Count: 2}) }

// Hold returns s with packet n delivered right after the k-th later packet.
func (s Script) Hold(n uint64, k int) Script { return s.with(Step{Op: OpHold, N: n, Count: k}) }

// Swap returns s with packets n and n+1 delivered in the opposite order.
func (s Script) Swap(n uint64) Script { return s.Hold(n, 1) }

// Delay returns s with packet n delivered d late.
func (s Script) Delay(n uint64, d time.Duration) Script {
	return s.with(Step{Op: OpDelay, N: n, Delay: d})
}

// Corrupt returns s with the given bits of packet n flipped, or one bit
// drawn from the packet's stream if none are given.
func (s Script) Corrupt(n uint64, bits ...int) Script {
	return s.with(Step{Op: OpCorrupt, N: n, Bits: slices.Clone(bits)})
}

// with appends to a copy: the builder methods have value receivers, and a
// plain append could write into an array another Script still uses.
func (s Script) with(st Step) Script { return append(s[:len(s):len(s)], st) }

// Decide applies the steps that name p.N. A dropped packet is only dropped:
// its other steps do not matter.
func (s Script) Decide(p Packet, r *rand.Rand, f *Fate) {
	for _, st := range s {
		if st.N == p.N && st.Op == OpDrop {
			f.Drop = true
			f.Why = append(f.Why, "script: drop")
			return
		}
	}
	for _, st := range s {
		if st.N != p.N {
			continue
		}
		switch st.Op {
		case OpDup:
			copies := max(st.Count, 2)
			f.Copies += copies - 1
			f.Why = append(f.Why, fmt.Sprintf("script: dup x%d", copies))
		case OpHold:
			k := max(st.Count, 1)
			f.Hold = max(f.Hold, k)
			f.Why = append(f.Why, fmt.Sprintf("script: hold for %d", k))
		case OpDelay:
			if st.Delay > 0 {
				f.Delay += st.Delay
				f.Why = append(f.Why, "script: delay "+st.Delay.String())
			}
		case OpCorrupt:
			bits := st.Bits
			if bits == nil && p.Size > 0 {
				bits = pickBits(r, 8*p.Size, 1)
			}
			if len(bits) > 0 {
				f.Flip = append(f.Flip, bits...)
				f.Why = append(f.Why, "script: corrupt")
			}
		}
	}
}

// String returns the script in ParseScript syntax, which ParseImpairments
// also reads: "drop 3, dup 5, swap 7".
func (s Script) String() string {
	items := make([]string, len(s))
	for i, st := range s {
		items[i] = st.String()
	}
	return strings.Join(items, ", ")
}

func (st Step) String() string {
	n := strconv.FormatUint(st.N, 10)
	switch st.Op {
	case OpDup:
		if st.Count == 2 {
			return "dup " + n
		}
		return fmt.Sprintf("dup %s x%d", n, st.Count)
	case OpHold:
		if st.Count == 1 {
			return "swap " + n
		}
		return fmt.Sprintf("hold %s for %d", n, st.Count)
	case OpDelay:
		return fmt.Sprintf("delay %s by %s", n, st.Delay)
	case OpCorrupt:
		s := "corrupt " + n
		for _, b := range st.Bits {
			s += " bit " + strconv.Itoa(b)
		}
		return s
	}
	return st.Op.String() + " " + n
}

// ParseScript reads a script: items separated by commas, semicolons or
// newlines, each one of
//
//	drop N | dup N [xC] | hold N for K | swap N | delay N [by] D | corrupt N [bit B]...
//
// Packet numbers may be written "#3". An empty script is valid and does
// nothing. Errors are *ParseError values naming the item.
func ParseScript(text string) (Script, error) {
	var s Script
	for i, item := range splitItems(text, ",;\n") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		st, err := parseStep(item)
		if err != nil {
			return nil, &ParseError{What: "script", Item: i + 1, Text: strings.TrimSpace(item), Err: err}
		}
		s = append(s, st)
	}
	return s, nil
}

func splitItems(text, seps string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(seps, r) })
}

// Syntax errors of scripts.
var (
	errScriptVerb = errors.New(`unknown action (want drop, dup, hold, swap, delay or corrupt)`)
	errExtra      = errors.New("unexpected words at the end")
)

func parseStep(item string) (Step, error) {
	w := strings.Fields(strings.ToLower(item))
	verb := w[0]
	if len(w) < 2 {
		return Step{}, fmt.Errorf("want %q followed by a packet number", verb)
	}
	n, err := parsePacket(w[1])
	if err != nil {
		return Step{}, err
	}
	rest := w[2:]
	st := Step{N: n}
	switch verb {
	case "drop":
		st.Op = OpDrop
	case "swap":
		st.Op, st.Count = OpHold, 1
	case "dup":
		st.Op, st.Count = OpDup, 2
		if len(rest) > 0 {
			c, err := strconv.Atoi(strings.TrimPrefix(rest[0], "x"))
			if err != nil || !strings.HasPrefix(rest[0], "x") || c < 2 || c > maxCopies {
				return Step{}, fmt.Errorf("bad copy count %q (want x2 .. x%d)", rest[0], maxCopies)
			}
			st.Count, rest = c, rest[1:]
		}
	case "hold":
		if len(rest) < 2 || rest[0] != "for" {
			return Step{}, errors.New(`want "hold N for K"`)
		}
		k, err := strconv.Atoi(rest[1])
		if err != nil || k < 1 {
			return Step{}, fmt.Errorf("bad hold count %q (want 1 or more later packets)", rest[1])
		}
		st.Op, st.Count, rest = OpHold, k, rest[2:]
	case "delay":
		if len(rest) > 0 && rest[0] == "by" {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return Step{}, errors.New(`want "delay N by D", e.g. "delay 4 by 200ms"`)
		}
		d, err := parseDuration(rest[0])
		if err != nil {
			return Step{}, err
		}
		st.Op, st.Delay, rest = OpDelay, d, rest[1:]
	case "corrupt":
		st.Op = OpCorrupt
		for len(rest) >= 2 && rest[0] == "bit" {
			b, err := strconv.Atoi(rest[1])
			if err != nil || b < 0 {
				return Step{}, fmt.Errorf("bad bit offset %q (want 0 or more)", rest[1])
			}
			st.Bits, rest = append(st.Bits, b), rest[2:]
		}
	default:
		return Step{}, fmt.Errorf("%q: %w", verb, errScriptVerb)
	}
	if len(rest) > 0 {
		return Step{}, fmt.Errorf("%w: %q", errExtra, strings.Join(rest, " "))
	}
	return st, nil
}

// maxCopies bounds duplication so that a typo cannot make a proxy flood.
const maxCopies = 100

func parsePacket(s string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("bad packet number %q (want 1, 2, ...)", s)
	}
	return n, nil
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q (want e.g. 20ms)", s)
	}
	return d, nil
}
