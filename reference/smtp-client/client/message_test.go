package main

import (
	"errors"
	"strings"
	"testing"
)

func TestPrepareMessage(t *testing.T) {
	longest := strings.Repeat("x", maxTextLine)
	tests := []struct {
		name     string
		in       string
		data     string
		eightBit bool
	}{
		{"empty", "", "", false},
		{"LF line ends", "Subject: hi\n\nbody\n", "Subject: hi\r\n\r\nbody\r\n", false},
		{"CRLF line ends, as they are", "Subject: hi\r\n\r\nbody\r\n", "Subject: hi\r\n\r\nbody\r\n", false},
		{"both", "a\r\nb\nc\r\n", "a\r\nb\r\nc\r\n", false},
		{"no line end at the end", "a\nlast", "a\r\nlast\r\n", false},
		{"one line, no line end", "x", "x\r\n", false},
		{"only a line end", "\n", "\r\n", false},
		{"empty lines", "\n\n\r\n", "\r\n\r\n\r\n", false},
		{"a dot alone", "before\n.\nafter\n", "before\r\n..\r\nafter\r\n", false},
		{"every line that begins with a dot", ".\n..\n.signature\n...\n", "..\r\n...\r\n..signature\r\n....\r\n", false},
		{"a dot at the end, without a line end", "a\n.", "a\r\n..\r\n", false},
		{"dots elsewhere", " .\na.b\n", " .\r\na.b\r\n", false},
		{"the longest line", longest + "\n", longest + "\r\n", false},
		{"the longest line, with its CR", longest + "\r\n", longest + "\r\n", false},
		{"the longest line, with a dot: 999 octets sent", "." + longest[1:] + "\n", ".." + longest[1:] + "\r\n", false},
		{"8-bit", "Subject: caf\xc3\xa9\n", "Subject: caf\xc3\xa9\r\n", true},
		{"8-bit, one byte", "\x80", "\x80\r\n", true},
		{"7-bit controls are not 8-bit", "a\tb\x00c\x7f\n", "a\tb\x00c\x7f\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := prepareMessage([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(m.data) != tt.data || m.eightBit != tt.eightBit {
				t.Errorf("got %q, 8-bit %v\nwant %q, 8-bit %v", m.data, m.eightBit, tt.data, tt.eightBit)
			}
		})
	}
}

func TestPrepareMessageRefused(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int    // the line the error names
		what string // in the error
	}{
		{"a bare CR", "Subject: a\rb\n", 1, "a bare CR"},
		{"a CR before CRLF", "ok\nline\r\r\n", 2, "a bare CR"},
		{"a CR at the end", "a\nb\r", 2, "a bare CR"},
		{"999 octets", "ok\n" + strings.Repeat("x", maxTextLine+1) + "\n", 2, "999 octets"},
		{"999 octets without a line end", strings.Repeat("x", maxTextLine+1), 1, "999 octets"},
		{"999 octets and CRLF", strings.Repeat("x", maxTextLine+1) + "\r\n", 1, "999 octets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := prepareMessage([]byte(tt.in))
			var merr *messageError
			if !errors.As(err, &merr) {
				t.Fatalf("got %q, %v; want a *messageError", m.data, err)
			}
			if merr.line != tt.line || !strings.Contains(err.Error(), tt.what) {
				t.Errorf("error %q on line %d; want %q on line %d", err, merr.line, tt.what, tt.line)
			}
		})
	}
}

// The message the server gets back, once it has undone what the client
// did (§4.5.2: "If the first character is a period and there are other
// characters on the line, the first character is deleted"), is the
// message of stdin with CRLF line ends.
func TestPrepareMessageRoundTrip(t *testing.T) {
	in := "From: alice@crepes.fr\nSubject: dots\n\n.\n..x\nend."
	m, err := prepareMessage([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.SplitAfter(string(m.data), "\r\n") {
		got = append(got, strings.TrimPrefix(line, "."))
	}
	want := strings.ReplaceAll(in, "\n", "\r\n") + "\r\n"
	if strings.Join(got, "") != want {
		t.Errorf("the server reads %q, want %q", strings.Join(got, ""), want)
	}
}
