package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzReadReply feeds readReply arbitrary bytes. It must not panic or
// hang, and must either read a reply or fail with a clear error: the
// connection closed (io.EOF, io.ErrUnexpectedEOF), or a malformedError.
// How the bytes are cut into Reads must not matter: all at once or one
// byte at a time, the same bytes give the same reply and leave the same
// bytes for the next, or fail the same way. And a reply it read, written
// out again as a server would, reads back the same.
func FuzzReadReply(f *testing.F) {
	seeds := []string{
		// Postfix
		"220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n",
		"250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n" +
			"250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
		"554 5.7.1 <unknown[192.0.2.9]>: Client host rejected: Access denied\r\n",
		"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table\r\n",
		"354 End data with <CR><LF>.<CR><LF>\r\n",
		"250 2.0.0 Ok: queued as 4F2A81C0D3\r\n221 2.0.0 Bye\r\n",
		"421 4.7.0 mail.example.org Error: too many connections from 192.0.2.9\r\n",
		// aiosmtpd
		"220 localhost Python SMTP 1.4.3\r\n",
		"250-localhost\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 HELP\r\n",
		"503 Error: need MAIL command\r\n",
		// Exim, and a multi-line refusal of the kind big providers send
		"220 mx.example.net ESMTP Exim 4.96 Tue, 01 Dec 2026 10:00:00 +0000\r\n",
		"550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n" +
			"550-5.1.1 double-checking the recipient's email address for typos or\r\n550 5.1.1 unnecessary spaces.\r\n",
		"451 4.3.0 try later\r\n",
		// the edges of the grammar
		"250\r\n",
		"250-\n250 x\n",
		"250 a\rb\r\n",
		"2500 x\r\n",
		"250-a\r\n251 b\r\n",
		"650 x\r\n",
		"250-half of a reply",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		whole := parse(string(in), false)
		one := parse(string(in), true)
		if errKind(one.err) != errKind(whole.err) {
			t.Fatalf("one byte per Read gives another error:\nwhole: %v\n  one: %v", whole.err, one.err)
		}
		if whole.err != nil {
			if kind := errKind(whole.err); kind != io.EOF && kind != io.ErrUnexpectedEOF && kind != errMalformed {
				t.Fatalf("an error of no known kind: %v", whole.err)
			}
			return
		}
		if !sameReply(one.r, whole.r) || one.rest != whole.rest {
			t.Fatalf("one byte per Read gives another reply:\nwhole: %q, rest %q\n  one: %q, rest %q",
				whole.r, whole.rest, one.r, one.rest)
		}

		r := whole.r
		if !isReplyCode(strconv.Itoa(r.Code)) || len(r.Lines) == 0 || len(r.Lines) > maxReplyLines {
			t.Fatalf("code %d, %d lines", r.Code, len(r.Lines))
		}
		for _, line := range r.Lines {
			if strings.Contains(line, "\n") || len(line) > maxReplyLine-4 {
				t.Fatalf("a line of text %q", line)
			}
		}
		enc := encodeReply(r)
		back := parse(enc+"NEXT", false)
		if back.err != nil || !sameReply(back.r, r) || back.rest != "NEXT" {
			t.Fatalf("%q, written as %q, reads back as %q, %v, rest %q", r, enc, back.r, back.err, back.rest)
		}
	})
}

// encodeReply writes r as a server would (RFC 5321 §4.2): every line but
// the last with a hyphen after the code, the last with a space, each
// ending in CRLF.
func encodeReply(r *Reply) string {
	var b strings.Builder
	for i, text := range r.Lines {
		sep := "-"
		if i == len(r.Lines)-1 {
			sep = " "
		}
		fmt.Fprintf(&b, "%d%s%s\r\n", r.Code, sep, text)
	}
	return b.String()
}

func sameReply(a, b *Reply) bool {
	return a.Code == b.Code && slices.Equal(a.Lines, b.Lines)
}
