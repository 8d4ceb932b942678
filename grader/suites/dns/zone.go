package dns

import (
	"bytes"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"text/template"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/zone"
)

//go:embed testdata/grader.zone.tmpl
var zoneTemplate string

var zoneTmpl = template.Must(template.New("zone").Parse(zoneTemplate))

// origin is the test zone's apex.
const origin = "example.org."

// zoneValues are the parts of the test zone that the seed decides.
type zoneValues struct {
	DefaultTTL, WWWTTL, Mail2TTL, Minimum, Serial uint32

	NS1, NS2, Mail, Mail2, Glue, Deep netip.Addr
	WWW                               [3]netip.Addr
	NS1v6, WWWv6, Mailv6              netip.Addr

	Word      string   // a random word, in TXT data
	Big, Huge []string // TXT strings: a reply over 512 bytes and one over 1232
}

// newZoneValues draws the values from r: distinct addresses in the
// documentation ranges, TTLs that differ from each other, and a SOA
// minimum below the default TTL, so that a negative answer's TTL shows
// which of the two the server used.
func newZoneValues(r *rand.Rand) zoneValues {
	used := map[netip.Addr]bool{}
	v4 := func() netip.Addr {
		for {
			a := netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + r.IntN(254))})
			if !used[a] {
				used[a] = true
				return a
			}
		}
	}
	v6 := func() netip.Addr {
		b := netip.MustParseAddr("2001:db8::").As16()
		b[12], b[13], b[14], b[15] = byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1+r.IntN(255))
		return netip.AddrFrom16(b)
	}
	v := zoneValues{
		DefaultTTL: uint32(3000 + r.IntN(1000)),
		WWWTTL:     uint32(100 + r.IntN(800)),
		Mail2TTL:   uint32(86400 + r.IntN(1000)),
		Minimum:    uint32(60 + r.IntN(500)),
		Serial:     uint32(2026000000 + r.IntN(1000000)),
		NS1:        v4(), NS2: v4(), Mail: v4(), Mail2: v4(), Glue: v4(), Deep: v4(),
		WWW:   [3]netip.Addr{v4(), v4(), v4()},
		NS1v6: v6(), WWWv6: v6(), Mailv6: v6(),
		Word: word(r, 8),
	}
	// Eight 100-byte strings make a reply of about 850 bytes: over 512,
	// under 1232. Sixteen more make one of about 2500: over 1232.
	for range 8 {
		v.Big = append(v.Big, word(r, 100))
	}
	for range 24 {
		v.Huge = append(v.Huge, word(r, 100))
	}
	return v
}

func word(r *rand.Rand, n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return string(b)
}

// testZone is the zone of one check: its file, and its records as the
// grader reads them, from which the checks compute what a reply must hold.
type testZone struct {
	zoneValues
	path string
	z    *zone.Zone
}

// renderZone writes the zone file text for v.
func renderZone(v zoneValues) (string, *zone.Zone, error) {
	var b bytes.Buffer
	if err := zoneTmpl.Execute(&b, v); err != nil {
		return "", nil, err
	}
	z, err := zone.ParseString(b.String(), "grader.zone")
	return b.String(), z, err
}

// newZone writes the check's zone file.
func newZone(t *grader.T) *testZone {
	v := newZoneValues(t.Rand())
	text, z, err := renderZone(v)
	if err != nil {
		t.GraderErrorf("the grader's zone does not parse: %v", err)
	}
	return &testZone{zoneValues: v, path: t.WriteFile("example.org.zone", []byte(text)), z: z}
}

// name turns a name relative to the zone ("www", "@") into an absolute one.
func name(rel string) string {
	switch {
	case rel == "@":
		return origin
	case strings.HasSuffix(rel, "."):
		return rel
	}
	return rel + "." + origin
}

// records returns the zone's records at rel of type t, as rrs.
func (z *testZone) records(rel string, t zone.Type) []rr {
	var out []rr
	for _, r := range z.z.Lookup(name(rel), t) {
		out = append(out, rrFromZone(r))
	}
	return out
}

// soa is the zone's SOA record as a negative answer carries it: with the
// TTL of RFC 2308 §3, the smaller of the SOA's own TTL and its minimum.
func (z *testZone) negativeSOA() rr {
	r := rrFromZone(z.z.SOA())
	r.TTL = min(r.TTL, z.z.SOA().Data.(*zone.SOA).Minimum)
	return r
}

func (z *testZone) String() string { return fmt.Sprintf("zone %s from %s", origin, z.path) }
