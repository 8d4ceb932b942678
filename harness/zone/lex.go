package zone

import (
	"strings"
)

// A token is one word of a zone file: a run of characters up to white
// space, or a quoted string. Its text is as written, escapes and all, so
// that a name keeps "\." inside a label; quoted says it was in quotes.
type token struct {
	text   string
	quoted bool
	line   int // 1-based
	col    int // 1-based, in bytes
}

// An entry is one logical line: a directive or a record, which
// parentheses may spread over several lines. blank says the line began
// with white space, so the record's owner is left out.
type entry struct {
	tokens []token
	blank  bool
	line   int
}

// lexer splits a zone file into entries (RFC 1035 §5.1): white space
// separates words, ";" starts a comment that runs to the end of the line,
// "(" and ")" let an entry go on over line ends, a quoted string may hold
// white space and ";".
type lexer struct {
	src   string
	file  string
	pos   int
	line  int
	col   int
	depth int // open parentheses: 0 or 1
	// where the open parenthesis is, for the error when it is not closed
	parenLine, parenCol int
}

func newLexer(src, file string) *lexer {
	return &lexer{src: src, file: file, line: 1, col: 1}
}

func (l *lexer) errorf(line, col int, format string, args ...any) error {
	return newError(l.file, line, col, format, args...)
}

// advance moves past one byte, keeping the line and column right.
func (l *lexer) advance() {
	if l.src[l.pos] == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	l.pos++
}

// next returns the next entry, or nil at the end of the file. Empty lines
// and lines with only a comment are skipped.
func (l *lexer) next() (*entry, error) {
	for l.pos < len(l.src) {
		// Every entry starts at the start of a line.
		e := &entry{line: l.line}
		e.blank = l.src[l.pos] == ' ' || l.src[l.pos] == '\t'
		if err := l.readEntry(e); err != nil {
			return nil, err
		}
		if len(e.tokens) > 0 {
			return e, nil
		}
	}
	return nil, nil
}

// readEntry reads words until a line ends outside parentheses.
func (l *lexer) readEntry(e *entry) error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\n':
			l.advance()
			if l.depth == 0 {
				return nil
			}
		case c == ' ' || c == '\t' || c == '\r':
			l.advance()
		case c == ';':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.advance()
			}
		case c == '(':
			if l.depth > 0 {
				return l.errorf(l.line, l.col, "nested \"(\": parentheses do not nest in a zone file")
			}
			l.depth++
			l.parenLine, l.parenCol = l.line, l.col
			l.advance()
		case c == ')':
			if l.depth == 0 {
				return l.errorf(l.line, l.col, "\")\" without a \"(\" before it")
			}
			l.depth--
			l.advance()
		case c == '"':
			t, err := l.quoted()
			if err != nil {
				return err
			}
			e.tokens = append(e.tokens, t)
		default:
			e.tokens = append(e.tokens, l.word())
		}
	}
	if l.depth > 0 {
		return l.errorf(l.parenLine, l.parenCol, "this \"(\" is never closed: a \")\" is missing")
	}
	return nil
}

// word reads an unquoted word. A backslash takes the next character with
// it, so "\;" and "\ " are part of the word.
func (l *lexer) word() token {
	t := token{line: l.line, col: l.col}
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if strings.IndexByte(" \t\r\n;()\"", c) >= 0 {
			break
		}
		if c == '\\' && l.pos+1 < len(l.src) && l.src[l.pos+1] != '\n' {
			l.advance()
		}
		l.advance()
	}
	t.text = l.src[start:l.pos]
	return t
}

// quoted reads a string in double quotes, escapes kept as written. It
// may not run past the end of its line.
func (l *lexer) quoted() (token, error) {
	t := token{line: l.line, col: l.col, quoted: true}
	l.advance() // the opening quote
	start := l.pos
	for {
		if l.pos >= len(l.src) || l.src[l.pos] == '\n' {
			return token{}, l.errorf(t.line, t.col, "a quoted string is not closed on its line")
		}
		c := l.src[l.pos]
		if c == '"' {
			t.text = l.src[start:l.pos]
			l.advance()
			return t, nil
		}
		if c == '\\' && l.pos+1 < len(l.src) && l.src[l.pos+1] != '\n' {
			l.advance()
		}
		l.advance()
	}
}
