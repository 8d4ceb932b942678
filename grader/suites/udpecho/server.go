package udpecho

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/socklab/socklab/grader"
)

// The server checks. Each starts a fresh server, sends it datagrams
// straight from grader sockets on loopback (where UDP loses nothing), and
// compares every reply with the handout's rule.

var serverChecks = []*grader.Check{
	{
		ID: "udp-echo/server/letters", Name: "Letters are uppercased", Points: 2,
		Requirement: `"The server answers each datagram with one datagram of the same length, in which each ASCII letter a-z is replaced by A-Z." (handout §2)`,
		Handout:     secServer,
		Run:         letters,
	},
	{
		ID: "udp-echo/server/other-bytes", Name: "Every other byte is unchanged", Points: 2,
		Requirement: `"Every other byte (digits, punctuation, bytes of 0x80 and above, NUL) is sent back unchanged: the server works on bytes, not on text." (handout §2)`,
		Handout:     secServer,
		Run:         otherBytes,
	},
	{
		ID: "udp-echo/server/empty", Name: "An empty datagram gets an empty reply", Points: 1,
		Requirement: `"A datagram may be empty; its reply is an empty datagram." (handout §2)`,
		Handout:     secServer,
		Run:         empty,
	},
	{
		ID: "udp-echo/server/max-size", Name: "A 4096-byte datagram is answered whole", Points: 2,
		Requirement: `"Datagrams of up to 4096 bytes must be answered whole." (handout §2)`,
		Handout:     secServer,
		Run:         maxSize,
	},
	{
		ID: "udp-echo/server/one-reply-each", Name: "A burst of datagrams gets exactly one reply each", Points: 2,
		Requirement: `"The server answers each datagram with one datagram" (handout §2): no datagram unanswered, none answered twice.`,
		Handout:     secServer,
		Run:         oneReplyEach,
	},
	{
		ID: "udp-echo/server/interleaved-clients", Name: "Each client gets its own replies", Points: 2,
		Requirement: `"The reply goes to the address and port the datagram came from, so that many clients can use the server at once." (handout §2)`,
		Handout:     secServer,
		Run:         interleavedClients,
	},
	{
		ID: "udp-echo/server/survives-garbage", Name: "Odd datagrams do not stop the server", Points: 2,
		Requirement: `"No datagram may stop the server: a longer one may be cut to 4096 bytes, but the server keeps answering." (handout §2)`,
		Handout:     secServer,
		Run:         survivesGarbage,
	},
}

// upper is the handout's rule, written out.
func upper(p []byte) []byte {
	out := make([]byte, len(p))
	for i, c := range p {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// exchanger talks to the server from one grader socket, one datagram at a
// time, as a client would.
type exchanger struct {
	t       *grader.T
	c       *grader.UDPConn
	last    []byte // the previous reply
	replied bool   // whether there was one
}

func newExchanger(t *grader.T, srv *grader.Role) *exchanger {
	return &exchanger{t: t, c: t.DialUDP(srv)}
}

// echo sends msg and checks the reply. A second copy of the previous reply
// is skipped: answering twice is one-reply-each's business, and should
// not cost this check too.
func (x *exchanger) echo(what string, msg []byte) {
	x.c.Send(msg)
	got := x.c.Recv()
	for x.replied && bytes.Equal(got, x.last) && !bytes.Equal(got, upper(msg)) {
		got = x.c.Recv()
	}
	x.t.ExpectBytes(fmt.Sprintf("the reply to %s", what), upper(msg), got)
	x.last, x.replied = got, true
}

func letters(t *grader.T) {
	x := newExchanger(t, t.StartServer("server", "udp"))
	x.echo("a datagram of text", []byte("Hello, World! socket programming 101"))
	x.echo("a second datagram", []byte("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
}

func otherBytes(t *grader.T) {
	x := newExchanger(t, t.StartServer("server", "udp"))
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	x.echo("a datagram holding every byte value 0x00-0xff", all)
	// UTF-8 is where "uppercase the string" goes wrong: é must stay é.
	x.echo("a datagram of UTF-8 text", []byte("héllo wörld, ça va? ß"))
	// White space is bytes too: a server that strips lines loses it.
	x.echo("a datagram with spaces and a newline at its ends", []byte("  padded text \t\n"))
}

func empty(t *grader.T) {
	x := newExchanger(t, t.StartServer("server", "udp"))
	x.echo("an empty datagram", nil)
	x.echo("a datagram sent after the empty one", []byte("still there?"))
}

func maxSize(t *grader.T) {
	x := newExchanger(t, t.StartServer("server", "udp"))
	// Plain ASCII text: this check is about size, and other-bytes about
	// which bytes change.
	const text = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789.,"
	msg := make([]byte, maxDatagram)
	for i := range msg {
		msg[i] = text[t.Rand().IntN(len(text))]
	}
	copy(msg, "the textbook's recvfrom(2048) cuts this short: ")
	x.echo("a 4096-byte datagram", msg)
}

func oneReplyEach(t *grader.T) {
	srv := t.StartServer("server", "udp")
	c := t.DialUDP(srv)
	var want [][]byte
	for i := range 20 {
		msg := []byte(fmt.Sprintf("burst datagram %02d of 20", i+1))
		want = append(want, upper(msg))
		c.Send(msg)
	}
	// A last datagram marks the end: anything its reply finds still
	// unexplained is an extra reply.
	c.Send([]byte("end of burst"))
	got := [][]byte{c.Recv()} // none at all fails here, as in every check
	for string(got[len(got)-1]) != "END OF BURST" {
		d, err := c.TryRecv(grader.ReplyTimeout)
		if errors.Is(err, grader.ErrTimeout) {
			t.Fail(grader.Failure{
				Message: fmt.Sprintf("your server sent %d replies, and then nothing within %s: none was the reply to the last datagram, \"end of burst\"",
					len(got), grader.ReplyTimeout),
				Expected: "one reply to each of the 20, in any order, then \"END OF BURST\"",
				Actual:   describeReplies(got, want),
			})
		}
		if err != nil {
			c.Recv() // the server exited: fails, saying so
		}
		got = append(got, d.Data)
	}
	got = got[:len(got)-1]
	// A multithreaded server may reply out of order; UDP allows that.
	sortBytes(want)
	sortBytes(got)
	if !slices.EqualFunc(want, got, bytes.Equal) {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("20 datagrams sent at once got %d replies before the reply to a last one", len(got)),
			Expected: "one reply to each, in any order",
			Actual:   fmt.Sprintf("%q", got),
		})
	}
}

func sortBytes(s [][]byte) { slices.SortFunc(s, bytes.Compare) }

// describeReplies describes the replies got, against those wanted: how many, how
// long, and how many of them were wanted.
func describeReplies(got, want [][]byte) string {
	var sizes []string
	matched := 0
	for _, g := range got {
		sizes = append(sizes, fmt.Sprint(len(g)))
		if slices.ContainsFunc(want, func(w []byte) bool { return bytes.Equal(w, g) }) {
			matched++
		}
	}
	if len(sizes) > 10 {
		sizes = append(sizes[:10], "…")
	}
	return fmt.Sprintf("%d replies (%s bytes long), %d of them the reply to a datagram sent", len(got), strings.Join(sizes, ", "), matched)
}

func interleavedClients(t *grader.T) {
	srv := t.StartServer("server", "udp")
	clients := []*grader.UDPConn{t.DialUDP(srv), t.DialUDP(srv), t.DialUDP(srv)}
	msg := func(client, round int) []byte {
		return []byte(fmt.Sprintf("client %c, datagram %d", 'a'+client, round+1))
	}
	// Send all first, then read: a server that answers the wrong address
	// (the first client's, or a fixed port) shows at once.
	for round := range 3 {
		for i, c := range clients {
			c.Send(msg(i, round))
		}
	}
	for i, c := range clients {
		// Each client must get the replies to its own datagrams and
		// nobody else's. (A second copy of its own reply is one-reply-each's
		// business, not this check's.)
		var last []byte
		for round := 0; round < 3; {
			d, err := c.TryRecv(grader.ReplyTimeout)
			if err != nil {
				t.Fail(grader.Failure{
					Message: fmt.Sprintf("client %c (port %d) got no reply to its datagram %d within %s; replies must go to the address and port each datagram came from",
						'a'+i, c.Addr().Port(), round+1, grader.ReplyTimeout),
					Err: err,
				})
			}
			if last != nil && bytes.Equal(d.Data, last) {
				continue
			}
			t.ExpectBytes(fmt.Sprintf("reply %d received by client %c", round+1, 'a'+i), upper(msg(i, round)), d.Data)
			last = d.Data
			round++
		}
	}
}

func survivesGarbage(t *grader.T) {
	srv := t.StartServer("server", "udp")
	c := t.DialUDP(srv)
	garbage := [][]byte{
		bytes.Repeat([]byte("x"), 3*maxDatagram), // over the limit: may be cut
		{0xff, 0xfe, 0xfd, 0x00, 0xc3},           // not UTF-8
		nil,                                      // empty
		[]byte("\r\n\x00\x1b[2J"),                // control bytes
	}
	for _, g := range garbage {
		c.Send(g)
	}
	// Replies to those are allowed and not judged. The proof is that a
	// normal datagram, sent after them, is still answered; its reply is
	// the only one 12 bytes long.
	msg := []byte("still there?")
	c.Send(msg)
	got := [][]byte{c.Recv()} // none at all fails here, as in every check
	for len(got[len(got)-1]) != len(msg) {
		d, err := c.TryRecv(grader.ReplyTimeout)
		if errors.Is(err, grader.ErrTimeout) {
			t.Fail(grader.Failure{
				Message: fmt.Sprintf("your server sent %d replies, and then nothing within %s: none was the reply to the normal datagram sent after the odd ones, %q",
					len(got), grader.ReplyTimeout, msg),
				Expected: fmt.Sprintf("any replies to the odd datagrams, then %q", upper(msg)),
				Actual:   describeReplies(got, [][]byte{upper(msg)}),
			})
		}
		if err != nil {
			c.Recv() // the server exited: fails, saying so
		}
		got = append(got, d.Data)
	}
	t.ExpectBytes("the reply to a normal datagram after odd ones", upper(msg), got[len(got)-1])
}
