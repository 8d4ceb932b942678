package zone_test

import (
	"errors"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/socklab/socklab/harness/zone"
)

func TestParseExample(t *testing.T) {
	z, err := zone.ParseFile("../../assignments/dns/example.com.zone")
	if err != nil {
		t.Fatal(err)
	}
	if z.Origin != "example.com." {
		t.Errorf("origin %q", z.Origin)
	}
	var got []string
	for _, r := range z.Records {
		got = append(got, r.String())
	}
	want := []string{
		"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2026112101 7200 3600 1209600 300",
		"example.com. 3600 IN NS ns1.example.com.",
		"example.com. 3600 IN NS ns2.example.com.",
		"example.com. 3600 IN MX 10 mail.example.com.",
		"example.com. 3600 IN MX 20 mail2.example.com.",
		`example.com. 3600 IN TXT "v=spf1 mx -all"`,
		"ns1.example.com. 3600 IN A 192.0.2.1",
		"ns2.example.com. 3600 IN A 192.0.2.2",
		"www.example.com. 300 IN A 192.0.2.10",
		"www.example.com. 300 IN A 192.0.2.11",
		"www.example.com. 300 IN AAAA 2001:db8::10",
		"mail.example.com. 3600 IN A 192.0.2.25",
		"mail2.example.com. 86400 IN A 192.0.2.26",
		"ftp.example.com. 3600 IN CNAME www.example.com.",
		"blog.example.com. 3600 IN CNAME www.example.com.",
		`big.example.com. 3600 IN TXT "A reply over UDP holds at most 512 bytes, unless the query offers more with EDNS."`,
		`big.example.com. 3600 IN TXT "When the records do not fit, the server sends what fits with the TC bit set, and the client asks again over TCP."`,
		`big.example.com. 3600 IN TXT "Over TCP each message follows its length in two bytes, and a reply may be as long as 65535 bytes."`,
		`big.example.com. 3600 IN TXT "This record set is long on purpose: five strings of about a hundred bytes, and their names and headers, make more than 512."`,
		`big.example.com. 3600 IN TXT "dig +noedns big.example.com TXT shows the retry: Truncated, retrying in TCP mode."`,
		"sub.example.com. 3600 IN NS ns.sub.example.com.",
		"ns.sub.example.com. 3600 IN A 192.0.2.53",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestParseForms(t *testing.T) {
	const head = "$ORIGIN example.com.\n$TTL 60\n@ SOA ns admin 1 2 3 4 5\n"
	for _, tt := range []struct {
		name string
		in   string // after head
		want string // the last record
	}{
		{"relative owner", "www A 192.0.2.1", "www.example.com. 60 IN A 192.0.2.1"},
		{"absolute owner", "www.example.org.example.com. A 192.0.2.1", "www.example.org.example.com. 60 IN A 192.0.2.1"},
		{"at sign", "@ MX 10 mail", "example.com. 60 IN MX 10 mail.example.com."},
		{"blank owner", "www A 192.0.2.1\n  AAAA ::1", "www.example.com. 60 IN AAAA ::1"},
		{"class then TTL", "www IN 30 A 192.0.2.1", "www.example.com. 30 IN A 192.0.2.1"},
		{"TTL then class", "www 30 IN A 192.0.2.1", "www.example.com. 30 IN A 192.0.2.1"},
		{"TTL with units", "www 1h30m A 192.0.2.1", "www.example.com. 5400 IN A 192.0.2.1"},
		{"lowercase keywords", "www in a 192.0.2.1", "www.example.com. 60 IN A 192.0.2.1"},
		{"comment", "www A 192.0.2.1 ; the web server", "www.example.com. 60 IN A 192.0.2.1"},
		{"TXT strings", `t TXT "a b" c "semi;colon" "quote\"d" "\065\\"`, `t.example.com. 60 IN TXT "a b" "c" "semi;colon" "quote\"d" "A\\"`},
		{"TXT over lines", "t TXT ( \"one\"\n \"two\" )", `t.example.com. 60 IN TXT "one" "two"`},
		{"escaped dot", `a\.b CNAME www`, `a\.b.example.com. 60 IN CNAME www.example.com.`},
		{"CRLF line ends", "www A 192.0.2.1\r\n", "www.example.com. 60 IN A 192.0.2.1"},
		{"new origin", "$ORIGIN sub\nwww A 192.0.2.1", "www.sub.example.com. 60 IN A 192.0.2.1"},
		{"duplicate dropped", "www A 192.0.2.1\nWWW A 192.0.2.1", "www.example.com. 60 IN A 192.0.2.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			z, err := zone.ParseString(head+tt.in+"\n", "t.zone")
			if err != nil {
				t.Fatal(err)
			}
			if got := z.Records[len(z.Records)-1].String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// Every mistake names its line and column, and says what is wrong.
func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		want string
	}{
		{"no origin for relative", "www 60 A 192.0.2.1\n", `t.zone:1:1: "www" is relative`},
		{"no TTL", "$ORIGIN example.com.\n@ SOA ns admin 1 2 3 4 5\n", "t.zone:2:1: no TTL for this record"},
		{"bad address", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\nwww A 300.1.1.1\n", `t.zone:4:7: "300.1.1.1" is not an IPv4 address`},
		{"v6 in A", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\nwww A ::1\n", `t.zone:4:7: "::1" is not an IPv4 address`},
		{"missing field", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\n@ MX 10\n", "t.zone:4:6: MX needs a preference and a host"},
		{"extra field", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\nwww A 192.0.2.1 192.0.2.2\n", "t.zone:4:17: A takes an IPv4 address"},
		{"unknown type", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\n@ SRV 1 2 3 x\n", "t.zone:4:3: type SRV is not supported"},
		{"class", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\nwww CH A 192.0.2.1\n", "t.zone:4:5: class CH is not supported"},
		{"unclosed paren", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin ( 1 2 3 4 5\n", `t.zone:3:16: this "(" is never closed`},
		{"stray paren", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5 )\n", `t.zone:3:26: ")" without a "("`},
		{"unclosed quote", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\n@ TXT \"abc\n", "t.zone:4:7: a quoted string is not closed"},
		{"long TXT", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\n@ TXT " + strings.Repeat("x", 256) + "\n", "t.zone:4:7: a TXT string holds at most 255 bytes"},
		{"long label", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\n" + strings.Repeat("x", 64) + " A 192.0.2.1\n", "t.zone:4:1: \"" + strings.Repeat("x", 64) + ".e.\" has a label of 64 bytes"},
		{"long name", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\n" + strings.Repeat("abcdefg.", 32) + " A 192.0.2.1\n", "t.zone:4:1:"},
		{"empty label", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\na..b A 192.0.2.1\n", "t.zone:4:1: \"a..b.e.\" has an empty label"},
		{"no SOA", "$ORIGIN e.\n$TTL 1\n@ NS ns\n", "t.zone:4:1: the zone has no SOA record"},
		{"two SOA", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\n@ SOA ns admin 2 2 3 4 5\n", "t.zone:4:1: a second SOA record"},
		{"out of zone", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\nwww.f. A 192.0.2.1\n", "t.zone:4:1: www.f. is outside the zone e."},
		{"CNAME and other data", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\nwww A 192.0.2.1\nwww CNAME x\n", "t.zone:5:1: www.e. has a CNAME and other records"},
		{"two CNAMEs", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\nwww CNAME x\nwww CNAME y\n", "t.zone:5:1: a second CNAME"},
		{"RRset TTLs", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\nwww 5 A 192.0.2.1\nwww 6 A 192.0.2.2\n", "t.zone:5:1: the A records of www.e. have TTLs 5 and 6"},
		{"include", "$INCLUDE other.zone\n", "t.zone:1:1: $INCLUDE is not supported"},
		{"bad TTL", "$TTL 1x\n", `t.zone:1:6: "1x" is not a time`},
		{"huge TTL", "$TTL 4294967296\n", "t.zone:1:6: 4294967296 is more than the largest TTL"},
		{"blank owner first", "$ORIGIN e.\n  A 192.0.2.1\n", "t.zone:2:3: this line starts with white space"},
		{"two TTLs", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\nwww 5 IN 6 A 192.0.2.1\n", "t.zone:4:10: 6 is where the type goes, but it is a number"},
		{"bad escape", "$ORIGIN e.\n$TTL 1\n@ SOA ns admin 1 2 3 4 5\n@ TXT \"\\300\"\n", `t.zone:4:7: \300 is over \255`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := zone.ParseString(tt.in, "t.zone")
			if err == nil {
				t.Fatalf("no error; want %q", tt.want)
			}
			var ze *zone.Error
			if !errors.As(err, &ze) {
				t.Errorf("error %T, want *zone.Error", err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got  %s\nwant %s...", err, tt.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	z, err := zone.ParseFile("../../assignments/dns/example.com.zone")
	if err != nil {
		t.Fatal(err)
	}
	got := z.Lookup("WWW.Example.COM.", zone.TypeA)
	if len(got) != 2 || got[0].Data.(*zone.A).Addr != netip.MustParseAddr("192.0.2.10") {
		t.Errorf("Lookup: %v", got)
	}
	if soa := z.SOA().Data.(*zone.SOA); soa.Minimum != 300 {
		t.Errorf("SOA minimum %d", soa.Minimum)
	}
	for _, tt := range []struct {
		name string
		in   bool
	}{{"example.com.", true}, {"a.b.EXAMPLE.com.", true}, {"badexample.com.", false}, {"com.", false}} {
		if got := zone.InZone(tt.name, z.Origin); got != tt.in {
			t.Errorf("InZone(%q) = %v", tt.name, got)
		}
	}
}

// String writes a zone that parses back to the same records.
func TestStringRoundTrip(t *testing.T) {
	z, err := zone.ParseFile("../../assignments/dns/example.com.zone")
	if err != nil {
		t.Fatal(err)
	}
	again, err := zone.ParseString(z.String(), "again")
	if err != nil {
		t.Fatalf("%v\n%s", err, z)
	}
	if diff := cmp.Diff(z, again, cmpopts.EquateComparable(netip.Addr{})); diff != "" {
		t.Errorf("round trip (-first +again):\n%s", diff)
	}
}

// The handout's zone is a real zone file: NSD's checker loads it too.
// (The grader's zones are checked in grader/suites/dns.)
func TestNSDLoadsExampleZone(t *testing.T) {
	checker, err := exec.LookPath("nsd-checkzone")
	if err != nil {
		t.Skip("nsd-checkzone not installed (apt-get install nsd)")
	}
	const path = "../../assignments/dns/example.com.zone"
	z, err := zone.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(checker, strings.TrimSuffix(z.Origin, "."), path).CombinedOutput()
	if err != nil {
		t.Errorf("nsd-checkzone %s: %v\n%s", path, err, out)
	}
}
