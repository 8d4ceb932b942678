package main

import (
	"errors"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in      string
		address string // to connect to
		host    string // the Host field
		target  string // the request-target
	}{
		{"http://example.com", "example.com:80", "example.com", "/"},
		{"http://example.com/", "example.com:80", "example.com", "/"},
		{"http://127.0.0.1:8080/hello.txt", "127.0.0.1:8080", "127.0.0.1:8080", "/hello.txt"},
		{"http://127.0.0.1:80/x", "127.0.0.1:80", "127.0.0.1", "/x"},
		{"http://127.0.0.1:/x", "127.0.0.1:80", "127.0.0.1", "/x"},
		{"http://Example.COM:08080/A/b", "example.com:8080", "Example.COM:8080", "/A/b"},
		{"HTTP://example.com/", "example.com:80", "example.com", "/"},
		{"http://[::1]:8080/", "[::1]:8080", "[::1]:8080", "/"},
		{"http://h/search?q=dns&type=A", "h:80", "h", "/search?q=dns&type=A"},
		{"http://h?q", "h:80", "h", "/?q"},
		{"http://h/x?", "h:80", "h", "/x?"},
		{"http://h/page#section", "h:80", "h", "/page"},
		{"http://h/a%2Fb%20c", "h:80", "h", "/a%2Fb%20c"},
		{"http://h/a b", "h:80", "h", "/a%20b"},
		{"http://h/?q=a b&r=é", "h:80", "h", "/?q=a%20b&r=%C3%A9"},
		{"http://h/?q=%41", "h:80", "h", "/?q=%41"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := parseURL(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := address(u); got != tt.address {
				t.Errorf("address %q, want %q", got, tt.address)
			}
			if got := hostField(u); got != tt.host {
				t.Errorf("Host %q, want %q", got, tt.host)
			}
			if got := requestTarget(u); got != tt.target {
				t.Errorf("request-target %q, want %q", got, tt.target)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error // nil: any error of net/url
	}{
		{"https://example.com/", errHTTPS},
		{"HTTPS://example.com/", errHTTPS},
		{"ftp://example.com/", errNotHTTP},
		{"example.com/index.html", errNotHTTP},
		{"127.0.0.1:8080", nil}, // "first path segment in URL cannot contain colon"
		{"/index.html", errNotHTTP},
		{"http:example.com", errNoHost},
		{"http:///index.html", errNoHost},
		{"http://:8080/", errNoHost},
		{"http://user:secret@example.com/", errUserinfo},
		{"http://example.com:0/", errBadPort},
		{"http://example.com:65536/", errBadPort},
		{"http://example.com:http/", nil},
		{"http://exa mple.com/", nil},
		{"http://example.com/\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := parseURL(tt.in)
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}
