package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/socklab/socklab/harness/zone"
	"github.com/socklab/socklab/reference/dns/message"
)

func testAuthority(t *testing.T) *authority {
	t.Helper()
	z, err := zone.ParseFile("testdata/example.org.zone")
	if err != nil {
		t.Fatal(err)
	}
	return newAuthority(z)
}

// show writes records in one line each, without class: "www.example.org. 300 A 192.0.2.10".
func show(rrs []message.Record) []string {
	var out []string
	for _, r := range rrs {
		out = append(out, fmt.Sprintf("%s %d %s %s", r.Name, r.TTL, r.Type, r.Data))
	}
	return out
}

// Records of the test zone, as show writes them.
const (
	negSOA     = "example.org. 300 SOA ns1.example.org. hostmaster.example.org. 2026112101 7200 3600 1209600 300"
	wwwA1      = "www.example.org. 300 A 192.0.2.10"
	wwwA2      = "www.example.org. 300 A 192.0.2.11"
	wwwAAAA    = "www.example.org. 300 AAAA 2001:db8::10"
	subNS1     = "sub.example.org. 3600 NS ns.sub.example.org."
	subNS2     = "sub.example.org. 3600 NS ns.elsewhere.example."
	glueA      = "ns.sub.example.org. 3600 A 192.0.2.53"
	glueAAAA   = "ns.sub.example.org. 3600 AAAA 2001:db8::53"
	ns1A       = "ns1.example.org. 3600 A 192.0.2.1"
	ns1AAAA    = "ns1.example.org. 3600 AAAA 2001:db8::1"
	ns2A       = "ns2.example.org. 3600 A 192.0.2.2"
	mailA      = "mail.example.org. 3600 A 192.0.2.25"
	apexSOA    = "example.org. 3600 SOA ns1.example.org. hostmaster.example.org. 2026112101 7200 3600 1209600 300"
	apexNS1    = "example.org. 3600 NS ns1.example.org."
	apexNS2    = "example.org. 3600 NS ns2.example.org."
	apexNS3    = "example.org. 3600 NS ns.other.example."
	apexMX1    = "example.org. 3600 MX 10 mail.example.org."
	apexMX2    = "example.org. 3600 MX 20 mail.other.example."
	apexMX3    = "example.org. 3600 MX 30 www.example.org."
	ftpCNAME   = "ftp.example.org. 3600 CNAME www.example.org."
	aliasCNAME = "alias.example.org. 3600 CNAME ftp.example.org."
)

func TestLookup(t *testing.T) {
	a := testAuthority(t)
	type want struct {
		rcode                         int
		aa                            bool
		answer, authority, additional []string
	}
	ok := message.RCodeSuccess
	tests := []struct {
		name  string
		qname string
		qtype message.Type
		want  want
	}{
		// Step 3a: the node and its RRset.
		{"A: the whole RRset", "www.example.org.", message.TypeA, want{ok, true, []string{wwwA1, wwwA2}, nil, nil}},
		{"AAAA", "www.example.org.", message.TypeAAAA, want{ok, true, []string{wwwAAAA}, nil, nil}},
		{"names match in any case", "wWw.EXAMPLE.org.", message.TypeA, want{ok, true, []string{wwwA1, wwwA2}, nil, nil}},
		{"TXT of two strings", "note.example.org.", message.TypeTXT, want{ok, true, []string{`note.example.org. 3600 TXT "hello" "world"`}, nil, nil}},
		{"SOA at the apex", "example.org.", message.TypeSOA, want{ok, true, []string{apexSOA}, nil, nil}},
		{"MX: addresses of the exchangers in the zone", "example.org.", message.TypeMX, want{ok, true,
			[]string{apexMX1, apexMX2, apexMX3}, nil, []string{mailA, wwwA1, wwwA2, wwwAAAA}}},
		{"NS at the apex is an answer, not a referral", "example.org.", message.TypeNS, want{ok, true,
			[]string{apexNS1, apexNS2, apexNS3}, nil, []string{ns1A, ns1AAAA, ns2A}}},
		{"ANY: every record of the name", "example.org.", message.TypeANY, want{ok, true,
			[]string{apexSOA, apexNS1, apexNS2, apexNS3, apexMX1, apexMX2, apexMX3},
			nil, []string{ns1A, ns1AAAA, ns2A, mailA, wwwA1, wwwA2, wwwAAAA}}},

		// Step 3a with a CNAME.
		{"CNAME chain", "alias.example.org.", message.TypeA, want{ok, true, []string{aliasCNAME, ftpCNAME, wwwA1, wwwA2}, nil, nil}},
		{"QTYPE CNAME gets the CNAME alone", "alias.example.org.", message.TypeCNAME, want{ok, true, []string{aliasCNAME}, nil, nil}},
		{"ANY at a CNAME gets the CNAME alone", "ftp.example.org.", message.TypeANY, want{ok, true, []string{ftpCNAME}, nil, nil}},
		{"CNAME out of the zone", "away.example.org.", message.TypeA, want{ok, true,
			[]string{"away.example.org. 3600 CNAME www.example.com."}, nil, nil}},
		{"CNAME to a missing name: NXDOMAIN (RFC 6604)", "dangling.example.org.", message.TypeA, want{message.RCodeNXDomain, true,
			[]string{"dangling.example.org. 3600 CNAME nothing.example.org."}, []string{negSOA}, nil}},
		{"CNAME to a name without the type: NODATA", "to-deep.example.org.", message.TypeA, want{ok, true,
			[]string{"to-deep.example.org. 3600 CNAME deep.example.org."}, []string{negSOA}, nil}},
		{"CNAME loop stops at the first repeat", "loop1.example.org.", message.TypeA, want{ok, true,
			[]string{"loop1.example.org. 3600 CNAME loop2.example.org.", "loop2.example.org. 3600 CNAME loop1.example.org."}, nil, nil}},
		{"CNAME into a delegation: the chain and a referral", "into-sub.example.org.", message.TypeA, want{ok, true,
			[]string{"into-sub.example.org. 3600 CNAME www.sub.example.org."}, []string{subNS1, subNS2}, []string{glueA, glueAAAA}}},

		// Step 3b: referrals.
		{"below a cut", "www.sub.example.org.", message.TypeA, want{ok, false, nil, []string{subNS1, subNS2}, []string{glueA, glueAAAA}}},
		{"far below a cut", "a.b.c.sub.example.org.", message.TypeMX, want{ok, false, nil, []string{subNS1, subNS2}, []string{glueA, glueAAAA}}},
		{"the cut itself, NS", "sub.example.org.", message.TypeNS, want{ok, false, nil, []string{subNS1, subNS2}, []string{glueA, glueAAAA}}},
		{"the cut itself, A", "SUB.example.org.", message.TypeA, want{ok, false, nil, []string{subNS1, subNS2}, []string{glueA, glueAAAA}}},
		{"glue is not an answer", "ns.sub.example.org.", message.TypeA, want{ok, false, nil, []string{subNS1, subNS2}, []string{glueA, glueAAAA}}},

		// Negative answers.
		{"NODATA", "www.example.org.", message.TypeMX, want{ok, true, nil, []string{negSOA}, nil}},
		{"NODATA for an unknown type", "www.example.org.", 99, want{ok, true, nil, []string{negSOA}, nil}},
		{"NODATA for an empty non-terminal", "deep.example.org.", message.TypeA, want{ok, true, nil, []string{negSOA}, nil}},
		{"NODATA for ANY at an empty non-terminal", "DEEP.example.org.", message.TypeANY, want{ok, true, nil, []string{negSOA}, nil}},
		{"NXDOMAIN", "nothing.example.org.", message.TypeA, want{message.RCodeNXDomain, true, nil, []string{negSOA}, nil}},
		{"NXDOMAIN below a missing name", "a.nothing.example.org.", message.TypeA, want{message.RCodeNXDomain, true, nil, []string{negSOA}, nil}},
		{"NXDOMAIN below a name with records", "x.www.example.org.", message.TypeA, want{message.RCodeNXDomain, true, nil, []string{negSOA}, nil}},

		// Step 2: not our zone.
		{"another zone", "www.example.com.", message.TypeA, want{message.RCodeRefused, false, nil, nil, nil}},
		{"the parent", "org.", message.TypeNS, want{message.RCodeRefused, false, nil, nil, nil}},
		{"the root", ".", message.TypeNS, want{message.RCodeRefused, false, nil, nil, nil}},
		{"same ending, not below", "myexample.org.", message.TypeA, want{message.RCodeRefused, false, nil, nil, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.lookup(tt.qname, tt.qtype)
			got := want{res.rcode, res.aa, show(res.answer), show(res.authority), show(res.additional)}
			if got.rcode != tt.want.rcode || got.aa != tt.want.aa ||
				!slices.Equal(got.answer, tt.want.answer) ||
				!slices.Equal(got.authority, tt.want.authority) ||
				!slices.Equal(got.additional, tt.want.additional) {
				t.Errorf("lookup(%s, %v):\n got %s\nwant %s", tt.qname, tt.qtype, dump(got.rcode, got.aa, got.answer, got.authority, got.additional),
					dump(tt.want.rcode, tt.want.aa, tt.want.answer, tt.want.authority, tt.want.additional))
			}
		})
	}
}

func dump(rcode int, aa bool, sections ...[]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rcode %d, aa %v", rcode, aa)
	for i, s := range sections {
		fmt.Fprintf(&b, "\n  %s: %q", []string{"answer", "authority", "additional"}[i], s)
	}
	return b.String()
}

func TestLookupLongChain(t *testing.T) {
	res := testAuthority(t).lookup("long1.example.org.", message.TypeA)
	if len(res.answer) != maxChain || res.rcode != message.RCodeSuccess {
		t.Errorf("a chain of 9 CNAMEs: %d records, rcode %d; want the first %d, NOERROR\n%s",
			len(res.answer), res.rcode, maxChain, strings.Join(show(res.answer), "\n"))
	}
}

// The SOA of a negative answer has the smaller of the SOA's TTL and its
// MINIMUM (RFC 2308 §3); here the TTL.
func TestNegativeTTL(t *testing.T) {
	z, err := zone.ParseString("$ORIGIN example.net.\n@ 60 IN SOA ns hostmaster 1 2 3 4 300\n@ IN NS ns\nns 60 IN A 192.0.2.1\n", "t.zone")
	if err != nil {
		t.Fatal(err)
	}
	res := newAuthority(z).lookup("nothing.example.net.", message.TypeA)
	if len(res.authority) != 1 || res.authority[0].TTL != 60 {
		t.Errorf("authority %q, want the SOA with TTL 60", show(res.authority))
	}
}

func TestParent(t *testing.T) {
	for in, want := range map[string]string{
		"www.example.org.": "example.org.",
		"org.":             ".",
		".":                ".",
		`a\.b.c.`:          "c.",
		`a\\.b.`:           "b.",
		`\046x.y.`:         "y.",
	} {
		if got := parent(in); got != want {
			t.Errorf("parent(%q) = %q, want %q", in, got, want)
		}
	}
}
