package smtptest

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestReplyBytes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		reply Reply
		want  string
	}{
		{"one line", R(250, "2.1.0 Ok"), "250 2.1.0 Ok\r\n"},
		{"code alone", R(354), "354\r\n"},
		{"multi-line", R(250, "mx.test", "8BITMIME", "SIZE 1000"), "250-mx.test\r\n250-8BITMIME\r\n250 SIZE 1000\r\n"},
		{"empty lines", R(250, "", ""), "250-\r\n250\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			same(t, "Bytes", string(tt.reply.Bytes()), tt.want)
			same(t, "String", tt.reply.String(), tt.want[:strings.Index(tt.want, "\r\n")])
		})
	}
}

func TestSegments(t *testing.T) {
	b := []byte("250-a\r\n250 bc\r\n")
	for _, tt := range []struct {
		name      string
		linePaced bool
		slice     int
		want      [][]string
	}{
		{"whole", false, 0, [][]string{{"250-a\r\n250 bc\r\n"}}},
		{"sliced", false, 6, [][]string{{"250-a\r", "\n250 b", "c\r\n"}}},
		{"lines", true, 0, [][]string{{"250-a\r\n"}, {"250 bc\r\n"}}},
		{"lines sliced", true, 4, [][]string{{"250-", "a\r\n"}, {"250 ", "bc\r\n"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got [][]string
			for _, line := range segments(b, tt.linePaced, tt.slice) {
				var segs []string
				for _, s := range line {
					segs = append(segs, string(s))
				}
				got = append(got, segs)
			}
			same(t, "segments", got, tt.want)
		})
	}
	same(t, "a last line without LF", len(segments([]byte("250 a\r\n250"), true, 0)), 2)
}

func TestParseCommand(t *testing.T) {
	for _, tt := range []struct {
		line string
		want Command
	}{
		{"EHLO client.test\r\n", Command{Verb: "EHLO", Arg: "client.test"}},
		{"mail FROM:<a@b> BODY=8BITMIME\r\n", Command{Verb: "MAIL", Arg: "FROM:<a@b> BODY=8BITMIME"}},
		{"RCPT   TO:<b@c>\n", Command{Verb: "RCPT", Arg: "TO:<b@c>", BareLF: true}},
		{"QUIT", Command{Verb: "QUIT"}},
		{"\r\n", Command{}},
		{" NOOP\r\n", Command{Arg: "NOOP"}},
		{"NOOP\r\r\n", Command{Verb: "NOOP\r"}},
		{".\r\n", Command{Verb: "."}},
		{"dätä\r\n", Command{Verb: "DäTä"}},
	} {
		t.Run(tt.line, func(t *testing.T) {
			tt.want.Line = []byte(tt.line)
			same(t, "command", parseCommand([]byte(tt.line)), tt.want)
		})
	}
}

func TestParsePath(t *testing.T) {
	for _, tt := range []struct {
		arg, keyword, path, params string
		ok                         bool
	}{
		{"FROM:<a@b>", "FROM:", "a@b", "", true},
		{"from:<a@b>", "FROM:", "a@b", "", true},
		{"FROM:<>", "FROM:", "", "", true},
		{"FROM:<a@b> BODY=8BITMIME SIZE=10", "FROM:", "a@b", "BODY=8BITMIME SIZE=10", true},
		{"FROM:<a@b>  SIZE=10", "FROM:", "a@b", "SIZE=10", true},
		{"FROM: <a@b>", "FROM:", "", "", false},
		{"FROM:a@b", "FROM:", "", "", false},
		{"FROM:<a@b", "FROM:", "", "", false},
		{"FROM:<a@b>x", "FROM:", "", "", false},
		{"FROM:<a@b> ", "FROM:", "", "", false},
		{"FROM:<a b@c>", "FROM:", "", "", false},
		{"FROM<a@b>", "FROM:", "", "", false},
		{"TO:<b@c>", "TO:", "b@c", "", true},
		{"TO:<@relay:b@c>", "TO:", "@relay:b@c", "", true},
		{"", "TO:", "", "", false},
	} {
		path, params, ok := parsePath(tt.arg, tt.keyword)
		if path != tt.path || params != tt.params || ok != tt.ok {
			t.Errorf("parsePath(%q, %q) = %q, %q, %v; want %q, %q, %v", tt.arg, tt.keyword, path, params, ok, tt.path, tt.params, tt.ok)
		}
	}
	if path, params := loosePath("FROM: <a@b>  BODY=7BIT", "FROM:"); path != "a@b" || params != "BODY=7BIT" {
		t.Errorf("loosePath of a space after the colon: %q, %q", path, params)
	}
}

// TestReadData reads data lines as RFC 5321 §4.5.2 has them: a "." line
// ends, a stuffed dot is removed, a line that only looks like the end
// (".x", " .", a "." inside a long line) is data.
func TestReadData(t *testing.T) {
	long := strings.Repeat("x", maxLineRead) + ".\r\n" // its second piece is ".\r\n"
	for _, tt := range []struct {
		name, in, data, rest string
		bareLF, complete     bool
	}{
		{"plain", "a\r\nb\r\n.\r\nQUIT\r\n", "a\r\nb\r\n", "QUIT\r\n", false, true},
		{"stuffed", "..\r\n.x\r\n...\r\n.\r\n", ".\r\nx\r\n..\r\n", "", false, true},
		{"bare LF end", "a\r\n.\n", "a\r\n", "", true, true},
		{"bare LF line", "a\nb\r\n.\r\n", "a\nb\r\n", "", true, true},
		{"empty", ".\r\n", "", "", false, true},
		{"not the end", " .\r\n.\r\n", " .\r\n", "", false, true},
		{"a long line", long + ".\r\n", long, "", false, true},
		{"cut short", "a\r\n.", "a\r\n", "", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tt.in))
			var m Message
			end, err := readData(br, &m, maxData, func() {})
			if tt.complete != (err == nil) || m.Complete != tt.complete {
				t.Fatalf("readData: %v, Complete %v", err, m.Complete)
			}
			same(t, "Data", string(m.Data), tt.data)
			same(t, "BareLF", m.BareLF, tt.bareLF)
			b, _ := io.ReadAll(br)
			rest := string(b)
			same(t, "Raw + what is left", string(m.Raw)+rest, tt.in)
			same(t, "what is left", rest, tt.rest)
			if tt.complete && !bytes.HasSuffix(m.Raw, end) {
				t.Errorf("Raw %q does not end with the end line %q", m.Raw, end)
			}
		})
	}
	var m Message
	_, err := readData(bufio.NewReader(strings.NewReader(strings.Repeat("x\r\n", 10))), &m, 10, func() {})
	same(t, "data over the limit", err, errTooBig)
}

// commandSeeds are command lines as clients send them, good and bad.
var commandSeeds = []string{
	"EHLO client.test\r\n", "HELO c\r\n", "MAIL FROM:<a@b.test> BODY=8BITMIME\r\n",
	"RCPT TO:<b@c.test>\r\n", "DATA\r\n", "RSET\r\n", "NOOP\r\n", "QUIT\r\n",
	"mail from: <a@b>\n", "\r\n", "\n", ".\r\n", "EHLO\r\nMAIL FROM:<>\r\nRCPT TO:<x>\r\n",
	"QUIT", "\x16\x03\x01\x00\xa5\x01\x00", "NOOP\r\r\n", "  \t\r\n",
}

// FuzzReadCommand reads arbitrary bytes as command lines, one after
// another, and checks that the reader never panics and keeps its
// promises: the Lines are the input, in order, without a byte lost or
// added; each is one line at most maxLineRead long; and its parts are
// what the line says.
func FuzzReadCommand(f *testing.F) {
	for _, s := range commandSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(in), 16)
		var read []byte
		for {
			c, err := readCommand(br)
			read = append(read, c.Line...)
			if !bytes.HasPrefix(in, read) {
				t.Fatalf("the Lines %q are not the beginning of the input %q", read, in)
			}
			checkCommand(t, c)
			if err != nil {
				break
			}
		}
		if !bytes.Equal(read, in) {
			t.Fatalf("the Lines %q are not the input %q", read, in)
		}
	})
}

// checkCommand checks that a command's parts are its line's.
func checkCommand(t *testing.T, c Command) {
	t.Helper()
	line := string(c.Line)
	if i := strings.IndexByte(line, '\n'); len(line) > maxLineRead || i >= 0 && i != len(line)-1 {
		t.Fatalf("Line %q is not one line", line)
	}
	text, bare := line, false
	switch {
	case strings.HasSuffix(line, "\r\n"):
		text = line[:len(line)-2]
	case strings.HasSuffix(line, "\n"):
		text, bare = line[:len(line)-1], true
	}
	if c.BareLF != bare {
		t.Fatalf("BareLF %v for %q", c.BareLF, line)
	}
	if len(text) < len(c.Verb) || !strings.EqualFold(text[:len(c.Verb)], c.Verb) || upper(c.Verb) != c.Verb ||
		strings.Contains(c.Verb, " ") || !strings.HasSuffix(text, c.Arg) || strings.HasPrefix(c.Arg, " ") {
		t.Fatalf("%q parsed as Verb %q, Arg %q", line, c.Verb, c.Arg)
	}
}

// FuzzReadData reads arbitrary bytes as a message's data and checks that
// Raw and what is left are the input, and that Data is Raw unstuffed.
func FuzzReadData(f *testing.F) {
	for _, s := range []string{stuffed, "a\r\n.\n", "..\r\n.\r\nQUIT\r\n", "x", ".", "\r\n.\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(in), 16)
		var m Message
		end, err := readData(br, &m, maxData, func() {})
		rest, _ := io.ReadAll(br)
		if !bytes.Equal(append(m.Raw, rest...), in) {
			t.Fatalf("Raw %q and the rest %q are not the input %q", m.Raw, rest, in)
		}
		if (err == nil) != m.Complete || m.Complete && !isEnd(end) {
			t.Fatalf("err %v, Complete %v, end %q", err, m.Complete, end)
		}
		body := m.Raw[:len(m.Raw)-len(end)]
		var want []byte
		for _, line := range bytes.SplitAfter(body, []byte("\n")) {
			want = append(want, bytes.TrimPrefix(line, []byte("."))...)
		}
		if !bytes.Equal(m.Data, want) {
			t.Fatalf("Data %q, want %q", m.Data, want)
		}
	})
}
