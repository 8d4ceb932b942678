// Client is the reference solution of the smtp-client assignment
// (handouts/smtp-client.md): an SMTP client over a raw TCP socket, a
// small sendmail(1). It sends one message to a mail server, writing the
// commands and reading the replies itself, with no SMTP library: the
// dialogue of RFC 5321, the message format of RFC 5322, and the 8BITMIME
// extension of RFC 6152, as the textbook shows them (Kurose & Ross §2.3).
//
// Usage:
//
//	client -server HOST:PORT -from ADDR -to ADDR[,ADDR...] [-helo NAME] <message
//
//	-server HOST:PORT  the mail server
//	-from ADDR         the sender, for MAIL FROM
//	-to ADDR,...       the recipients, for RCPT TO, in this order
//	-helo NAME         the name given in EHLO or HELO; localhost without it
//
// stdin is the message: header fields, an empty line, the body. The
// client reads it whole, connects, and runs one session: the greeting,
// EHLO (HELO if EHLO is refused), MAIL FROM, one RCPT TO per recipient,
// DATA and the message, QUIT. It prints nothing on stdout; on stderr, each
// rejected recipient and the errors, each line beginning "client: ". The
// exit status is 0 if the message was delivered to every recipient; 3 if
// it was delivered, but some recipients were rejected; 1 if the session
// failed and nothing was delivered; and 2 for a bad command line, when
// nothing is sent.
//
// The parts, one file each:
//
//	main.go     the command line, the exit status
//	message.go  preparing the message: CRLF line ends, dot-stuffing, the limits
//	session.go  the dialogue: each command, its reply, and what the code means
//	reply.go    reading a reply, one line or many, in however many pieces
//
// Choices where the RFCs and the handout leave room:
//
//   - An address (-from, each of -to) with <, >, a space or a control
//     character in it is a bad command line, and so is an empty one: it
//     could not be sent in angle brackets as it is. It is sent as given,
//     with no quoting and no check of its syntax; the server judges it.
//     The empty reverse-path (MAIL FROM:<>, for bounces) cannot be asked
//     for. -helo follows the same rule, and -server must be HOST:PORT.
//   - The message is sent as it came but for the line ends (LF or CR LF
//     in, CR LF out) and dot-stuffing: no header field is added, none is
//     checked. A bare CR and a line of more than 998 octets are refused
//     before the client connects.
//   - The greeting must be 220. EHLO refused with any 5yz is followed by
//     HELO; a 4yz to EHLO ends the session. Of the extensions, only
//     8BITMIME is used: no SIZE parameter, no PIPELINING, no STARTTLS.
//   - A rejected recipient is reported as "client: <ADDR> rejected: 550
//     text", with the first line of the reply. A reply that ends the
//     session is reported as "client: MAIL FROM: 451 text"; the client
//     then sends QUIT, without RSET, and waits for its reply. After a 421,
//     a malformed reply or a broken connection it sends nothing more.
//   - Replies: a bare LF ends a line as CR LF does; every other byte,
//     a CR inside a line too, is text. A line may have 2048 octets, a
//     reply 100 lines. A second digit of 6 to 9 is malformed.
//   - The client waits for each reply as long as RFC 5321 §4.5.3.2 says:
//     5 minutes, 2 for DATA, 10 for the end of data; 3 minutes for each
//     write, and 30 s for the connection. Once the end of data got 2yz,
//     the message is delivered: a QUIT that goes wrong after it is only a
//     warning.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"time"
)

// The exit statuses.
const (
	exitOK       = 0 // the message was delivered to every recipient
	exitFailed   = 1 // the session failed: nothing was delivered
	exitUsage    = 2 // a bad command line: nothing was sent
	exitRejected = 3 // the message was delivered, but some recipients were rejected
)

const usage = "usage: client -server HOST:PORT -from ADDR -to ADDR[,ADDR...] [-helo NAME] <message"

// connectTimeout limits the TCP connection: a server that does not answer
// a SYN in 30 s is not there. The greeting has a timeout of its own.
const connectTimeout = 30 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stderr))
}

// run is the client with the command-line arguments args: it reads the
// message from stdin, writes its messages to stderr, and returns the exit
// status.
func run(args []string, stdin io.Reader, stderr io.Writer) int {
	logger := log.New(stderr, "client: ", 0)
	o, err := parseArgs(args)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) { // -h and -help: just the usage
			logger.Print(err)
		}
		logger.Print(usage)
		return exitUsage
	}

	// The whole message is read and prepared first: one that cannot be
	// sent is refused before the client connects, and a slow stdin does
	// not keep the server waiting in the middle of DATA.
	in, err := io.ReadAll(stdin)
	if err != nil {
		logger.Printf("reading the message: %v", err)
		return exitFailed
	}
	m, err := prepareMessage(in)
	if err != nil {
		logger.Print(err)
		return exitFailed
	}

	conn, err := net.DialTimeout("tcp", o.server, connectTimeout)
	if err != nil {
		logger.Printf("connecting to %s: %v", o.server, err)
		return exitFailed
	}
	defer conn.Close()
	return deliver(conn, o, m, logger)
}

// options is the command line, read.
type options struct {
	server string   // -server, HOST:PORT
	from   string   // -from
	to     []string // -to, in order
	helo   string   // -helo, "localhost" by default
}

// parseArgs reads the command line. Its error is a usage error.
func parseArgs(args []string) (*options, error) {
	var o options
	var to string
	flags := flag.NewFlagSet("client", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // its messages do not begin "client: "; run's do
	flags.StringVar(&o.server, "server", "", "the mail server, `HOST:PORT`")
	flags.StringVar(&o.from, "from", "", "the sender's `ADDR`")
	flags.StringVar(&to, "to", "", "the recipients, `ADDR[,ADDR...]`")
	flags.StringVar(&o.helo, "helo", "localhost", "the `NAME` to give in EHLO")
	if err := flags.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case flags.NArg() > 0:
		return nil, fmt.Errorf("an argument after the flags: %q", flags.Arg(0))
	case o.server == "":
		return nil, errors.New("no -server")
	case o.from == "":
		return nil, errors.New("no -from")
	case to == "":
		return nil, errors.New("no -to")
	}
	if host, port, err := net.SplitHostPort(o.server); err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("-server %q is not HOST:PORT", o.server)
	}
	if err := checkWord("-helo", o.helo); err != nil {
		return nil, err
	}
	if err := checkWord("-from", o.from); err != nil {
		return nil, err
	}
	o.to = strings.Split(to, ",")
	for _, addr := range o.to {
		if err := checkWord("-to", addr); err != nil {
			return nil, err
		}
	}
	return &o, nil
}

// checkWord checks the value s of flag: an address or a name, which the
// client puts in a command line as it is. It must not be empty. A space
// would end it early, a < or > would end the angle brackets around an
// address early, and a CR or LF would end the command line: "RCPT
// TO:<a@b>\r\nDATA" is two commands. The other control characters have
// no place in a command either (§4.1.2: the syntax is printable ASCII).
func checkWord(flag, s string) error {
	if s == "" {
		return fmt.Errorf("an empty address or name in %s", flag)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c == '<' || c == '>' {
			return fmt.Errorf("%s %q: no <, >, space or control character may be in it", flag, s)
		}
	}
	return nil
}
