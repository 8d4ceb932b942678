package dnstest

import (
	"bytes"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// FuzzServe feeds arbitrary bytes to the servers' query handler (parseQuery
// and respond, which touch no socket) and checks that it never panics and
// that every reply it makes is one a resolver can read: it parses, echoes
// the ID and the question byte for byte, says QR=1, fits its transport,
// and carries an OPT exactly when the query did.
func FuzzServe(f *testing.F) {
	for _, q := range []struct {
		name string
		typ  dnsmessage.Type
		edns bool
	}{
		{gaia, dnsmessage.TypeA, false},
		{"GaIa.cS.UMass.eDU.", dnsmessage.TypeA, true},
		{"www.umass.edu.", dnsmessage.TypeA, false},
		{"big.umass.edu.", dnsmessage.TypeTXT, false},
		{"big.umass.edu.", dnsmessage.TypeTXT, true},
		{"umass.edu.", dnsmessage.TypeALL, false},
		{"umass.edu.", dnsmessage.TypeMX, false},
		{"loop1.umass.edu.", dnsmessage.TypeA, false},
		{"www.smith.edu.", dnsmessage.TypeA, false},
		{".", dnsmessage.TypeNS, true},
		{"nope.", dnsmessage.Type(65280), false},
	} {
		f.Add(query(1, q.name, q.typ, q.edns))
	}
	var m dnsmessage.Message
	m.Unpack(query(2, gaia, dnsmessage.TypeA, false))
	addOPT(&m, 100, 1)
	addOPT(&m, 4096, 0)
	two, _ := m.Pack()
	f.Add(two)
	f.Add([]byte("hello, world"))
	f.Add([]byte{})

	zs := parseZones(f, testZones...)
	w, err := build(Config{Zones: zs})
	if err != nil {
		f.Fatal(err)
	}
	poisoned := []dnsmessage.Resource{poison("www.bank.example.")}
	behaviors := []Behavior{{}, {Truncate: true}, {Rcode: dnsmessage.RCodeServerFailure}, {Extra: poisoned}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := parseQuery(raw)
		if err != nil {
			return
		}
		_ = req.questionText()
		for _, s := range w.servers {
			for _, b := range behaviors {
				for _, tcp := range []bool{false, true} {
					m, out, _, err := s.respond(req, tcp, &b)
					if err != nil {
						t.Fatalf("%s, %+v, tcp %v: %v", s, b, tcp, err)
					}
					checkReply(t, req, raw, m, out, tcp)
				}
			}
		}
		for _, k := range []ForgeKind{WrongID, WrongQuestion, WrongAddr, WrongPort} {
			m, _ := forgery(req, Forgery{Kind: k, Answer: poisoned})
			m.Pack() // may fail (a forged name too long), must not panic
		}
	})
}

func checkReply(t *testing.T, req *request, raw []byte, m *dnsmessage.Message, out []byte, tcp bool) {
	t.Helper()
	_ = replyText(m)
	var got dnsmessage.Message
	if err := got.Unpack(out); err != nil {
		t.Fatalf("reply does not parse: %v\n%x", err, out)
	}
	echo := dnsmessage.NewBuilder(nil, dnsmessage.Header{})
	echo.StartQuestions()
	echo.Question(req.question)
	want, _ := echo.Finish()
	if !bytes.HasPrefix(out[12:], want[12:]) || !bytes.HasPrefix(raw[12:], want[12:]) {
		t.Fatalf("question not echoed byte for byte: query %x, reply %x", raw, out)
	}
	if got.Header.ID != req.header.ID || !got.Header.Response || len(got.Questions) != 1 {
		t.Fatalf("reply header %+v, %d questions", got.Header, len(got.Questions))
	}
	if !tcp && len(out) > req.udpLimit() {
		t.Fatalf("UDP reply of %d bytes, limit %d", len(out), req.udpLimit())
	}
	opts := 0
	for _, r := range got.Additionals {
		if r.Header.Type == dnsmessage.TypeOPT {
			opts++
		}
	}
	if opts != 0 && !req.edns || req.edns && opts != 1 {
		t.Fatalf("%d OPT records in the reply, query EDNS %v", opts, req.edns)
	}
}
