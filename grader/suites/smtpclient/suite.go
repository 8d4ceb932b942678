// Package smtpclient grades the smtp-client assignment: an SMTP client
// over a raw TCP socket (Kurose & Ross, chapter 2, "Electronic Mail in
// the Internet"; RFC 5321, RFC 5322, RFC 6152).
//
// The contract is handouts/smtp-client.md. Each check starts the
// grader's own mail server (harness/smtptest), scripted reply by reply:
// well-behaved, or slow, or cutting its replies into one-byte segments,
// holding lines back until the client waits for them, refusing a
// recipient, hanging up. It runs the student's `bin/client` with the
// check's envelope and a message on stdin, and judges what the server
// received (each command line, byte for byte, and the message as it
// would be delivered), what the client printed on stderr, and its exit
// status.
package smtpclient

import "github.com/socklab/socklab/grader"

// Suite is the smtp-client assignment.
var Suite = &grader.Suite{
	ID:      "smtp-client",
	Title:   "SMTP client over a raw TCP socket",
	Roles:   []string{"client"},
	Handout: "handouts/smtp-client.md",
}

func init() {
	for _, group := range [][]*grader.Check{
		sessionChecks, replyChecks, envelopeChecks, messageChecks, errorChecks,
	} {
		Suite.Checks = append(Suite.Checks, group...)
	}
	grader.Register(Suite)
}

// Handout sections, as titled in handouts/smtp-client.md.
const (
	secSession  = "§2 The session"
	secReplies  = "§3 Replies"
	secEnvelope = "§4 The envelope"
	secMessage  = "§5 The message"
	secErrors   = "§6 Errors and exit status"
)
