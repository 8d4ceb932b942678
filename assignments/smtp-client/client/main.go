// Client is the starter code for the smtp-client assignment: an SMTP
// client over a raw TCP socket. Read handouts/smtp-client.md first.
//
// Usage:
//
//	client -server HOST:PORT -from ADDR -to ADDR[,ADDR...] [-helo NAME] < message
//
// As given, the client parses its flags, reads the message from stdin and
// connects to the server, but reads no reply and sends no command. Your
// job is the rest, with the socket and your own code: no SMTP library
// (net/smtp, net/textproto).
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("client: ")

	server := flag.String("server", "", "the mail server, `HOST:PORT`")
	from := flag.String("from", "", "the sender's `ADDR`, for MAIL FROM")
	to := flag.String("to", "", "the recipients, `ADDR[,ADDR...]`, for RCPT TO")
	helo := flag.String("helo", "localhost", "the `NAME` to give in EHLO or HELO")
	flag.Parse()
	if *server == "" || *from == "" || *to == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "client: need -server, -from and -to, and no other argument")
		flag.Usage()
		os.Exit(2)
	}
	recipients := strings.Split(*to, ",")
	_, _ = helo, recipients // TODO: use them (handout §2, §4)

	// The message, header fields and body, as the user wrote it.
	message, err := io.ReadAll(os.Stdin)
	if err != nil {
		log.Fatal(err)
	}
	_ = message // TODO(handout §5 "The message"): CR LF line ends, dot-stuffing

	conn, err := net.Dial("tcp", *server)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	// TODO(handout §2 "The session"): read the greeting, whole, before
	// sending anything; then EHLO (or HELO, if EHLO is refused).

	// TODO(handout §3 "Replies"): a reply may have many lines, and may
	// arrive in pieces; decide on its code, not its text.

	// TODO(handout §4 "The envelope"): MAIL FROM, one RCPT TO per
	// recipient; DATA only if one was accepted.

	// TODO(handout §6 "Errors and exit status"): QUIT, wait for 221;
	// exit 0, 3 or 1.
	log.Printf("connected to %s; sending nothing yet", conn.RemoteAddr())
	os.Exit(1)
}
