package trace

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Quote renders bytes for a student to read: a Go-quoted string when they are
// mostly text, a hex dump prefix when they are binary, cut after about max
// characters with the full length said.
func Quote(b []byte, max int) string {
	if len(b) == 0 {
		return `""`
	}
	if !mostlyText(b) {
		return hexPrefix(b, max)
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
			fmt.Fprintf(&out, `"… (%d of %d bytes shown)`, i, len(b))
			return out.String()
		}
		out.WriteString(q)
	}
	out.WriteByte('"')
	return out.String()
}

// mostlyText says whether at least 90% of b is printable ASCII or common
// whitespace, which is when a quoted string reads better than hex.
func mostlyText(b []byte) bool {
	text := 0
	for _, c := range b {
		if (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t' {
			text++
		}
	}
	return text*10 >= len(b)*9
}

func hexPrefix(b []byte, max int) string {
	var out strings.Builder
	out.WriteString("hex ")
	for i, c := range b {
		if out.Len()+3 > max {
			fmt.Fprintf(&out, "… (%d of %d bytes shown)", i, len(b))
			return out.String()
		}
		fmt.Fprintf(&out, "%02x", c)
		if i%2 == 1 && i != len(b)-1 {
			out.WriteByte(' ')
		}
	}
	return out.String()
}
