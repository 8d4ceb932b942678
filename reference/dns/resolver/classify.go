package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/socklab/socklab/reference/dns/message"
)

// A kind is what a name server's reply says about the question: RFC 1034
// §5.3.3 step 4, with the names RFC 2308 §1 gives to the negative answers.
type kind int

const (
	kindAnswer   kind = iota + 1 // the records asked for
	kindCNAME                    // the name is an alias: ask again for its target
	kindNXDomain                 // the name does not exist
	kindNoData                   // the name exists, without records of the type
	kindReferral                 // ask the servers of a zone further down
)

// A verdict is an accepted reply, read: what it means, and the records of
// it that may be believed.
type verdict struct {
	kind    kind
	answers []message.Record // kindAnswer, kindCNAME: the answer section
	soa     *message.Record  // kindNXDomain, kindNoData: the zone's SOA, when the reply has it
	cut     string           // kindReferral: the zone delegated to, canonical
	ns      []message.Record // kindReferral: that zone's NS records
	glue    []message.Record // kindReferral: the A records of those servers
}

// Why a reply is of no use, though it was accepted. The server that sent
// it is skipped for another server of the zone (RFC 1034 §5.3.3 step 4d:
// "if the response shows a servers failure or other bizarre contents,
// delete the server from the SLIST").
var (
	// errRCode: the server answered SERVFAIL, REFUSED, FORMERR, NOTIMP
	// or another RCODE that is neither an answer nor NXDOMAIN.
	errRCode = errors.New("server error")
	// errLame: the server is not an authority for the zone it was asked
	// as one. It refers to a zone that is not below the one asked about
	// ("upwards", often to the root, or sideways), and the resolver would
	// go round in circles following it.
	errLame = errors.New("lame server")
)

// classify reads a reply to question q from a server of zone: the zone
// whose NS records led the resolver to that server, "." for the root
// servers.
//
// First it drops every record that is not in the zone's bailiwick (see
// inBailiwick). Then:
//
//   - records owned by QNAME in the answer section, of QTYPE: an answer;
//     or a CNAME: an alias, to follow. This holds whatever the RCODE: an
//     NXDOMAIN with a CNAME says that the alias exists and its target
//     does not (RFC 6604 §3), and the resolver asks for the target anyway.
//   - RCODE NXDOMAIN: the name does not exist.
//   - NS records in the authority section for a zone strictly below the
//     zone asked about, at or above QNAME: a referral, with the addresses
//     of the new servers from the additional section (the glue).
//   - other NS records, with no SOA: a lame server.
//   - else, NOERROR with nothing for QNAME: NODATA, with the SOA if any.
//
// RCODEs other than NOERROR and NXDOMAIN are errRCode.
func classify(m *message.Message, q message.Question, zone string) (verdict, error) {
	if m.RCode != message.RCodeSuccess && m.RCode != message.RCodeNXDomain {
		return verdict{}, fmt.Errorf("%w: %s", errRCode, rcodeName(int(m.RCode)))
	}
	answers := inBailiwick(m.Answers, zone)
	authority := inBailiwick(m.Authority, zone)
	additional := inBailiwick(m.Additional, zone)

	if len(recordsOf(answers, q.Name, q.Type)) > 0 {
		return verdict{kind: kindAnswer, answers: answers}, nil
	}
	if len(recordsOf(answers, q.Name, message.TypeCNAME)) > 0 {
		return verdict{kind: kindCNAME, answers: answers}, nil
	}

	// The SOA that says "no": that of a zone at or above QNAME.
	var soa *message.Record
	for i, r := range authority {
		if r.Type == message.TypeSOA && inZone(q.Name, r.Name) {
			soa = &authority[i]
			break
		}
	}
	if m.RCode == message.RCodeNXDomain {
		return verdict{kind: kindNXDomain, soa: soa}, nil
	}

	for _, r := range authority {
		cut := canonical(r.Name)
		if r.Type == message.TypeNS && cut != canonical(zone) && inZone(q.Name, cut) {
			ns := recordsOf(authority, cut, message.TypeNS)
			var glue []message.Record
			for _, n := range ns {
				glue = append(glue, recordsOf(additional, n.Data.(*message.NS).Host, message.TypeA)...)
			}
			return verdict{kind: kindReferral, cut: cut, ns: ns, glue: glue}, nil
		}
	}
	// NS records that do not lead down. They are looked for among all the
	// records, not only those in bailiwick: a referral to the root, from a
	// server of example.org, is not in example.org's bailiwick, and a
	// check of the filtered records would take it for NODATA.
	if soa == nil {
		for _, r := range m.Authority {
			if r.Type == message.TypeNS {
				return verdict{}, fmt.Errorf("%w: referral to %s, which is not below %s", errLame, r.Name, zone)
			}
		}
	}
	return verdict{kind: kindNoData, soa: soa}, nil
}

// inBailiwick returns the records that may be believed from a server
// asked as an authority for zone: those whose owner is in the zone, at or
// below its apex, of class IN. "A record in a reply is believed only if its
// name is in the zone the server was asked about: at or below it."
//
// This stops the classic cache poisoning: a server for evil.example,
// asked about www.evil.example, adds to its reply an A record for
// www.bank.example, or NS records that hand bank.example to its own
// servers. A resolver that believed them would send its users to the
// attacker for as long as the TTL says. Here they are dropped before they
// are used or cached: a server of evil.example speaks for evil.example,
// and for nothing else. The root servers, asked about ".", may speak for
// any name.
func inBailiwick(records []message.Record, zone string) []message.Record {
	var out []message.Record
	for _, r := range records {
		if r.Class == message.ClassIN && r.Type != message.TypeOPT && inZone(r.Name, zone) {
			out = append(out, r)
		}
	}
	return out
}

// recordsOf returns the records of name that have type t.
func recordsOf(records []message.Record, name string, t message.Type) []message.Record {
	var out []message.Record
	name = canonical(name)
	for _, r := range records {
		if r.Type == t && canonical(r.Name) == name {
			out = append(out, r)
		}
	}
	return out
}

// describe says what a verdict is, in a few words, for the log:
// "referral to edu.: a.edu-servers.net., glue 127.0.0.4".
func (v verdict) describe() string {
	switch v.kind {
	case kindAnswer:
		if len(v.answers) == 1 {
			return "answer, 1 record"
		}
		return fmt.Sprintf("answer, %d records", len(v.answers))
	case kindCNAME:
		for _, r := range v.answers {
			if c, ok := r.Data.(*message.CNAME); ok {
				return "CNAME to " + c.Target
			}
		}
	case kindNXDomain:
		return "NXDOMAIN"
	case kindNoData:
		return "NODATA"
	case kindReferral:
		var hosts, glue []string
		for _, r := range v.ns {
			hosts = append(hosts, r.Data.String())
		}
		for _, r := range v.glue {
			glue = append(glue, r.Data.String())
		}
		if len(glue) == 0 {
			return fmt.Sprintf("referral to %s: %s, no glue", v.cut, strings.Join(hosts, " "))
		}
		return fmt.Sprintf("referral to %s: %s, glue %s", v.cut, strings.Join(hosts, " "), strings.Join(glue, " "))
	}
	return "?"
}

// rcodeNames are the names dig gives RCODEs.
var rcodeNames = map[int]string{
	message.RCodeSuccess: "NOERROR", message.RCodeFormErr: "FORMERR",
	message.RCodeServFail: "SERVFAIL", message.RCodeNXDomain: "NXDOMAIN",
	message.RCodeNotImp: "NOTIMP", message.RCodeRefused: "REFUSED",
	message.RCodeBadVers: "BADVERS",
}

func rcodeName(rcode int) string {
	if s, ok := rcodeNames[rcode]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(rcode)
}

// Names. Every name here is absolute, in the presentation form of package
// message ("www.example.com.", "." for the root), where a "\." is a dot
// inside a label.

// canonical returns name in lowercase, ASCII letters only: names compare
// without regard to case, and other bytes are compared as they are
// (RFC 4343 §3).
func canonical(name string) string {
	b := []byte(name)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// parent returns name with its first label taken off:
// "www.example.com." → "example.com." → "com." → "." → ".".
func parent(name string) string {
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			i++ // skip the escaped character; \DDD has no dots
		case '.':
			if i == len(name)-1 {
				return "."
			}
			return name[i+1:]
		}
	}
	return "."
}

// inZone reports whether name is zone or below it. It compares whole
// labels: "notexample.com." is not in "example.com.", and neither is
// "a\.example.com.", a name of two labels.
func inZone(name, zone string) bool {
	name, zone = canonical(name), canonical(zone)
	for {
		if name == zone {
			return true
		}
		if name == "." {
			return false
		}
		name = parent(name)
	}
}
