package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The cookie jar of -cookies FILE (RFC 6265, a subset; Kurose & Ross
// §2.2.4). HTTP is stateless: the server does not remember the client
// from one request to the next. A cookie makes it: the server sends
// "Set-Cookie: session=a1b2", and the client sends "Cookie: session=a1b2"
// with every request to that server after that.
//
// The subset:
//
//   - A cookie belongs to the host of the request that set it, without the
//     port, and goes to that host alone. Domain, Path, Secure and HttpOnly
//     are ignored (RFC 6265 §5.3 would widen or narrow where a cookie
//     goes; the client keeps the narrowest, the "host-only" cookie).
//   - Max-Age=0, a negative Max-Age, or an Expires date in the past deletes
//     the cookie (RFC 6265 §5.3 step 11: an expired cookie is removed).
//     Max-Age wins over Expires (§5.3 step 3). A cookie that expires
//     later is kept with no end: FILE has no place for a date.
//   - A Set-Cookie for a name the host has already replaces the value in
//     its place, so the order of the Cookie field stays the order in which
//     cookies were first set.
//
// FILE has a line per cookie, HOST TAB NAME TAB VALUE, in the jar's order.

// A cookie is one cookie of the jar.
type cookie struct {
	host, name, value string
}

// A jar holds the cookies, in the order they were first set.
type jar struct {
	cookies []cookie
	now     func() time.Time // the clock for Expires: time.Now, or a test's
}

// loadJar reads the jar in path. A file that does not exist is an empty
// jar; a line that does not parse is skipped.
func loadJar(path string) (*jar, error) {
	j := &jar{now: time.Now}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, maxLine)
	for sc.Scan() {
		parts := strings.Split(strings.TrimSuffix(sc.Text(), "\r"), "\t")
		if len(parts) != 3 || parts[0] == "" || !validCookie(parts[1], parts[2]) {
			continue
		}
		j.set(cookie{strings.ToLower(parts[0]), parts[1], parts[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return j, nil
}

// save writes the jar to path. It writes a new file and renames it, so a
// failure leaves the old jar whole; os.CreateTemp makes the file readable
// by its owner alone, as cookies are often the keys of a login.
func (j *jar) save(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".cookies-*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	for _, c := range j.cookies {
		fmt.Fprintf(bw, "%s\t%s\t%s\n", c.host, c.name, c.value)
	}
	err = bw.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// header returns the value of the Cookie field for a request to host:
// "NAME1=VALUE1; NAME2=VALUE2" (RFC 6265 §5.4), or "" if the host has no
// cookie, and then the request has no Cookie field.
func (j *jar) header(host string) string {
	var pairs []string
	for _, c := range j.cookies {
		if c.host == host {
			pairs = append(pairs, c.name+"="+c.value)
		}
	}
	return strings.Join(pairs, "; ")
}

// setCookie takes in the value of a Set-Cookie field of a response from
// host. A value that is not a cookie is ignored (RFC 6265 §5.2).
func (j *jar) setCookie(host, v string) {
	c, expired, ok := parseSetCookie(v, j.now())
	if !ok {
		return
	}
	c.host = host
	if expired {
		j.remove(c)
	} else {
		j.set(c)
	}
}

// set adds c, or replaces the value of the cookie of its host and name.
func (j *jar) set(c cookie) {
	for i := range j.cookies {
		if j.cookies[i].host == c.host && j.cookies[i].name == c.name {
			j.cookies[i].value = c.value
			return
		}
	}
	j.cookies = append(j.cookies, c)
}

// remove removes the cookie of c's host and name, if there is one.
func (j *jar) remove(c cookie) {
	for i := range j.cookies {
		if j.cookies[i].host == c.host && j.cookies[i].name == c.name {
			j.cookies = append(j.cookies[:i], j.cookies[i+1:]...)
			return
		}
	}
}

// parseSetCookie reads a Set-Cookie value (RFC 6265 §5.2):
//
//	NAME=VALUE; Attr1; Attr2=Value2; ...
//
// It returns the cookie (without its host), whether the attributes say it
// has expired at now, and false if v is not a cookie: no "=" before the
// first ";", or an empty name. Names are case-sensitive; attribute names
// are not.
func parseSetCookie(v string, now time.Time) (c cookie, expired, ok bool) {
	pair, attrs, _ := strings.Cut(v, ";")
	name, value, ok := strings.Cut(pair, "=")
	c.name, c.value = trimOWS(name), trimOWS(value)
	if !ok || !validCookie(c.name, c.value) {
		return cookie{}, false, false
	}
	maxAge, expires := "", ""
	for _, a := range strings.Split(attrs, ";") {
		k, val, _ := strings.Cut(a, "=")
		switch strings.ToLower(trimOWS(k)) {
		case "max-age":
			maxAge = trimOWS(val)
		case "expires":
			expires = trimOWS(val)
		}
	}
	// RFC 6265 §5.2.2: Max-Age is digits, with a "-" before them
	// perhaps; anything else, and the attribute is ignored. Zero or
	// less: expired.
	if digits := strings.TrimPrefix(maxAge, "-"); isDigits(digits) {
		return c, digits != maxAge || strings.Trim(digits, "0") == "", true
	}
	if t, ok := parseCookieDate(expires); ok {
		return c, !t.After(now), true
	}
	return c, false, true
}

// validCookie says whether a cookie of name and value can be kept: a name,
// and no control character in either (a TAB or an LF would break the
// lines of FILE; RFC 6265 §4.1.1 allows none of them anyway).
func validCookie(name, value string) bool {
	if name == "" {
		return false
	}
	for _, r := range name + value {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// cookieDates are the forms of date an Expires attribute comes in: the
// three of RFC 9110 §5.6.7 (the first, IMF-fixdate, is the one to send),
// and the Netscape form with dashes that RFC 6265 §4.1.1 shows. RFC 6265
// §5.1.1 reads dates more loosely still; these are what servers send.
var cookieDates = []string{
	"Mon, 02 Jan 2006 15:04:05 GMT",  // IMF-fixdate
	"Monday, 02-Jan-06 15:04:05 GMT", // RFC 850
	"Mon Jan _2 15:04:05 2006",       // asctime
	"Mon, 02-Jan-2006 15:04:05 GMT",  // Netscape
}

// parseCookieDate reads the date of an Expires attribute.
func parseCookieDate(s string) (time.Time, bool) {
	for _, layout := range cookieDates {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
