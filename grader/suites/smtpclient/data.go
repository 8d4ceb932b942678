package smtpclient

import (
	"fmt"
	"strings"

	"github.com/socklab/socklab/grader"
)

// The envelopes and messages of the checks: drawn from the check's random
// stream, so that each check's are its own and a client cannot pass by
// knowing them, and the same on every run with one seed.

var (
	localParts = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "oscar", "peggy", "trent", "walter"}
	domains    = []string{"crepes.fr", "hamburger.edu", "cs.umass.edu", "example.com", "mail.socklab.test"}
	words      = strings.Fields(`how about pickles do you like ketchup the mail server sends messages
		to other servers over tcp a user agent hands its message to the sender's server which
		pushes it across the internet with smtp and the receiver reads it later with imap or pop`)
)

// address is a mail address of the check's own.
func address(t *grader.T) string {
	r := t.Rand()
	return fmt.Sprintf("%s%d@%s", localParts[r.IntN(len(localParts))], r.IntN(1000), domains[r.IntN(len(domains))])
}

// newEnvelope is a sender and n recipients, all different, and a name
// for EHLO.
func newEnvelope(t *grader.T, n int) envelope {
	seen := map[string]bool{}
	next := func() string {
		for {
			if a := address(t); !seen[a] {
				seen[a] = true
				return a
			}
		}
	}
	e := envelope{from: next(), helo: fmt.Sprintf("client%d.socklab.test", t.Rand().IntN(1000))}
	for range n {
		e.to = append(e.to, next())
	}
	return e
}

// sentence is a line of text from the check's random stream; it never
// begins with a dot (the dot-stuffing check writes those on purpose).
func sentence(t *grader.T) string {
	n := 3 + t.Rand().IntN(10)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[t.Rand().IntN(len(words))]
	}
	return strings.Join(ws, " ")
}

// message is an RFC 5322 message to e's recipients, each line ending in
// CR LF: header fields, an empty line, and body, or a few sentences if
// body is empty. Its To field names only the first recipient, as the
// header of a message with Bcc recipients does: the envelope, not the
// header, says where it goes (handout §4).
func message(t *grader.T, e envelope, body ...string) []byte {
	if len(body) == 0 {
		for range 3 + t.Rand().IntN(4) {
			body = append(body, sentence(t))
		}
	}
	head := []string{
		"From: " + e.from,
		"To: " + e.to[0],
		"Subject: " + sentence(t),
		"Date: Thu, 03 Dec 2026 18:00:00 +0000",
		fmt.Sprintf("Message-ID: <%d.%d@socklab.test>", t.Rand().Uint32(), t.Rand().Uint32()),
	}
	return []byte(strings.Join(append(append(head, ""), body...), "\r\n") + "\r\n")
}

// lfOnly is msg with every CR LF turned into a bare LF, as a file written
// on Linux has it.
func lfOnly(msg []byte) []byte {
	return []byte(strings.ReplaceAll(string(msg), "\r\n", "\n"))
}

// textOfLength is n bytes of sentences, on one line.
func textOfLength(t *grader.T, n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(sentence(t) + " ")
	}
	return b.String()[:n]
}
