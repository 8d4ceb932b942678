package dns

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/socklab/socklab/grader"
)

// fail ends the check: msg says what is wrong with the reply, expected
// and actual the part at fault, and the whole reply follows as dig prints
// it.
func (r *reply) fail(t *grader.T, msg, expected, actual string) {
	t.Fail(grader.Failure{
		Message:  fmt.Sprintf("your reply to %s %s", r.q, msg),
		Expected: expected,
		Actual:   actual + "\n  your whole reply:\n" + indent(present(&r.msg, len(r.raw)), "    "),
	})
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// expectRCode checks the reply's RCODE, extended by EDNS.
func (r *reply) expectRCode(t *grader.T, want int) {
	if got := fullRCode(&r.msg); got != want {
		r.fail(t, fmt.Sprintf("has the wrong RCODE (%s)", rcodeName(got)),
			rcodeName(want), rcodeName(got))
	}
}

// expectFlag checks one header bit by its name in dig's output.
func (r *reply) expectFlag(t *grader.T, flag string, want bool) {
	h := r.msg.Header
	got := map[string]bool{"qr": h.Response, "aa": h.Authoritative, "tc": h.Truncated,
		"rd": h.RecursionDesired, "ra": h.RecursionAvailable}[flag]
	if got != want {
		r.fail(t, fmt.Sprintf("has %s=%d", strings.ToUpper(flag), bit(got)),
			fmt.Sprintf("%s=%d", strings.ToUpper(flag), bit(want)), fmt.Sprintf("%s=%d", strings.ToUpper(flag), bit(got)))
	}
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A section of a reply, by the name dig gives it.
type section string

const (
	answer     section = "ANSWER"
	authority  section = "AUTHORITY"
	additional section = "ADDITIONAL"
)

func (r *reply) records(s section) []rr {
	switch s {
	case answer:
		return rrs(r.msg.Answers)
	case authority:
		return rrs(r.msg.Authorities)
	}
	return rrs(r.msg.Additionals)
}

// expectSection checks that a section holds exactly the records want, in
// any order (RFC 2181 §5: an RRset has no order), TTLs compared only when
// withTTL is set.
func (r *reply) expectSection(t *grader.T, s section, want []rr, withTTL bool) {
	w, g := sorted(want, withTTL), sorted(r.records(s), withTTL)
	if cmp.Equal(w, g) {
		return
	}
	what := "records"
	if withTTL {
		what = "records and TTLs"
	}
	r.failRecords(t, fmt.Sprintf("has the wrong %s in the %s section", what, s), w, g)
}

// expectContains checks that a section holds at least the records want
// (TTLs not compared): the additional section may carry more that helps.
func (r *reply) expectContains(t *grader.T, s section, want []rr) {
	g := sorted(r.records(s), false)
	var missing []string
	for _, w := range sorted(want, false) {
		found := false
		for _, x := range g {
			if x == w {
				found = true
			}
		}
		if !found {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		r.failRecords(t, fmt.Sprintf("lacks records in the %s section: %s", s, strings.Join(missing, "; ")),
			sorted(want, false), g)
	}
}

func (r *reply) failRecords(t *grader.T, msg string, want, got []string) {
	show := func(rs []string) string {
		if len(rs) == 0 {
			return "(none)"
		}
		return "\n      " + strings.Join(rs, "\n      ")
	}
	t.Fail(grader.Failure{
		Message:  fmt.Sprintf("your reply to %s %s", r.q, msg),
		Expected: show(want),
		Actual:   show(got) + "\n  your whole reply:\n" + indent(present(&r.msg, len(r.raw)), "    "),
		Diff:     cmp.Diff(want, got),
	})
}

// expectTTLs checks the TTLs of a section's records, by name and type:
// the data is the other checks' business, so a record whose data is
// wrong but whose TTL is right passes here.
func (r *reply) expectTTLs(t *grader.T, s section, want []rr) {
	key := func(rs []rr) []string {
		out := make([]string, len(rs))
		for i, x := range rs {
			out[i] = fmt.Sprintf("%s %d IN %s", x.Name, x.TTL, typeName(x.Type))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	w, g := key(want), key(r.records(s))
	if !cmp.Equal(w, g) {
		r.failRecords(t, fmt.Sprintf("has the wrong TTLs in the %s section", s), w, g)
	}
}
