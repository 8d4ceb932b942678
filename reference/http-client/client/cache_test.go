package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// put stores body for u in c, with lastModified.
func put(t *testing.T, c *cache, u *url.URL, lastModified, body string) {
	t.Helper()
	w, err := c.create(u, lastModified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := w.commit(); err != nil {
		t.Fatal(err)
	}
}

// served returns the body c serves for e.
func served(t *testing.T, c *cache, e *entry) string {
	t.Helper()
	var b strings.Builder
	if err := c.serve(e, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "made", "by", "openCache")
	c, err := openCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	u := mustURL(t, "http://127.0.0.1:8080/hello.txt")
	if e := c.lookup(u); e != nil {
		t.Fatalf("an entry in an empty cache: %+v", e)
	}

	// The Last-Modified value comes back byte for byte, odd as it is;
	// the body too, binary and with the lines of the file's head in it.
	const lm = "Tue,  01 Dec 2026 10:00:00 GMT (sic)"
	const body = "line\nLast-Modified: no\n\x00\xff"
	put(t, c, u, lm, body)
	e := c.lookup(u)
	if e == nil || e.lastModified != lm {
		t.Fatalf("lookup: %+v, want Last-Modified %q", e, lm)
	}
	if got := served(t, c, e); got != body {
		t.Errorf("served %q, want %q", got, body)
	}

	// The fragment is not part of the key; the query is.
	if c.lookup(mustURL(t, "http://127.0.0.1:8080/hello.txt#top")) == nil {
		t.Error("no entry for the URL with a fragment")
	}
	if c.lookup(mustURL(t, "http://127.0.0.1:8080/hello.txt?v=2")) != nil {
		t.Error("an entry for the URL with a query")
	}

	// A new entry replaces the old one on commit, and not before.
	w, err := c.create(u, "Wed, 02 Dec 2026 10:00:00 GMT")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("half a bo"))
	w.abort()
	if e := c.lookup(u); e == nil || e.lastModified != lm || served(t, c, e) != body {
		t.Errorf("after abort: %+v, want the old entry", e)
	}
	put(t, c, u, "Wed, 02 Dec 2026 10:00:00 GMT", "new")
	if e := c.lookup(u); e == nil || served(t, c, e) != "new" {
		t.Errorf("after a new entry: %+v", e)
	}

	// A cache survives its run: a new cache on the same directory has
	// the entry.
	c2, _ := openCache(dir)
	if e := c2.lookup(u); e == nil || served(t, c2, e) != "new" {
		t.Errorf("another run: %+v", e)
	}

	if err := c.remove(u); err != nil {
		t.Fatal(err)
	}
	if e := c.lookup(u); e != nil {
		t.Errorf("after remove: %+v", e)
	}
	if err := c.remove(u); err != nil {
		t.Errorf("remove of nothing: %v", err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("left in the cache: %v", files)
	}
}

// TestCacheBadFiles checks that files that are not entries are no entries.
func TestCacheBadFiles(t *testing.T) {
	c, _ := openCache(t.TempDir())
	u := mustURL(t, "http://h/x")
	for name, content := range map[string]string{
		"empty":               "",
		"only the URL":        "http://h/x\n",
		"no Last-Modified":    "http://h/x\n\nbody",
		"another URL's entry": "http://h/y\nTue, 01 Dec 2026 10:00:00 GMT\nbody",
	} {
		os.WriteFile(c.path(u), []byte(content), 0o644)
		if e := c.lookup(u); e != nil {
			t.Errorf("%s: %+v", name, e)
		}
	}
}
