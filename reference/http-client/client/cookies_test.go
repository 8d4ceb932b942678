package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

var testNow = time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)

func TestParseSetCookie(t *testing.T) {
	tests := []struct {
		in      string
		name    string
		value   string
		expired bool
		ok      bool
	}{
		{"session=a1b2c3", "session", "a1b2c3", false, true},
		{"session=a1b2c3; Path=/; HttpOnly", "session", "a1b2c3", false, true},
		{" session = a1b2c3 ;Secure", "session", "a1b2c3", false, true},
		{"empty=", "empty", "", false, true},
		{"q=\"quoted value\"", "q", "\"quoted value\"", false, true},
		{"a=b=c", "a", "b=c", false, true},
		{"Name=x", "Name", "x", false, true},
		{"s=1; Max-Age=0", "s", "1", true, true},
		{"s=1; max-age=0", "s", "1", true, true},
		{"s=1; Max-Age=000", "s", "1", true, true},
		{"s=1; Max-Age=-1", "s", "1", true, true},
		{"s=1; Max-Age=-99999999999999999999", "s", "1", true, true},
		{"s=1; Max-Age=3600", "s", "1", false, true},
		{"s=1; Max-Age=99999999999999999999", "s", "1", false, true},
		{"s=1; Max-Age=+0", "s", "1", false, true}, // not a Max-Age: ignored
		{"s=1; Max-Age=soon", "s", "1", false, true},
		{"s=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "s", "1", true, true},
		{"s=1; Expires=Thursday, 01-Jan-70 00:00:00 GMT", "s", "1", true, true},
		{"s=1; Expires=Thu Jan  1 00:00:00 1970", "s", "1", true, true},
		{"s=1; Expires=Thu, 01-Jan-1970 00:00:00 GMT", "s", "1", true, true},
		{"s=1; expires=Fri, 01 Jan 2100 00:00:00 GMT", "s", "1", false, true},
		{"s=1; Expires=yesterday", "s", "1", false, true},
		{"s=1; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "s", "1", false, true}, // Max-Age wins
		{"s=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=0", "s", "1", true, true},
		{"no-equals-sign", "", "", false, false},
		{"=value", "", "", false, false},
		{"; a=b", "", "", false, false},
		{"tab=a\tb", "", "", false, false},
		{"", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, expired, ok := parseSetCookie(tt.in, testNow)
			if c.name != tt.name || c.value != tt.value || expired != tt.expired || ok != tt.ok {
				t.Errorf("%q=%q expired %v ok %v; want %q=%q %v %v", c.name, c.value, expired, ok, tt.name, tt.value, tt.expired, tt.ok)
			}
		})
	}
}

func TestJar(t *testing.T) {
	j := &jar{now: func() time.Time { return testNow }}
	j.setCookie("h", "a=1")
	j.setCookie("h", "b=2; Path=/")
	j.setCookie("other", "a=x")
	j.setCookie("h", "c=3")
	if got, want := j.header("h"), "a=1; b=2; c=3"; got != want {
		t.Errorf("Cookie %q, want %q", got, want)
	}
	j.setCookie("h", "a=new") // replaced, in its place
	j.setCookie("h", "b=2; Max-Age=0")
	j.setCookie("h", "gone=1; Max-Age=0") // deleting what is not there
	if got, want := j.header("h"), "a=new; c=3"; got != want {
		t.Errorf("Cookie %q, want %q", got, want)
	}
	j.setCookie("h", "b=again") // set again after a delete: now the last
	if got, want := j.header("h"), "a=new; c=3; b=again"; got != want {
		t.Errorf("Cookie %q, want %q", got, want)
	}
	if got := j.header("other"); got != "a=x" {
		t.Errorf("the other host's Cookie %q", got)
	}
	if got := j.header("nobody"); got != "" {
		t.Errorf("a host with no cookies: %q", got)
	}
}

func TestJarFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cookies.txt")
	j, err := loadJar(path) // no file yet: an empty jar
	if err != nil || len(j.cookies) != 0 {
		t.Fatalf("loadJar of no file: %v, %v", j, err)
	}
	j.setCookie("127.0.0.1", "session=a1b2c3; HttpOnly")
	j.setCookie("127.0.0.1", "theme=dark")
	j.setCookie("localhost", "empty=")
	if err := j.save(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	want := "127.0.0.1\tsession\ta1b2c3\n127.0.0.1\ttheme\tdark\nlocalhost\tempty\t\n"
	if string(b) != want {
		t.Errorf("file:\n got %q\nwant %q", b, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode: %v %v, want 0600", fi.Mode(), err)
	}

	// Lines that do not parse are skipped; a CRLF is taken as an LF.
	os.WriteFile(path, []byte(want+
		"junk\n"+
		"two\tfields\n"+
		"four\tfields\tin\tall\n"+
		"\tno-host\tv\n"+
		"h\t\tno name\n"+
		"Example.COM\tcrlf\tv\r\n"), 0o600)
	j, err = loadJar(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := j.header("127.0.0.1"); got != "session=a1b2c3; theme=dark" {
		t.Errorf("127.0.0.1: %q", got)
	}
	if got := j.header("localhost"); got != "empty=" {
		t.Errorf("localhost: %q", got)
	}
	if got := j.header("example.com"); got != "crlf=v" {
		t.Errorf("example.com: %q", got)
	}
	if len(j.cookies) != 4 {
		t.Errorf("cookies %v, want 4", j.cookies)
	}
}
