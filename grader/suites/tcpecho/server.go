package tcpecho

import (
	"fmt"

	"github.com/socklab/socklab/grader"
)

// The server checks of §2: one connection each, to a fresh server, with
// lines that arrive whole, in pieces, several at once, and long.

var serverChecks = []*grader.Check{
	{
		ID: "tcp-echo/server/one-line", Name: "A line is answered in uppercase", Points: 2,
		Requirement: `"Each line (the bytes up to and including '\n') is answered by the same bytes, with each ASCII letter a-z replaced by A-Z." (handout §2)`,
		Handout:     secServer,
		Run:         oneLine,
	},
	{
		ID: "tcp-echo/server/other-bytes", Name: "Every other byte is unchanged", Points: 1,
		Requirement: `"Every other byte (digits, punctuation, '\r', NUL, bytes of 0x80 and above) is sent back unchanged: the server works on bytes, not on text." (handout §2)`,
		Handout:     secServer,
		Run:         otherBytes,
	},
	{
		ID: "tcp-echo/server/many-lines", Name: "A connection carries many lines", Points: 2,
		Requirement: `"Per connection, each line is answered, in order, and the server keeps reading until the client closes." (handout §2)`,
		Handout:     secServer,
		Run:         manyLines,
	},
	{
		ID: "tcp-echo/server/one-byte-segments", Name: "A line that arrives one byte at a time is answered whole", Points: 2,
		Requirement: `"Several lines may arrive in one segment and one line in many." (handout §2): one recv is not one line.`,
		Handout:     secServer,
		Run:         oneByteSegments,
	},
	{
		ID: "tcp-echo/server/split-and-coalesced", Name: "Lines split across segments and lines sharing one are answered", Points: 2,
		Requirement: `"Several lines may arrive in one segment and one line in many." (handout §2)`,
		Handout:     secServer,
		Run:         splitAndCoalesced,
	},
	{
		ID: "tcp-echo/server/long-line", Name: "A 1500-byte line is answered whole", Points: 2,
		Requirement: `"Lines may be of any length (at least 64 KiB)." (handout §2): the textbook's recv(1024) cuts this one in two.`,
		Handout:     secServer,
		Run:         longLineCheck,
	},
	{
		ID: "tcp-echo/server/very-long-line", Name: "A line of 64 KiB + 1 byte is answered whole", Points: 1,
		Requirement: `"Lines may be of any length (at least 64 KiB)." (handout §2)`,
		Handout:     secServer,
		Run:         veryLongLine,
	},
}

func oneLine(t *grader.T) {
	srv := t.StartServer("server", "tcp")
	c := dial(t, srv, "the connection")
	line := []byte("hello world, Hello TCP: socket programming 101\n")
	c.Write(line)
	c.expectLine("the line", line)
}

func otherBytes(t *grader.T) {
	srv := t.StartServer("server", "tcp")
	c := dial(t, srv, "the connection")
	// UTF-8 is where "uppercase the string" goes wrong: é must stay é.
	utf8 := []byte("héllo wörld, ça va? straße\r\n")
	c.Write(utf8)
	c.expectLine("a line of UTF-8 text ending in \\r\\n", utf8)
	// Every byte value but '\n', then '\n'.
	var all []byte
	for b := range 256 {
		if b != '\n' {
			all = append(all, byte(b))
		}
	}
	all = append(all, '\n')
	c.Write(all)
	c.expectLine("a line holding every byte value 0x00-0xff (but '\\n')", all)
}

func manyLines(t *grader.T) {
	srv := t.StartServer("server", "tcp")
	c := dial(t, srv, "the connection")
	words := []string{"alpha", "Bravo", "charlie", "Delta", "echo"}
	const n = 20
	for i := range n {
		// Each line is sent once the one before is answered: a server
		// that answers one recv and closes answers only the first.
		line := fmt.Appendf(nil, "line %02d of %d: %s and %s\n", i+1, n, words[i%len(words)], words[(i+2)%len(words)])
		c.Write(line)
		c.expectLine(fmt.Sprintf("line %d of %d", i+1, n), line)
	}
}

// bytewise cuts p into one-byte segments.
func bytewise(p []byte) [][]byte {
	segs := make([][]byte, len(p))
	for i := range p {
		segs[i] = p[i : i+1]
	}
	return segs
}

func oneByteSegments(t *grader.T) {
	srv := t.StartServer("server", "tcp")
	c := dial(t, srv, "the connection")
	for i, line := range [][]byte{[]byte("one byte per segment\n"), []byte("And Again, Byte By Byte!\n")} {
		c.sendPaced(bytewise(line)...)
		c.expectLine(fmt.Sprintf("line %d, sent one byte per segment (%d segments, each read by your server before the next was sent)", i+1, len(line)), line)
	}
}

func splitAndCoalesced(t *grader.T) {
	srv := t.StartServer("server", "tcp")
	c := dial(t, srv, "the connection")

	// One line in three segments, cut at places the seed chooses.
	line := []byte("this line is split into three segments at random places\n")
	cut := t.Rand().Perm(len(line) - 1)[:2] // two distinct cuts in 1..len-1
	i, j := 1+min(cut[0], cut[1]), 1+max(cut[0], cut[1])
	c.sendPaced(line[:i], line[i:j], line[j:])
	c.expectLine(fmt.Sprintf("a line sent in 3 segments, of %d, %d and %d bytes", i, j-i, len(line)-j), line)

	// Three lines in one segment.
	lines := [][]byte{[]byte("a\n"), []byte("Bb\n"), []byte("three lines in one segment: ccc\n")}
	var seg []byte
	for _, l := range lines {
		seg = append(seg, l...)
	}
	c.sendPaced(seg)
	for k, l := range lines {
		c.expectLine(fmt.Sprintf("line %d of 3, all sent in one segment %s", k+1, grader.Quote(seg)), l)
	}
}

func longLineCheck(t *grader.T) {
	srv := t.StartServer("server", "tcp")
	c := dial(t, srv, "the connection")
	line := longLine(t, "a line of 1500 bytes, more than the textbook's recv(1024): ", 1500)
	c.Write(line)
	c.expectLine("a 1500-byte line sent in one write", line)
	// The server must still be in step: the next line gets its own reply,
	// and nothing comes before it.
	next := []byte("and a short one after it\n")
	c.Write(next)
	c.expectLine("a short line after it", next)
}

// veryLong is the length of the longest line a server must answer whole,
// its '\n' included, plus one.
const veryLong = 64<<10 + 1

func veryLongLine(t *grader.T) {
	srv := t.StartServer("server", "tcp")
	c := dial(t, srv, "the connection")
	line := longLine(t, "a line of 64 KiB + 1 byte: ", veryLong)
	sent := c.sendInBackground(line)
	c.expectLine(fmt.Sprintf("a %d-byte line", len(line)), line)
	// The whole reply came back, so the server read the whole line: the
	// write is over or about to be.
	if err := <-sent; err != nil {
		t.GraderErrorf("the grader could not send the line, yet the reply came: %v", err)
	}
	next := []byte("and a short one after it\n")
	c.Write(next)
	c.expectLine("a short line after it", next)
}
