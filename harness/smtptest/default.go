package smtptest

import (
	"strings"
)

// A Handler decides the Response to each command. It is called for every
// command line, and once more with Verb "." when a message's data has been
// read to its final "." line; not for commands that arrive after the
// server closed (AfterClose).
//
// It runs on its session's goroutine, so the next command waits for it;
// it may read the session's state (Mail, Recipients, Message) as the
// commands before it left it. It may block, on a channel the check closes
// for instance, but it MUST return once its check is over: Close waits
// for one only a short while (see Server.Close). A handler that panics is
// recovered: its session is closed without a reply, and the panic is
// reported by Server.Err.
type Handler func(s *Session, c Command) Response

// Default answers as a correct RFC 5321 server does; a check's Handler
// calls it for the commands it does not script:
//
//   - EHLO domain: 250, first line Config.Hostname, then one line per
//     Config.Extensions (a multi-line reply); HELO domain: 250 Hostname;
//     both end any transaction. EHLO or HELO without argument: 501.
//   - MAIL FROM:<path>[ params]: 250 "2.1.0 Ok"; 503 if no EHLO or HELO
//     came yet, or a transaction is already open; 501 if the syntax is
//     wrong (§4.1.1.2: "FROM:" in any case, then the path in angle
//     brackets at once, no space; "MAIL FROM:<>" is valid, the null
//     path; then nothing, or a space and parameters).
//   - RCPT TO:<path>[ params]: 250 "2.1.5 Ok"; 503 without MAIL first;
//     501 if the syntax is wrong ("TO:<>" included: a forward-path is
//     never null).
//   - DATA: 354 "End data with <CR><LF>.<CR><LF>" if at least one
//     recipient was accepted; 554 "5.5.1 No valid recipients" if MAIL
//     came but none was; 503 without MAIL; 501 with an argument. After
//     354 the server reads data lines until one that is exactly "."
//     (ended with CRLF, or with a bare LF, which is recorded), then calls
//     the handler with Verb ".".
//   - ".": 250 "2.0.0 Ok: queued".
//   - RSET: 250, and the transaction ends. NOOP: 250. VRFY: 252. QUIT:
//     221 "2.0.0 Bye" with Close. Anything else: 500 "5.5.2 Command not
//     recognized". A line over 1000 octets, line end included: 500
//     "5.5.6 Line too long".
//
// Default only answers; the server keeps the state, from the answer the
// Handler gave, whoever wrote it: a RCPT answered 2xx adds the recipient,
// MAIL answered 2xx opens the transaction (and drops the recipients of
// any before), DATA answered 354 starts reading data, "." answered 2xx
// sets Message.Accepted; EHLO, HELO and RSET answered 2xx end the
// transaction, and so does the end of data, however it was answered. So a
// check can reject one recipient with 550 and the state follows.
func Default(s *Session, c Command) Response {
	if len(c.Line) > maxCommandLine {
		return Response{Reply: replyTooLong}
	}
	p, rcpts := s.state()
	switch c.Verb {
	case "EHLO", "HELO":
		if c.Arg == "" {
			return Response{Reply: replyHelloArg}
		}
		lines := []string{s.srv.cfg.Hostname}
		if c.Verb == "EHLO" {
			lines = append(lines, s.srv.cfg.Extensions...)
		}
		return Response{Reply: R(250, lines...)}
	case "MAIL":
		_, _, ok := parsePath(c.Arg, "FROM:")
		switch {
		case p == phaseGreeting:
			return Response{Reply: replyNoHello}
		case p >= phaseMail:
			return Response{Reply: replyNested}
		case !ok:
			return Response{Reply: replyMailSyntax}
		}
		return Response{Reply: replyMailOK}
	case "RCPT":
		path, _, ok := parsePath(c.Arg, "TO:")
		switch {
		case p < phaseMail:
			return Response{Reply: replyNeedMail}
		case !ok || path == "":
			return Response{Reply: replyRcptSyntax}
		}
		return Response{Reply: replyRcptOK}
	case "DATA":
		switch {
		case p < phaseMail:
			return Response{Reply: replyNeedMail}
		case c.Arg != "":
			return Response{Reply: replyDataArg}
		case rcpts == 0:
			return Response{Reply: replyNoRcpt}
		}
		return Response{Reply: replyStartData}
	case ".":
		return Response{Reply: replyQueued}
	case "RSET", "NOOP":
		return Response{Reply: replyOK}
	case "VRFY":
		return Response{Reply: replyVrfy}
	case "QUIT":
		return Response{Reply: replyBye, Close: true}
	}
	return Response{Reply: replyUnknown}
}

// parsePath reads the argument of MAIL or RCPT as RFC 5321 §4.1.1.2 and
// §4.1.1.3 have it: keyword ("FROM:" or "TO:", in any case), then
// "<path>" at once, then nothing or a space and parameters. It returns
// the path without its brackets and the parameters. The path is taken
// up to the first ">", and may hold no space or "<": a quoted local part
// that holds either is not one a grader needs.
func parsePath(arg, keyword string) (path, params string, ok bool) {
	if len(arg) < len(keyword) || !strings.EqualFold(arg[:len(keyword)], keyword) {
		return "", "", false
	}
	rest, found := strings.CutPrefix(arg[len(keyword):], "<")
	if !found {
		return "", "", false
	}
	path, after, found := strings.Cut(rest, ">")
	if !found || strings.ContainsAny(path, "< \t") {
		return "", "", false
	}
	if after == "" {
		return path, "", true
	}
	params = strings.TrimLeft(after, " ")
	if after[0] != ' ' || params == "" {
		return "", "", false
	}
	return path, params, true
}

// loosePath reads a path as well as it can, for a command that a Handler
// accepted though its syntax is wrong ("MAIL FROM: <a@b>"): the state
// follows the answer, and the log shows what the client meant.
func loosePath(arg, keyword string) (path, params string) {
	if path, params, ok := parsePath(arg, keyword); ok {
		return path, params
	}
	if len(arg) >= len(keyword) && strings.EqualFold(arg[:len(keyword)], keyword) {
		arg = arg[len(keyword):]
	}
	path, params, _ = strings.Cut(strings.TrimLeft(arg, " "), " ")
	path = strings.TrimSuffix(strings.TrimPrefix(path, "<"), ">")
	return path, strings.TrimLeft(params, " ")
}

// A phase is where a session is in RFC 5321's order of commands
// (§4.1.4): a greeting first, then transactions of MAIL, RCPTs, DATA.
type phase int

const (
	phaseGreeting phase = iota // no EHLO or HELO accepted yet
	phaseReady                 // greeted, no transaction open
	phaseMail                  // MAIL accepted: a transaction is open, RCPTs may follow
	phaseData                  // DATA accepted with 354: data lines until "."
)

// next is the one guard of a session's state: the phase that follows p
// once command verb has been answered with code. Recipients are counted
// apart (see Session.apply); a transaction ends whenever next leaves
// phaseMail or phaseData for an earlier phase, or MAIL opens a new one.
func (p phase) next(verb string, code int) phase {
	ok := code/100 == 2
	switch {
	case (verb == "EHLO" || verb == "HELO") && ok:
		return phaseReady
	case verb == "MAIL" && ok:
		return phaseMail
	case verb == "DATA" && code == 354:
		return phaseData
	case verb == "." && p == phaseData:
		return phaseReady
	case verb == "RSET" && ok && p != phaseGreeting:
		return phaseReady
	}
	return p
}

// The replies the server sends of its own accord, and Default's.
var (
	replyTooLong    = R(500, "5.5.6 Line too long")
	replyUnknown    = R(500, "5.5.2 Command not recognized")
	replyTooBig     = R(552, "5.3.4 Message too big")
	replyOK         = R(250, "2.0.0 Ok")
	replyMailOK     = R(250, "2.1.0 Ok")
	replyRcptOK     = R(250, "2.1.5 Ok")
	replyQueued     = R(250, "2.0.0 Ok: queued")
	replyStartData  = R(354, "End data with <CR><LF>.<CR><LF>")
	replyNoRcpt     = R(554, "5.5.1 No valid recipients")
	replyNoHello    = R(503, "5.5.1 Error: send HELO/EHLO first")
	replyNested     = R(503, "5.5.1 Error: nested MAIL command")
	replyNeedMail   = R(503, "5.5.1 Error: need MAIL command")
	replyVrfy       = R(252, "2.0.0 Cannot VRFY user, but will accept message and attempt delivery")
	replyBye        = R(221, "2.0.0 Bye")
	replyHelloArg   = R(501, "5.5.4 Syntax: EHLO/HELO hostname")
	replyMailSyntax = R(501, "5.5.4 Syntax: MAIL FROM:<address>")
	replyRcptSyntax = R(501, "5.5.4 Syntax: RCPT TO:<address>")
	replyDataArg    = R(501, "5.5.4 Syntax: DATA, without arguments")
)
