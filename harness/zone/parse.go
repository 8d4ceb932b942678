package zone

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
)

// ParseFile reads the zone file at path.
func ParseFile(path string) (*Zone, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	return ParseString(string(b), path)
}

// Parse reads a zone file from r; file names it in errors.
func Parse(r io.Reader, file string) (*Zone, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("zone: reading %s: %w", file, err)
	}
	return ParseString(string(b), file)
}

// ParseString reads a zone file held in src; file names it in errors.
// Errors are *Error, with the line and column of the mistake.
func ParseString(src, file string) (*Zone, error) {
	p := &parser{lex: newLexer(src, file), file: file}
	for {
		e, err := p.lex.next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		if err := p.entry(e); err != nil {
			return nil, err
		}
	}
	return p.finish()
}

// parser holds what one entry leaves for the next: the origin, the
// default TTL, the previous owner and TTL.
type parser struct {
	lex     *lexer
	file    string
	origin  string // "" until $ORIGIN or an SOA sets it
	ttl     uint32 // from $TTL
	hasTTL  bool
	lastTTL uint32 // the last TTL written on a record (RFC 1035 §5.1)
	hasLast bool
	owner   string // the previous record's owner, for a blank one
	records []Record
	at      []token // where each record starts, for errors found later
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return newError(p.file, t.line, t.col, format, args...)
}

func (p *parser) entry(e *entry) error {
	first := e.tokens[0]
	if !e.blank && strings.HasPrefix(first.text, "$") && !first.quoted {
		return p.directive(e)
	}
	return p.record(e)
}

// directive handles $ORIGIN and $TTL (RFC 1035 §5.1, RFC 2308 §4).
func (p *parser) directive(e *entry) error {
	d, args := e.tokens[0], e.tokens[1:]
	switch strings.ToUpper(d.text) {
	case "$ORIGIN":
		if len(args) != 1 {
			return p.errorf(d, "$ORIGIN takes one name, as in \"$ORIGIN example.com.\"")
		}
		name, err := p.name(args[0])
		if err != nil {
			return err
		}
		p.origin = name
	case "$TTL":
		if len(args) != 1 {
			return p.errorf(d, "$TTL takes one time, as in \"$TTL 3600\" or \"$TTL 1h\"")
		}
		ttl, err := p.ttlValue(args[0])
		if err != nil {
			return err
		}
		p.ttl, p.hasTTL = ttl, true
	case "$INCLUDE", "$GENERATE":
		return p.errorf(d, "%s is not supported: put every record in this one file", d.text)
	default:
		return p.errorf(d, "unknown directive %s (want $ORIGIN or $TTL)", d.text)
	}
	return nil
}

// record handles "[owner] [ttl] [class] type rdata", the TTL and the class
// in either order (RFC 1035 §5.1).
func (p *parser) record(e *entry) error {
	toks := e.tokens
	var owner string
	if e.blank {
		if p.owner == "" {
			return p.errorf(toks[0], "this line starts with white space, so its owner is the previous record's, but there is no previous record")
		}
		owner = p.owner
	} else {
		name, err := p.name(toks[0])
		if err != nil {
			return err
		}
		owner, toks = name, toks[1:]
	}

	ttl, hasTTL, toks, err := p.ttlAndClass(toks)
	if err != nil {
		return err
	}
	if len(toks) == 0 {
		last := e.tokens[len(e.tokens)-1]
		return p.errorf(last, "a record needs a type after its owner, TTL and class (A, AAAA, NS, CNAME, MX, TXT or SOA)")
	}
	typeTok, rdata := toks[0], toks[1:]

	if !hasTTL {
		switch {
		case p.hasTTL:
			ttl = p.ttl
		case p.hasLast:
			ttl = p.lastTTL
		default:
			return p.errorf(e.tokens[0], "no TTL for this record: write one on it, or put \"$TTL 3600\" at the top of the file")
		}
	} else {
		p.lastTTL, p.hasLast = ttl, true
	}

	data, err := p.rdata(typeTok, rdata)
	if err != nil {
		return err
	}
	if data.Type() == TypeSOA && p.origin == "" {
		p.origin = owner // later relative names are relative to the zone
	}
	p.owner = owner
	p.records = append(p.records, Record{Name: owner, TTL: ttl, Data: data})
	p.at = append(p.at, e.tokens[0])
	return nil
}

// ttlAndClass reads the optional TTL and class, in either order, and
// returns the tokens after them.
func (p *parser) ttlAndClass(toks []token) (ttl uint32, hasTTL bool, rest []token, err error) {
	hasClass := false
	for len(toks) > 0 && !toks[0].quoted {
		t := toks[0]
		switch {
		case !hasTTL && isDigit(t.text[0]):
			if ttl, err = p.ttlValue(t); err != nil {
				return 0, false, nil, err
			}
			hasTTL = true
		case !hasClass && strings.EqualFold(t.text, "IN"):
			hasClass = true
		case !hasClass && isClass(t.text):
			return 0, false, nil, p.errorf(t, "class %s is not supported: only IN (the Internet)", t.text)
		default:
			return ttl, hasTTL, toks, nil
		}
		toks = toks[1:]
	}
	return ttl, hasTTL, toks, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isClass(s string) bool {
	switch strings.ToUpper(s) {
	case "CH", "CS", "HS", "ANY", "NONE":
		return true
	}
	return false
}

// rdata reads the fields after the type.
func (p *parser) rdata(typeTok token, args []token) (Data, error) {
	need := func(n int, form string) error {
		if len(args) < n {
			at := typeTok
			if len(args) > 0 {
				at = args[len(args)-1]
			}
			return p.errorf(at, "%s needs %s", strings.ToUpper(typeTok.text), form)
		}
		if len(args) > n {
			return p.errorf(args[n], "%s takes %s; this is one field too many", strings.ToUpper(typeTok.text), form)
		}
		return nil
	}
	switch strings.ToUpper(typeTok.text) {
	case "A":
		if err := need(1, "an IPv4 address, as in 192.0.2.1"); err != nil {
			return nil, err
		}
		a, err := netip.ParseAddr(args[0].text)
		if err != nil || !a.Is4() {
			return nil, p.errorf(args[0], "%q is not an IPv4 address", args[0].text)
		}
		return &A{a}, nil
	case "AAAA":
		if err := need(1, "an IPv6 address, as in 2001:db8::1"); err != nil {
			return nil, err
		}
		a, err := netip.ParseAddr(args[0].text)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return nil, p.errorf(args[0], "%q is not an IPv6 address", args[0].text)
		}
		return &AAAA{a}, nil
	case "NS":
		if err := need(1, "a host name"); err != nil {
			return nil, err
		}
		host, err := p.name(args[0])
		return &NS{host}, err
	case "CNAME":
		if err := need(1, "a target name"); err != nil {
			return nil, err
		}
		target, err := p.name(args[0])
		return &CNAME{target}, err
	case "MX":
		if err := need(2, "a preference and a host, as in \"10 mail\""); err != nil {
			return nil, err
		}
		pref, err := p.uint(args[0], 16, "an MX preference")
		if err != nil {
			return nil, err
		}
		host, err := p.name(args[1])
		return &MX{uint16(pref), host}, err
	case "TXT":
		return p.txt(typeTok, args)
	case "SOA":
		return p.soa(typeTok, args, need)
	}
	if _, err := strconv.Atoi(typeTok.text); err == nil {
		return nil, p.errorf(typeTok, "%s is where the type goes, but it is a number: is a second TTL on this line?", typeTok.text)
	}
	return nil, p.errorf(typeTok, "type %s is not supported (want A, AAAA, NS, CNAME, MX, TXT or SOA)", typeTok.text)
}

func (p *parser) txt(typeTok token, args []token) (Data, error) {
	if len(args) == 0 {
		return nil, p.errorf(typeTok, "TXT needs at least one string, as in \"v=spf1 -all\"")
	}
	d := &TXT{}
	for _, a := range args {
		s, err := p.unescape(a)
		if err != nil {
			return nil, err
		}
		if len(s) > 255 {
			return nil, p.errorf(a, "a TXT string holds at most 255 bytes; this one has %d: split it into several quoted strings", len(s))
		}
		d.Strings = append(d.Strings, s)
	}
	return d, nil
}

func (p *parser) soa(typeTok token, args []token, need func(int, string) error) (Data, error) {
	if err := need(7, "7 fields: primary server, admin mailbox, serial, refresh, retry, expire, minimum"); err != nil {
		return nil, err
	}
	mname, err := p.name(args[0])
	if err != nil {
		return nil, err
	}
	rname, err := p.name(args[1])
	if err != nil {
		return nil, err
	}
	serial, err := p.uint(args[2], 32, "a serial number")
	if err != nil {
		return nil, err
	}
	var times [4]uint32
	for i := range times {
		if times[i], err = p.ttlValue(args[3+i]); err != nil {
			return nil, err
		}
	}
	return &SOA{MName: mname, RName: rname, Serial: uint32(serial),
		Refresh: times[0], Retry: times[1], Expire: times[2], Minimum: times[3]}, nil
}

func (p *parser) uint(t token, bits int, what string) (uint64, error) {
	v, err := strconv.ParseUint(t.text, 10, bits)
	if err != nil || t.quoted {
		return 0, p.errorf(t, "%q is not %s (a whole number below 2^%d)", t.text, what, bits)
	}
	return v, nil
}

// maxTTL is the largest TTL (RFC 2181 §8).
const maxTTL = 1<<31 - 1

// ttlValue reads a time in seconds, or with units as BIND and NSD accept
// them: "3600", "1h", "1h30m", "2d" (s, m, h, d, w).
func (p *parser) ttlValue(t token) (uint32, error) {
	bad := p.errorf(t, "%q is not a time: write seconds (3600) or a time with units (1h, 30m, 1d)", t.text)
	if t.quoted || t.text == "" {
		return 0, bad
	}
	var total, n uint64
	digits := false
	for i := 0; i < len(t.text); i++ {
		c := t.text[i]
		if isDigit(c) {
			n = n*10 + uint64(c-'0')
			digits = true
			if n > maxTTL {
				return 0, p.errorf(t, "%s is more than the largest TTL, %d seconds (RFC 2181 §8)", t.text, maxTTL)
			}
			continue
		}
		unit := map[byte]uint64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}[c|0x20]
		if unit == 0 || !digits {
			return 0, bad
		}
		total += n * unit
		n, digits = 0, false
	}
	if digits {
		if total > 0 && !isDigit(t.text[0]) {
			return 0, bad
		}
		total += n
	}
	if total > maxTTL {
		return 0, p.errorf(t, "%s is more than the largest TTL, %d seconds (RFC 2181 §8)", t.text, maxTTL)
	}
	return uint32(total), nil
}

// name turns a name as written into an absolute name: "@" is the origin,
// a name without a final "." is relative to it (RFC 1035 §5.1).
func (p *parser) name(t token) (string, error) {
	if t.quoted {
		return "", p.errorf(t, "a name is not written in quotes")
	}
	s := t.text
	if s == "@" {
		if p.origin == "" {
			return "", p.errorf(t, "\"@\" stands for the origin, but none is set yet: put \"$ORIGIN example.com.\" at the top")
		}
		return p.origin, nil
	}
	if !absolute(s) {
		if p.origin == "" {
			return "", p.errorf(t, "%q is relative (it does not end in \".\"), but no origin is set yet: put \"$ORIGIN example.com.\" at the top", s)
		}
		if p.origin == "." {
			s += "."
		} else {
			s += "." + p.origin
		}
	}
	if err := checkName(s); err != nil {
		return "", p.errorf(t, "%s", err)
	}
	labels, _ := splitLabels(s) // checkName has split it once already
	return formatName(labels), nil
}

// formatName writes labels as an absolute name in one canonical way, so
// that a name reads the same however its escapes were written: bytes that
// would end a word or change its meaning are escaped, "\." "\$" "\;", and
// bytes outside printable ASCII are written \DDD (RFC 1035 §5.1).
func formatName(labels []string) string {
	if len(labels) == 0 {
		return "."
	}
	var b strings.Builder
	for _, l := range labels {
		for i := 0; i < len(l); i++ {
			c := l[i]
			switch {
			case strings.IndexByte(`.\"();@$`, c) >= 0:
				b.WriteByte('\\')
				b.WriteByte(c)
			case c <= ' ' || c > '~':
				fmt.Fprintf(&b, "\\%03d", c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('.')
	}
	return b.String()
}

// absolute reports whether a name ends in a "." that is not escaped.
func absolute(s string) bool {
	if !strings.HasSuffix(s, ".") {
		return false
	}
	backslashes := 0
	for i := len(s) - 2; i >= 0 && s[i] == '\\'; i-- {
		backslashes++
	}
	return backslashes%2 == 0
}

// checkName checks an absolute name's labels: none empty, none over 63
// bytes, and the whole at most 255 bytes on the wire (RFC 1035 §2.3.4).
func checkName(s string) error {
	if s == "." {
		return nil
	}
	labels, err := splitLabels(s)
	if err != nil {
		return err
	}
	wire := 1 // the root's zero byte
	for _, l := range labels {
		switch {
		case len(l) == 0:
			return fmt.Errorf("%q has an empty label (two dots in a row)", s)
		case len(l) > 63:
			return fmt.Errorf("%q has a label of %d bytes; the most is 63 (RFC 1035 §2.3.4)", s, len(l))
		}
		wire += 1 + len(l)
	}
	if wire > 255 {
		return fmt.Errorf("%q is %d bytes long on the wire; the most is 255 (RFC 1035 §2.3.4)", s, wire)
	}
	return nil
}

// splitLabels splits an absolute name into its labels, with escapes
// (\. \\ \DDD) decoded.
func splitLabels(s string) ([]string, error) {
	var labels []string
	var cur []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b, n, err := escape(s[i:])
			if err != nil {
				return nil, fmt.Errorf("%q: %v", s, err)
			}
			cur = append(cur, b)
			i += n - 1
		case c == '.':
			labels = append(labels, string(cur))
			cur = nil
		default:
			cur = append(cur, c)
		}
	}
	if len(cur) > 0 {
		labels = append(labels, string(cur))
	}
	return labels, nil
}

// escape decodes the escape at the start of s ("\X" or "\DDD") and says
// how many bytes it took (RFC 1035 §5.1).
func escape(s string) (byte, int, error) {
	if len(s) < 2 {
		return 0, 0, fmt.Errorf("a \"\\\" at the end")
	}
	if !isDigit(s[1]) {
		return s[1], 2, nil
	}
	if len(s) < 4 || !isDigit(s[2]) || !isDigit(s[3]) {
		return 0, 0, fmt.Errorf("\\DDD needs three digits")
	}
	v, _ := strconv.Atoi(s[1:4])
	if v > 255 {
		return 0, 0, fmt.Errorf("\\%s is over \\255", s[1:4])
	}
	return byte(v), 4, nil
}

// unescape decodes a character-string's escapes.
func (p *parser) unescape(t token) (string, error) {
	var b []byte
	s := t.text
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b = append(b, s[i])
			continue
		}
		c, n, err := escape(s[i:])
		if err != nil {
			return "", p.errorf(t, "%v", err)
		}
		b = append(b, c)
		i += n - 1
	}
	return string(b), nil
}

// finish checks the zone as a whole (RFC 1035 §5.2; RFC 1034 §3.6.2;
// RFC 2181 §5) and returns it.
func (p *parser) finish() (*Zone, error) {
	z := &Zone{}
	for i, r := range p.records {
		if r.Type() != TypeSOA {
			continue
		}
		if z.Origin != "" {
			return nil, p.errorf(p.at[i], "a second SOA record: a zone has exactly one")
		}
		z.Origin = r.Name
	}
	if z.Origin == "" {
		end := token{line: p.lex.line, col: 1}
		return nil, p.errorf(end, "the zone has no SOA record: its first record should be \"@ IN SOA ...\"")
	}
	var kept []Record
	for i, r := range p.records {
		if !InZone(r.Name, z.Origin) {
			return nil, p.errorf(p.at[i], "%s is outside the zone %s (the owner of the SOA record)", r.Name, z.Origin)
		}
		if err := p.fits(kept, r, p.at[i]); err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(kept, func(k Record) bool { return sameRecord(k, r) }) {
			kept = append(kept, r) // RFC 2181 §5: a duplicate is the same record
		}
	}
	z.Records = kept
	return z, nil
}

// fits checks r against the records before it: a CNAME is alone at its
// name (RFC 1034 §3.6.2, RFC 2181 §10.1), and the records of one RRset
// share a TTL (RFC 2181 §5.2).
func (p *parser) fits(before []Record, r Record, at token) error {
	for _, k := range before {
		if !Equal(k.Name, r.Name) {
			continue
		}
		switch {
		case k.Type() == TypeCNAME && r.Type() == TypeCNAME && !sameRecord(k, r):
			return p.errorf(at, "a second CNAME at %s: a name is an alias of one name only (RFC 1034 §3.6.2)", r.Name)
		case (k.Type() == TypeCNAME) != (r.Type() == TypeCNAME):
			return p.errorf(at, "%s has a CNAME and other records: an alias can have no other data (RFC 1034 §3.6.2)", r.Name)
		case k.Type() == r.Type() && k.TTL != r.TTL:
			return p.errorf(at, "the %s records of %s have TTLs %d and %d: the records of one set share one TTL (RFC 2181 §5.2)", r.Type(), r.Name, k.TTL, r.TTL)
		}
	}
	return nil
}

// sameRecord reports whether two records are one: the same name, type and
// data, where names in the data compare without case and text with it.
func sameRecord(a, b Record) bool {
	if !Equal(a.Name, b.Name) || a.Type() != b.Type() {
		return false
	}
	if a.Type() == TypeTXT {
		return a.Data.String() == b.Data.String()
	}
	return Equal(a.Data.String(), b.Data.String())
}
