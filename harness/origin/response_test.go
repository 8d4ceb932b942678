package origin

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuild(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		reason string
		body   string
		fields []string
		want   string
	}{
		{"no fields, no body", 204, "No Content", "", nil, "HTTP/1.1 204 No Content\r\n\r\n"},
		{"fields in order, as spelled", 200, "OK", "hello\n", []string{"content-TYPE", "text/plain", "Content-Length", "6"},
			"HTTP/1.1 200 OK\r\ncontent-TYPE: text/plain\r\nContent-Length: 6\r\n\r\nhello\n"},
		{"no Content-Length added", 200, "OK", "until the close", []string{"Connection", "close"},
			"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the close"},
		{"empty reason keeps its space", 404, "", "", nil, "HTTP/1.1 404 \r\n\r\n"},
		{"a field twice, an empty value", 302, "Found", "", []string{"Set-Cookie", "a=1", "Set-Cookie", "b=2", "X-Empty", ""},
			"HTTP/1.1 302 Found\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Empty: \r\n\r\n"},
		{"malformed on purpose", 99, "Odd\r\nInjected: yes", "", nil, "HTTP/1.1 99 Odd\r\nInjected: yes\r\n\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Build(tt.status, tt.reason, []byte(tt.body), tt.fields...)); got != tt.want {
				t.Errorf("Build() = %q\nwant      %q", got, tt.want)
			}
		})
	}
}

func TestBuildOddFieldsPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Build with 3 field strings did not panic")
		}
	}()
	Build(200, "OK", nil, "A", "1", "B")
}

func TestChunked(t *testing.T) {
	for _, tt := range []struct {
		name string
		body string
		o    ChunkOptions
		want string
	}{
		{"one chunk by default", "hello, world", ChunkOptions{},
			"c\r\nhello, world\r\n0\r\n\r\n"},
		{"the last size repeats, the final chunk shorter", "hello, world", ChunkOptions{Sizes: []int{5}},
			"5\r\nhello\r\n5\r\n, wor\r\n2\r\nld\r\n0\r\n\r\n"},
		{"sizes in order", "hello, world", ChunkOptions{Sizes: []int{1, 10, 1}},
			"1\r\nh\r\na\r\nello, worl\r\n1\r\nd\r\n0\r\n\r\n"},
		{"sizes past the body", "abc", ChunkOptions{Sizes: []int{2, 100}},
			"2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"},
		{"non-positive sizes skipped", "abc", ChunkOptions{Sizes: []int{0, -3, 3}},
			"3\r\nabc\r\n0\r\n\r\n"},
		{"lower case hex", string(make([]byte, 0x1a)), ChunkOptions{},
			"1a\r\n" + string(make([]byte, 0x1a)) + "\r\n0\r\n\r\n"},
		{"upper case hex", string(make([]byte, 0xab)), ChunkOptions{Upper: true},
			"AB\r\n" + string(make([]byte, 0xab)) + "\r\n0\r\n\r\n"},
		{"extensions on every chunk, the last too", "abcd", ChunkOptions{Sizes: []int{2}, Ext: `;n=1;q="x y"`},
			"2;n=1;q=\"x y\"\r\nab\r\n2;n=1;q=\"x y\"\r\ncd\r\n0;n=1;q=\"x y\"\r\n\r\n"},
		{"trailers", "ab", ChunkOptions{Trailers: []Field{{"X-Checksum", "f00d"}, {"Expires", "never"}}},
			"2\r\nab\r\n0\r\nX-Checksum: f00d\r\nExpires: never\r\n\r\n"},
		{"empty body: the last chunk alone", "", ChunkOptions{Sizes: []int{4}},
			"0\r\n\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Chunked([]byte(tt.body), tt.o)); got != tt.want {
				t.Errorf("Chunked() = %q\nwant        %q", got, tt.want)
			}
		})
	}
}

func TestSegments(t *testing.T) {
	raw := []byte("HTTP/1.1 200 OK\r\n\r\nbody")
	for _, tt := range []struct {
		name    string
		r       Response
		want    []string
		wantErr bool
	}{
		{"one write", Response{Raw: raw}, []string{string(raw)}, false},
		{"nothing", Response{}, nil, false},
		{"split", Response{Raw: raw, Split: []int{3, 17}}, []string{"HTT", "P/1.1 200 OK\r\n", "\r\nbody"}, false},
		{"split inside CR LF", Response{Raw: raw, Split: []int{16}}, []string{"HTTP/1.1 200 OK\r", "\n\r\nbody"}, false},
		{"split offsets past the end ignored", Response{Raw: raw, Split: []int{4, 23, 99}}, []string{"HTTP", "/1.1 200 OK\r\n\r\nbody"}, false},
		{"slice", Response{Raw: []byte("abcdefg"), Slice: 3}, []string{"abc", "def", "g"}, false},
		{"slice 1", Response{Raw: []byte("abc"), Slice: 1}, []string{"a", "b", "c"}, false},
		{"split wins over slice", Response{Raw: []byte("abcdef"), Split: []int{2}, Slice: 1}, []string{"ab", "cdef"}, false},
		{"close at", Response{Raw: raw, CloseAt: 8, Slice: 5}, []string{"HTTP/", "1.1"}, false},
		{"close at past the end sends all", Response{Raw: []byte("abc"), CloseAt: 10}, []string{"abc"}, false},
		{"close at cuts the split", Response{Raw: raw, CloseAt: 6, Split: []int{4, 10}}, []string{"HTTP", "/1"}, false},
		{"no reply sends nothing", Response{Raw: raw, NoReply: true, Slice: 1}, nil, false},
		{"split at 0", Response{Raw: raw, Split: []int{0, 3}}, nil, true},
		{"split decreasing", Response{Raw: raw, Split: []int{5, 3}}, nil, true},
		{"split repeated", Response{Raw: raw, Split: []int{5, 5}}, nil, true},
		{"negative slice", Response{Raw: raw, Slice: -1}, nil, true},
		{"negative close at", Response{Raw: raw, CloseAt: -1}, nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			segs, err := tt.r.segments()
			if tt.wantErr {
				if !errors.Is(err, ErrResponse) {
					t.Fatalf("segments() error = %v, want ErrResponse", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range segs {
				got = append(got, string(s))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("segments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPacedAndCloses(t *testing.T) {
	for _, tt := range []struct {
		r             Response
		paced, closes bool
	}{
		{Response{}, false, false},
		{Response{Paced: true}, true, false},
		{Response{Split: []int{1}}, true, false},
		{Response{Slice: 2}, true, false},
		{Response{Reset: true}, true, true},
		{Response{Close: true}, false, true},
		{Response{CloseAt: 3}, false, true},
		{Response{NoReply: true}, false, true},
	} {
		if got := tt.r.paced(); got != tt.paced {
			t.Errorf("%+v: paced() = %v, want %v", tt.r, got, tt.paced)
		}
		if got := tt.r.closes(); got != tt.closes {
			t.Errorf("%+v: closes() = %v, want %v", tt.r, got, tt.closes)
		}
	}
}
