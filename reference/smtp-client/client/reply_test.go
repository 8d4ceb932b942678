package main

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// Each reply is read twice: from a reader that gives all it has, and from
// one that gives one byte per Read, as a server that sends one byte per
// TCP segment does. A reader that takes one Read for a line, or one line
// for a reply, fails the second.

// errMalformed stands for any *malformedError in the tables.
var errMalformed = errors.New("any malformed reply")

// errKind returns what kind of error err is: io.EOF, io.ErrUnexpectedEOF,
// errMalformed, or err itself if it is none of these, which a reader of a
// string never gives.
func errKind(err error) error {
	var merr *malformedError
	if errors.As(err, &merr) {
		return errMalformed
	}
	return err
}

// parsed is what reading one reply from a string gave.
type parsed struct {
	r    *Reply
	err  error
	rest string // what was left in the reader: the next reply
}

// parse reads one reply from in, all at once or one byte per Read.
func parse(in string, oneByte bool) parsed {
	var rd io.Reader = strings.NewReader(in)
	if oneByte {
		rd = iotest.OneByteReader(rd)
	}
	br := bufio.NewReader(rd)
	var p parsed
	p.r, p.err = readReply(br)
	rest, _ := io.ReadAll(br)
	p.rest = string(rest)
	return p
}

func TestReadReply(t *testing.T) {
	long := strings.Repeat("x", maxReplyLine-4) // with "250 ", a line of maxReplyLine octets
	tests := []struct {
		name  string
		in    string
		code  int
		lines []string
		rest  string
	}{
		{"one line", "220 mx.example.org ESMTP Postfix\r\n", 220, []string{"mx.example.org ESMTP Postfix"}, ""},
		{"EHLO, many lines",
			"250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
			250, []string{"mx.example.org", "PIPELINING", "SIZE 10240000", "8BITMIME", "SMTPUTF8"}, ""},
		{"bare LF", "250-a\n250 b\n", 250, []string{"a", "b"}, ""},
		{"the code alone", "354\r\n", 354, []string{""}, ""},
		{"a space and no text", "250 \r\n", 250, []string{""}, ""},
		{"empty continuation", "250-\r\n250 end\r\n", 250, []string{"", "end"}, ""},
		{"text that says the opposite", "550 OK\r\n", 550, []string{"OK"}, ""},
		{"a CR inside is text", "250 a\rb\r\n", 250, []string{"a\rb"}, ""},
		{"the next reply stays", "250 OK\r\n221 Bye\r\n", 250, []string{"OK"}, "221 Bye\r\n"},
		{"the longest line", "250 " + long + "\r\n", 250, []string{long}, ""},
		{"100 lines", strings.Repeat("250-x\r\n", 99) + "250 y\r\n", 250, append(slices.Repeat([]string{"x"}, 99), "y"), ""},
		{"8-bit text", "550 utilisateur inconnu: \xc3\xa9\r\n", 550, []string{"utilisateur inconnu: \xc3\xa9"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				p := parse(tt.in, oneByte)
				if p.err != nil {
					t.Fatalf("oneByte %v: %v", oneByte, p.err)
				}
				if p.r.Code != tt.code || !slices.Equal(p.r.Lines, tt.lines) || p.rest != tt.rest {
					t.Errorf("oneByte %v: got %d %q, rest %q; want %d %q, rest %q",
						oneByte, p.r.Code, p.r.Lines, p.rest, tt.code, tt.lines, tt.rest)
				}
			}
		})
	}
}

func TestReadReplyErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"nothing: closed", "", io.EOF},
		{"closed in a line", "250 O", io.ErrUnexpectedEOF},
		{"closed after a line that is not the last", "250-mx.example.org\r\n", io.ErrUnexpectedEOF},
		{"an empty line", "\r\n", errMalformed},
		{"two digits", "25 OK\r\n", errMalformed},
		{"four digits", "2500 OK\r\n", errMalformed},
		{"no separator", "250OK\r\n", errMalformed},
		{"a tab for separator", "250\tOK\r\n", errMalformed},
		{"letters", "OK 250\r\n", errMalformed},
		{"first digit 1", "150 OK\r\n", errMalformed},
		{"first digit 6", "650 OK\r\n", errMalformed},
		{"second digit 6", "260 OK\r\n", errMalformed},
		{"lines of two codes", "250-a\r\n251 b\r\n", errMalformed},
		{"an HTTP response", "HTTP/1.1 400 Bad Request\r\n", errMalformed},
		{"a line too long", "250 " + strings.Repeat("x", maxReplyLine) + "\r\n", errMalformed},
		{"a line too long, without its end", "250 " + strings.Repeat("x", 5000), errMalformed},
		{"101 lines", strings.Repeat("250-x\r\n", 100) + "250 y\r\n", errMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				p := parse(tt.in, oneByte)
				if got := errKind(p.err); got != tt.want {
					t.Errorf("oneByte %v: error %v, want %v (reply %v)", oneByte, p.err, tt.want, p.r)
				}
			}
		})
	}
}

func TestReplyKinds(t *testing.T) {
	tests := []struct {
		code                                     int
		positive, intermediate, permanent, close bool
	}{
		{220, true, false, false, false},
		{251, true, false, false, false},
		{354, false, true, false, false},
		{421, false, false, false, true},
		{451, false, false, false, false},
		{502, false, false, true, false},
		{550, false, false, true, false},
	}
	for _, tt := range tests {
		r := &Reply{Code: tt.code, Lines: []string{"text"}}
		if r.Positive() != tt.positive || r.Intermediate() != tt.intermediate || r.Permanent() != tt.permanent || r.Closing() != tt.close {
			t.Errorf("%d: Positive %v, Intermediate %v, Permanent %v, Closing %v", tt.code,
				r.Positive(), r.Intermediate(), r.Permanent(), r.Closing())
		}
	}
}

func TestReplyString(t *testing.T) {
	for _, tt := range []struct {
		r    Reply
		want string
	}{
		{Reply{550, []string{"5.1.1 <bob@example.org>: no such user", "more"}}, "550 5.1.1 <bob@example.org>: no such user"},
		{Reply{354, []string{""}}, "354"},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%v: String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}
