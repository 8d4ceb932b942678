package dns

import (
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// These tests check the transport and malformed-message checks' own
// tools, without a server: that each message the malformed checks send is
// one an independent, strict parser (dnsmessage) refuses, and that the
// compression check's explanation points at the right name.

// parse reads a whole message with dnsmessage, every section.
func parse(msg []byte) error {
	var p dnsmessage.Parser
	if _, err := p.Start(msg); err != nil {
		return err
	}
	if _, err := p.AllQuestions(); err != nil {
		return err
	}
	if _, err := p.AllAnswers(); err != nil {
		return err
	}
	if _, err := p.AllAuthorities(); err != nil {
		return err
	}
	_, err := p.AllAdditionals()
	return err
}

func TestMalformedMessagesAreMalformed(t *testing.T) {
	for _, tt := range []struct {
		name     string
		variants func(uint16) []malformedMsg
	}{
		{"short-header", shortHeaders},
		{"label-too-long", longLabels},
		{"name-too-long", longNames},
		{"pointer-loop", pointerLoops},
		{"pointer-out-of-range", pointersOutOfRange},
		{"truncated-question", truncatedQuestions},
		{"truncated-record", truncatedRecords},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range tt.variants(0x1234) {
				if err := parse(m.msg); err == nil {
					t.Errorf("%s (% x) parses", m.what, m.msg)
				}
				if len(m.msg) >= 2 && (m.msg[0] != 0x12 || m.msg[1] != 0x34) {
					t.Errorf("%s: the ID is % x, not the one asked for", m.what, m.msg[:2])
				}
			}
		})
	}
}

// TestMalformedMessagesAreNearlyGood checks that each bad message is bad
// in one place only: mended there, it parses. So a server that rejects
// it rejects it for the reason the check names.
func TestMalformedMessagesAreNearlyGood(t *testing.T) {
	mended := map[string][]byte{
		"label 0x40":     cat(header(1, 1, 0, 0, 0), []byte{63}, []byte(strings.Repeat("a", 63)), wireName(zoneLabels...), typeClass(dnsmessage.TypeA)),
		"name 255 bytes": cat(header(1, 1, 0, 0, 0), wireName(append([]string{strings.Repeat("x", 63), strings.Repeat("x", 63), strings.Repeat("x", 63), strings.Repeat("y", 49)}, zoneLabels...)...), typeClass(dnsmessage.TypeA)),
		"question whole": cat(header(1, 1, 0, 0, 0), wireName(append([]string{"mail"}, zoneLabels...)...), typeClass(dnsmessage.TypeA)),
		"OPT whole": cat(header(1, 1, 0, 0, 1), wireName(append([]string{"mail"}, zoneLabels...)...), typeClass(dnsmessage.TypeA),
			[]byte{0, 0x00, 0x29, 0x04, 0xd0, 0, 0, 0, 0, 0x00, 0x04, 0x00, 0x0a, 0x00, 0x00}),
	}
	for name, msg := range mended {
		if err := parse(msg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(longNames(1)[0].msg) - 12 - 4; n != 256 {
		t.Errorf("the name just over the limit is %d bytes, want 256", n)
	}
}

func TestUncompressed(t *testing.T) {
	build := func(compress bool) []byte {
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 1, Response: true})
		if compress {
			b.EnableCompression()
		}
		must(b.StartQuestions())
		must(b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(origin), Type: dnsmessage.TypeMX, Class: dnsmessage.ClassINET}))
		must(b.StartAnswers())
		h := dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(origin), Class: dnsmessage.ClassINET, TTL: 60}
		must(b.MXResource(h, dnsmessage.MXResource{Pref: 10, MX: dnsmessage.MustNewName("mail." + origin)}))
		must(b.StartAdditionals())
		h.Name = dnsmessage.MustNewName("mail." + origin)
		must(b.AResource(h, dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}}))
		msg, err := b.Finish()
		must(err)
		return msg
	}
	if got := uncompressed(build(true)); got != "" {
		t.Errorf("a compressed message: %q, want nothing", got)
	}
	// The question's name is at byte 12; the MX record's owner, right
	// after the question (12 + 13 + 4), repeats it.
	got := uncompressed(build(false))
	if want := "at byte 29 the name example.org. spells out \"example.org.\" (13 bytes), which is already at byte 12"; !strings.HasPrefix(got, want) {
		t.Errorf("an uncompressed message:\n got %q\nwant %q...", got, want)
	}
	// Cut short, the message cannot be walked: no explanation, no panic.
	if got := uncompressed(build(false)[:40]); got != "" {
		t.Errorf("a message cut short: %q, want nothing", got)
	}
	for n := range 40 {
		uncompressed(build(false)[:n])
	}
}

func TestAskedFor(t *testing.T) {
	q := query{ID: 7, Name: "www." + origin, Type: dnsmessage.TypeA, RD: true}
	msg := q.pack()
	if !askedFor(msg, q) {
		t.Error("a query does not ask for its own question")
	}
	upper := q
	upper.Name = "WWW.Example.ORG."
	if !askedFor(upper.pack(), q) {
		t.Error("names must compare without regard to case")
	}
	other := q
	other.Type = dnsmessage.TypeAAAA
	if askedFor(other.pack(), q) {
		t.Error("another type asks for the same question")
	}
	if askedFor(msg[:20], q) {
		t.Error("a message cut inside its question asks for it")
	}
}
