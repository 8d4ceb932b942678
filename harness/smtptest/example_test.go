package smtptest_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"time"

	"github.com/socklab/socklab/harness/smtptest"
)

// A server that rejects one recipient and otherwise answers as a correct
// server does; a raw client that sends one message; and what the server
// saw of the session.
func Example() {
	s, err := smtptest.NewServer(smtptest.Config{
		Extensions: []string{"8BITMIME"},
		Handler: func(ss *smtptest.Session, c smtptest.Command) smtptest.Response {
			if c.Verb == "RCPT" && strings.Contains(c.Arg, "nobody") {
				return smtptest.Response{Reply: smtptest.R(550, "5.1.1 No such user")}
			}
			return smtptest.Default(ss, c)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		log.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	reply := func() {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("S:", strings.TrimRight(line, "\r\n"))
			if len(line) < 4 || line[3] != '-' {
				return
			}
		}
	}
	reply() // the greeting
	for _, cmd := range []string{
		"EHLO client.test", "MAIL FROM:<alice@client.test>", "RCPT TO:<nobody@mx.socklab.test>",
		"RCPT TO:<bob@mx.socklab.test>", "DATA", "Subject: hi\r\n\r\n..dot\r\n.", "QUIT",
	} {
		fmt.Fprintf(c, "%s\r\n", cmd)
		reply()
	}
	// After 221 the server closes (RFC 5321 §4.1.1.10). Waiting for its
	// FIN before closing makes who closed first the same on every run.
	if _, err := r.ReadByte(); err != io.EOF {
		log.Fatalf("after 221: %v, want EOF", err)
	}
	c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		log.Fatal(err)
	}
	ss := s.Sessions()[0]
	for _, cmd := range ss.Commands() {
		fmt.Printf("%-4s %-26q %d\n", cmd.Verb, cmd.Arg, cmd.Reply.Code)
	}
	m := ss.Messages()[0]
	fmt.Printf("from %s to %q: %q, accepted: %v\n", m.From, m.To, m.Data, m.Accepted)
	fmt.Println("closed by:", ss.ClosedBy())
	// Output:
	// S: 220 mx.socklab.test ESMTP socklab
	// S: 250-mx.socklab.test
	// S: 250 8BITMIME
	// S: 250 2.1.0 Ok
	// S: 550 5.1.1 No such user
	// S: 250 2.1.5 Ok
	// S: 354 End data with <CR><LF>.<CR><LF>
	// S: 250 2.0.0 Ok: queued
	// S: 221 2.0.0 Bye
	// EHLO "client.test"              250
	// MAIL "FROM:<alice@client.test>" 250
	// RCPT "TO:<nobody@mx.socklab.test>" 550
	// RCPT "TO:<bob@mx.socklab.test>" 250
	// DATA ""                         354
	// .    ""                         250
	// QUIT ""                         221
	// from alice@client.test to ["bob@mx.socklab.test"]: "Subject: hi\r\n\r\n.dot\r\n", accepted: true
	// closed by: server
}

// Reply.Bytes writes a multi-line reply as RFC 5321 §4.2.1 has it.
func ExampleReply_Bytes() {
	fmt.Printf("%q\n", smtptest.R(250, "mx.socklab.test", "8BITMIME", "SIZE 10240000").Bytes())
	fmt.Printf("%q\n", smtptest.R(354).Bytes())
	fmt.Println(smtptest.R(421, "4.3.2 Shutting down"))
	// Output:
	// "250-mx.socklab.test\r\n250-8BITMIME\r\n250 SIZE 10240000\r\n"
	// "354\r\n"
	// 421 4.3.2 Shutting down
}

// A held greeting catches a client that sends EHLO before the greeting
// came: the server sends it only once the client is blocked waiting, and
// a command that arrived before that is Early. Here Blocked is a stub
// that reports the client blocked once it has written; the grader's
// reads the client process's state.
func ExampleResponse_hold() {
	wrote := make(chan struct{})
	s, err := smtptest.NewServer(smtptest.Config{
		Greeting: smtptest.Response{Hold: true},
		Blocked: func() bool {
			select {
			case <-wrote:
				return true
			default:
				return false
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		log.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "EHLO too.early\r\nQUIT\r\n") // before reading the greeting
	close(wrote)
	r := bufio.NewReader(c)
	for range 3 {
		line, _ := r.ReadString('\n')
		fmt.Println(strings.TrimRight(line, "\r\n"))
	}
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.WaitIdle(ctx)
	for _, cmd := range s.Sessions()[0].Commands() {
		fmt.Println(cmd.Verb, "early:", cmd.Early)
	}
	// Output:
	// 220 mx.socklab.test ESMTP socklab
	// 250 mx.socklab.test
	// 221 2.0.0 Bye
	// EHLO early: true
	// QUIT early: false
}

// A server that shuts down in the middle of a session: it answers MAIL
// with 421 and closes (FIN). It reads on until the client closes too, so
// that a client that sends more anyway is caught: what it sent is logged,
// AfterClose, and never answered.
func ExampleResponse_close() {
	s, err := smtptest.NewServer(smtptest.Config{
		Handler: func(ss *smtptest.Session, c smtptest.Command) smtptest.Response {
			if c.Verb == "MAIL" {
				return smtptest.Response{Reply: smtptest.R(421, "4.3.2 Shutting down"), Close: true}
			}
			return smtptest.Default(ss, c)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		log.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	for _, cmd := range []string{"", "HELO client.test", "MAIL FROM:<a@client.test>"} {
		if cmd != "" {
			fmt.Fprintf(c, "%s\r\n", cmd)
		}
		line, _ := r.ReadString('\n')
		fmt.Println("S:", strings.TrimRight(line, "\r\n"))
	}
	if _, err := r.ReadByte(); err != nil {
		fmt.Println("then:", err) // the server's FIN
	}
	fmt.Fprintf(c, "RCPT TO:<b@mx.socklab.test>\r\n") // a client that does not listen
	c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		log.Fatal(err)
	}
	ss := s.Sessions()[0]
	for _, cmd := range ss.Commands() {
		fmt.Println(cmd.Verb, cmd.Reply.Code, "after close:", cmd.AfterClose)
	}
	fmt.Println("closed by:", ss.ClosedBy())
	// Output:
	// S: 220 mx.socklab.test ESMTP socklab
	// S: 250 mx.socklab.test
	// S: 421 4.3.2 Shutting down
	// then: EOF
	// HELO 250 after close: false
	// MAIL 421 after close: false
	// RCPT 0 after close: true
	// closed by: server
}
