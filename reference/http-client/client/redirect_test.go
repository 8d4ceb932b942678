package main

import (
	"errors"
	"net/url"
	"testing"
)

// redirectFrom returns a response of status with the fields.
func redirectFrom(status int, fields ...field) *response {
	return &response{status: status, fields: fields}
}

func TestRedirectTarget(t *testing.T) {
	tests := []struct {
		base     string
		location string
		want     string
	}{
		// The normal examples of RFC 3986 §5.4.1, with their base.
		{"http://a/b/c/d;p?q", "g", "http://a/b/c/g"},
		{"http://a/b/c/d;p?q", "./g", "http://a/b/c/g"},
		{"http://a/b/c/d;p?q", "g/", "http://a/b/c/g/"},
		{"http://a/b/c/d;p?q", "/g", "http://a/g"},
		{"http://a/b/c/d;p?q", "//g", "http://g"},
		{"http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"},
		{"http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y"},
		{"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s"},
		{"http://a/b/c/d;p?q", "g#s", "http://a/b/c/g#s"},
		{"http://a/b/c/d;p?q", "g?y#s", "http://a/b/c/g?y#s"},
		{"http://a/b/c/d;p?q", ";x", "http://a/b/c/;x"},
		{"http://a/b/c/d;p?q", "g;x", "http://a/b/c/g;x"},
		{"http://a/b/c/d;p?q", ".", "http://a/b/c/"},
		{"http://a/b/c/d;p?q", "./", "http://a/b/c/"},
		{"http://a/b/c/d;p?q", "..", "http://a/b/"},
		{"http://a/b/c/d;p?q", "../", "http://a/b/"},
		{"http://a/b/c/d;p?q", "../g", "http://a/b/g"},
		{"http://a/b/c/d;p?q", "../..", "http://a/"},
		{"http://a/b/c/d;p?q", "../../", "http://a/"},
		{"http://a/b/c/d;p?q", "../../g", "http://a/g"},
		// Some abnormal ones of §5.4.2: more ".." than there are levels.
		{"http://a/b/c/d;p?q", "../../../g", "http://a/g"},
		{"http://a/b/c/d;p?q", "/./g", "http://a/g"},
		{"http://a/b/c/d;p?q", "/../g", "http://a/g"},
		// The handout's, and what servers send.
		{"http://127.0.0.1:8080/dir/page", "../other/x", "http://127.0.0.1:8080/other/x"},
		{"http://127.0.0.1:8080/dir/page", "next", "http://127.0.0.1:8080/dir/next"},
		{"http://127.0.0.1:8080/dir", "http://127.0.0.1:8080/dir/", "http://127.0.0.1:8080/dir/"},
		{"http://127.0.0.1:8080/dir", "/dir/", "http://127.0.0.1:8080/dir/"},
		{"http://127.0.0.1:8080/a?x=1", "?q=2", "http://127.0.0.1:8080/a?q=2"},
		{"http://127.0.0.1:8080/a", "http://localhost:9090/b", "http://localhost:9090/b"},
	}
	for _, tt := range tests {
		t.Run(tt.base+" "+tt.location, func(t *testing.T) {
			u, err := url.Parse(tt.base)
			if err != nil {
				t.Fatal(err)
			}
			for _, status := range []int{301, 302, 303, 307, 308} {
				next, err := redirectTarget(u, redirectFrom(status, field{"Location", tt.location}))
				if err != nil || next == nil || next.String() != tt.want {
					t.Errorf("%d: %v, %v; want %s", status, next, err, tt.want)
				}
			}
		})
	}
}

func TestRedirectTargetNone(t *testing.T) {
	u, _ := url.Parse("http://h/a")
	loc := field{"Location", "/b"}
	for _, r := range []*response{
		redirectFrom(200, loc),
		redirectFrom(300, loc),
		redirectFrom(304, loc),
		redirectFrom(305, loc),
		redirectFrom(404, loc),
		redirectFrom(301),
		redirectFrom(302, field{"Location", ""}),
	} {
		if next, err := redirectTarget(u, r); next != nil || err != nil {
			t.Errorf("%d %v: %v, %v; want no redirect", r.status, r.fields, next, err)
		}
	}
}

func TestRedirectTargetErrors(t *testing.T) {
	u, _ := url.Parse("http://h/a")
	tests := []struct {
		location string
		want     error // nil: a protocolError
	}{
		{"https://h/a", errHTTPS},
		{"ftp://h/a", errNotHTTP},
		{"http://user@h/a", errUserinfo},
		{"http://h:99999/a", errBadPort},
		{"http://h:port/a", nil},
		{"http://[::1/a", nil},
	}
	for _, tt := range tests {
		_, err := redirectTarget(u, redirectFrom(302, field{"Location", tt.location}))
		var perr *protocolError
		if tt.want == nil && !errors.As(err, &perr) || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("Location %q: %v, want %v", tt.location, err, tt.want)
		}
	}
}

func TestRedirectMethod(t *testing.T) {
	tests := []struct {
		method string
		status int
		want   string
	}{
		{"GET", 301, "GET"}, {"GET", 302, "GET"}, {"GET", 303, "GET"}, {"GET", 307, "GET"}, {"GET", 308, "GET"},
		{"HEAD", 301, "HEAD"}, {"HEAD", 302, "HEAD"}, {"HEAD", 303, "HEAD"}, {"HEAD", 307, "HEAD"}, {"HEAD", 308, "HEAD"},
		{"POST", 303, "GET"}, {"POST", 307, "POST"}, {"POST", 308, "POST"},
	}
	for _, tt := range tests {
		if got := redirectMethod(tt.method, tt.status); got != tt.want {
			t.Errorf("%s, then %d: %s, want %s", tt.method, tt.status, got, tt.want)
		}
	}
}
