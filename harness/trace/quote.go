package trace

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quote renders bytes for a student to read: a Go-quoted string when they are
// mostly text, a hex dump prefix when they are binary, cut after about max
// characters with the full length said.
func Quote(b []byte, max int) string { return QuoteOf(b, len(b), max) }

// QuoteOf is Quote for the first bytes b of a payload of total bytes, as a
// transcript keeps them.
func QuoteOf(b []byte, total, max int) string {
	if len(b) == 0 {
		if total > 0 {
			return fmt.Sprintf("(%d bytes, none kept)", total)
		}
		return `""`
	}
	if !mostlyText(b) {
		return hexPrefix(b, total, max)
	}
	var out strings.Builder
	out.WriteByte('"')
	for i, c := range b {
		q := strconv.Quote(string([]byte{c}))
		q = q[1 : len(q)-1]
		if c >= utf8.RuneSelf {
			q = fmt.Sprintf(`\x%02x`, c)
		}
		if out.Len()+len(q) > max {
			fmt.Fprintf(&out, `"… (%d of %d bytes shown)`, i, total)
			return out.String()
		}
		out.WriteString(q)
	}
	out.WriteByte('"')
	if total > len(b) {
		fmt.Fprintf(&out, "… (%d of %d bytes shown)", len(b), total)
	}
	return out.String()
}

// mostlyText says whether at least 90% of b is printable ASCII, common
// whitespace or well-formed UTF-8, which is when a quoted string reads
// better than hex.
func mostlyText(b []byte) bool {
	text := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(b[i:])
			if r != utf8.RuneError && unicode.IsPrint(r) {
				text += size
			}
			i += size
			continue
		}
		if (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t' {
			text++
		}
		i++
	}
	return text*10 >= len(b)*9
}

func hexPrefix(b []byte, total, max int) string {
	var out strings.Builder
	out.WriteString("hex ")
	for i, c := range b {
		if out.Len()+3 > max {
			fmt.Fprintf(&out, "… (%d of %d bytes shown)", i, total)
			return out.String()
		}
		fmt.Fprintf(&out, "%02x", c)
		if i%2 == 1 && i != len(b)-1 {
			out.WriteByte(' ')
		}
	}
	if total > len(b) {
		fmt.Fprintf(&out, " … (%d of %d bytes shown)", len(b), total)
	}
	return out.String()
}
