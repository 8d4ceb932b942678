package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/socklab/socklab/reference/dns/message"
)

// summary is a verdict in one line: its kind and the records it keeps.
func summary(v verdict) string {
	var parts []string
	add := func(section string, records []message.Record) {
		for _, r := range records {
			parts = append(parts, fmt.Sprintf("%s %s %v %v", section, r.Name, r.Type, r.Data))
		}
	}
	switch v.kind {
	case kindAnswer:
		parts = append(parts, "answer")
	case kindCNAME:
		parts = append(parts, "cname")
	case kindNXDomain:
		parts = append(parts, "nxdomain")
	case kindNoData:
		parts = append(parts, "nodata")
	case kindReferral:
		parts = append(parts, "referral to "+v.cut)
	}
	add("an", v.answers)
	if v.soa != nil {
		parts = append(parts, "soa "+v.soa.Name)
	}
	add("ns", v.ns)
	add("glue", v.glue)
	return strings.Join(parts, "; ")
}

func TestClassify(t *testing.T) {
	www := message.Question{Name: "www.example.org.", Type: message.TypeA, Class: message.ClassIN}
	soa := rrSOA("example.org.", 3600, 300)
	chaos := rrA("www.example.org.", "192.0.2.9")
	chaos.Class = message.ClassCH
	tests := []struct {
		name string
		zone string // the zone the server was asked about
		q    message.Question
		m    message.Message
		want string // the summary
		err  error
	}{
		// Answers.
		{"answer", "example.org.", www,
			message.Message{Answers: []message.Record{rrA("www.example.org.", "192.0.2.1")}},
			"answer; an www.example.org. A 192.0.2.1", nil},
		{"answer, in another case", "example.org.", www,
			message.Message{Answers: []message.Record{rrA("WWW.EXAMPLE.ORG.", "192.0.2.1")}},
			"answer; an WWW.EXAMPLE.ORG. A 192.0.2.1", nil},
		{"answer with poison out of bailiwick", "example.org.", www,
			message.Message{
				Answers:    []message.Record{rrA("www.example.org.", "192.0.2.1"), rrA("www.bank.com.", "203.0.113.66")},
				Authority:  []message.Record{rrNS("bank.com.", "ns.example.org.")},
				Additional: []message.Record{rrA("ns.bank.com.", "203.0.113.66")},
			},
			"answer; an www.example.org. A 192.0.2.1", nil},
		{"answer of class CH is not believed", "example.org.", www,
			message.Message{Answers: []message.Record{chaos}},
			"nodata", nil},
		{"QTYPE CNAME gets the CNAME as the answer", "example.org.",
			message.Question{Name: "www.example.org.", Type: message.TypeCNAME, Class: message.ClassIN},
			message.Message{Answers: []message.Record{rrCNAME("www.example.org.", "host.example.org.")}},
			"answer; an www.example.org. CNAME host.example.org.", nil},

		// CNAMEs.
		{"CNAME with its target in the zone", "example.org.", www,
			message.Message{Answers: []message.Record{rrCNAME("www.example.org.", "host.example.org."), rrA("host.example.org.", "192.0.2.2")}},
			"cname; an www.example.org. CNAME host.example.org.; an host.example.org. A 192.0.2.2", nil},
		{"CNAME out of the zone: the target's records are dropped", "example.org.", www,
			message.Message{Answers: []message.Record{rrCNAME("www.example.org.", "www.cdn.net."), rrA("www.cdn.net.", "203.0.113.66")}},
			"cname; an www.example.org. CNAME www.cdn.net.", nil},
		{"NXDOMAIN with a CNAME: the alias exists", "example.org.", www,
			message.Message{Header: message.Header{RCode: message.RCodeNXDomain},
				Answers:   []message.Record{rrCNAME("www.example.org.", "gone.example.org.")},
				Authority: []message.Record{soa}},
			"cname; an www.example.org. CNAME gone.example.org.", nil},

		// Negative answers.
		{"NXDOMAIN", "example.org.", www,
			message.Message{Header: message.Header{RCode: message.RCodeNXDomain}, Authority: []message.Record{soa}},
			"nxdomain; soa example.org.", nil},
		{"NXDOMAIN without SOA", "example.org.", www,
			message.Message{Header: message.Header{RCode: message.RCodeNXDomain}},
			"nxdomain", nil},
		{"NODATA", "example.org.", www,
			message.Message{Authority: []message.Record{soa}},
			"nodata; soa example.org.", nil},
		{"NODATA, an empty reply", "example.org.", www,
			message.Message{},
			"nodata", nil},
		{"NODATA with an SOA out of bailiwick", "example.org.", www,
			message.Message{Authority: []message.Record{rrSOA("org.", 3600, 300)}},
			"nodata", nil},
		{"NODATA with the SOA of a zone below QNAME", "example.org.",
			message.Question{Name: "example.org.", Type: message.TypeMX, Class: message.ClassIN},
			message.Message{Authority: []message.Record{rrSOA("sub.example.org.", 3600, 300)}},
			"nodata", nil},

		// Referrals.
		{"referral from the root", ".", www,
			message.Message{
				Authority:  []message.Record{rrNS("org.", "a.org-servers.net.")},
				Additional: []message.Record{rrA("a.org-servers.net.", "127.0.0.6"), rrA("other.example.", "127.0.0.99")},
			},
			"referral to org.; ns org. NS a.org-servers.net.; glue a.org-servers.net. A 127.0.0.6", nil},
		{"referral with glue out of bailiwick", "org.", www,
			message.Message{
				Authority: []message.Record{rrNS("Example.ORG.", "ns1.example.org."), rrNS("example.org.", "ns.hosting.net.")},
				Additional: []message.Record{rrA("ns1.example.org.", "127.0.0.10"),
					rrA("ns.hosting.net.", "203.0.113.66")}, // org cannot speak for net
			},
			"referral to example.org.; ns Example.ORG. NS ns1.example.org.; ns example.org. NS ns.hosting.net.; glue ns1.example.org. A 127.0.0.10", nil},
		{"referral without glue", "org.", www,
			message.Message{Authority: []message.Record{rrNS("example.org.", "ns.hosting.net.")}},
			"referral to example.org.; ns example.org. NS ns.hosting.net.", nil},
		{"referral to QNAME itself", "org.",
			message.Question{Name: "example.org.", Type: message.TypeNS, Class: message.ClassIN},
			message.Message{Authority: []message.Record{rrNS("example.org.", "ns.hosting.net.")}},
			"referral to example.org.; ns example.org. NS ns.hosting.net.", nil},

		// Lame servers.
		{"referral upwards, to the root", "example.org.", www,
			message.Message{Authority: []message.Record{rrNS(".", "a.root-servers.net.")}},
			"", errLame},
		{"referral to the zone asked about", "example.org.", www,
			message.Message{Authority: []message.Record{rrNS("example.org.", "ns1.example.org.")}},
			"", errLame},
		{"referral sideways", "example.org.", www,
			message.Message{Authority: []message.Record{rrNS("mail.example.org.", "ns1.example.org.")}},
			"", errLame},
		{"referral to another TLD", ".", www,
			message.Message{Authority: []message.Record{rrNS("com.", "a.gtld-servers.net.")}},
			"", errLame},

		// Failures.
		{"SERVFAIL", "example.org.", www, message.Message{Header: message.Header{RCode: message.RCodeServFail}}, "", errRCode},
		{"REFUSED", "example.org.", www, message.Message{Header: message.Header{RCode: message.RCodeRefused}}, "", errRCode},
		{"FORMERR", "example.org.", www, message.Message{Header: message.Header{RCode: message.RCodeFormErr}}, "", errRCode},
		{"NOTIMP", "example.org.", www, message.Message{Header: message.Header{RCode: message.RCodeNotImp}}, "", errRCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			m.QR = true
			m.Questions = []message.Question{tt.q}
			v, err := classify(&m, tt.q, tt.zone)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if got := summary(v); err == nil && got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestInZone(t *testing.T) {
	tests := []struct {
		name, zone string
		want       bool
	}{
		{"www.example.org.", "example.org.", true},
		{"example.org.", "example.org.", true},
		{"WWW.Example.Org.", "example.ORG.", true},
		{"www.example.org.", ".", true},
		{".", ".", true},
		{"www.example.org.", "org.", true},
		{"example.org.", "www.example.org.", false},
		{"notexample.org.", "example.org.", false},
		{"www.example.com.", "example.org.", false},
		// "a\.example" is one label, with a dot in it.
		{`a\.example.org.`, "example.org.", false},
		{`a\.example.org.`, "org.", true},
		{`www.a\.example.org.`, "a.example.org.", false},
	}
	for _, tt := range tests {
		if got := inZone(tt.name, tt.zone); got != tt.want {
			t.Errorf("inZone(%q, %q) = %v, want %v", tt.name, tt.zone, got, tt.want)
		}
	}
}

func TestParent(t *testing.T) {
	for name, want := range map[string]string{
		"www.example.org.":    "example.org.",
		"www.Example.ORG.":    "Example.ORG.",
		"org.":                ".",
		".":                   ".",
		`a\.b.example.org.`:   "example.org.", // "a.b" is one label
		`a\\.example.org.`:    "example.org.", // "a\" is one label
		`www.a\.example.org.`: `a\.example.org.`,
		`a\032b.example.org.`: "example.org.", // \032 is a space
	} {
		if got := parent(name); got != want {
			t.Errorf("parent(%q) = %q, want %q", name, got, want)
		}
	}
}
