package main

import (
	"net/url"
	"testing"
)

func TestRequestBytes(t *testing.T) {
	tests := []struct {
		name   string
		method string
		url    string
		own    []field
		extra  []field
		want   string
	}{
		{"GET", "GET", "http://127.0.0.1:8080/hello.txt", nil, nil,
			"GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: socklab-client\r\nAccept-Encoding: identity\r\n\r\n"},
		{"HEAD on port 80, empty path", "HEAD", "http://example.com", nil, nil,
			"HEAD / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: socklab-client\r\nAccept-Encoding: identity\r\n\r\n"},
		{"query, no fragment", "GET", "http://h:81/search?q=dns#top", nil, nil,
			"GET /search?q=dns HTTP/1.1\r\nHost: h:81\r\nUser-Agent: socklab-client\r\nAccept-Encoding: identity\r\n\r\n"},
		{"own fields", "GET", "http://h/", []field{{"Cookie", "a=1; b=2"}, {"If-Modified-Since", "Tue, 01 Dec 2026 10:00:00 GMT"}}, nil,
			"GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: socklab-client\r\nAccept-Encoding: identity\r\n" +
				"Cookie: a=1; b=2\r\nIf-Modified-Since: Tue, 01 Dec 2026 10:00:00 GMT\r\n\r\n"},
		{"-H fields, in order, after the others", "GET", "http://h/", []field{{"Cookie", "a=1"}}, []field{{"X-B", "2"}, {"X-A", "1"}, {"X-B", "3"}},
			"GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: socklab-client\r\nAccept-Encoding: identity\r\nCookie: a=1\r\n" +
				"X-B: 2\r\nX-A: 1\r\nX-B: 3\r\n\r\n"},
		{"-H Host replaces Host, in its place", "GET", "http://127.0.0.1:8080/", nil, []field{{"X-A", "1"}, {"host", "example.com"}},
			"GET / HTTP/1.1\r\nhost: example.com\r\nUser-Agent: socklab-client\r\nAccept-Encoding: identity\r\nX-A: 1\r\n\r\n"},
		{"two -H Host: the last wins", "GET", "http://h/", nil, []field{{"Host", "a"}, {"Host", "b"}},
			"GET / HTTP/1.1\r\nHost: b\r\nUser-Agent: socklab-client\r\nAccept-Encoding: identity\r\n\r\n"},
		{"-H replaces the client's own fields", "GET", "http://h/", []field{{"Cookie", "a=1"}}, []field{{"user-agent", "curl/8.0"}, {"Cookie", "mine=1"}},
			"GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: identity\r\nuser-agent: curl/8.0\r\nCookie: mine=1\r\n\r\n"},
		{"an empty -H value", "GET", "http://h/", nil, []field{{"X-Empty", ""}},
			"GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: socklab-client\r\nAccept-Encoding: identity\r\nX-Empty: \r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(newRequest(tt.method, u, tt.own, tt.extra).bytes()); got != tt.want {
				t.Errorf("request:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseFieldFlag(t *testing.T) {
	tests := []struct {
		in   string
		want field
		err  error
	}{
		{"X-Test: hello", field{"X-Test", "hello"}, nil},
		{"X-Test:hello", field{"X-Test", "hello"}, nil},
		{"X-Test:  two  words \t", field{"X-Test", "two  words"}, nil},
		{"X-Test:", field{"X-Test", ""}, nil},
		{"X-Test: a:b", field{"X-Test", "a:b"}, nil},
		{"X-Test", field{}, errNoColon},
		{"X Test: a", field{}, errFieldName},
		{"X-Test : a", field{}, errFieldName},
		{": a", field{}, errFieldName},
		{"X-Test: a\r\nEvil: b", field{}, errFieldCtl},
		{"X-Test: a\nb", field{}, errFieldCtl},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseFieldFlag(tt.in)
			if got != tt.want || err != tt.err {
				t.Errorf("%+v, %v; want %+v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}
