package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// The cache of -cache DIR: conditional GET (RFC 9110 §13.1.3, §15.4.5;
// Kurose & Ross §2.2.5). The client keeps the body of a 200 response that
// came with a Last-Modified field. The next GET of that URL, in this run
// or a later one, asks "has it changed since then?" with
// If-Modified-Since; the server answers 304 Not Modified and no body if it
// has not, and the client writes the body it kept, as if it had come
// again. The bytes that do not cross the network are the point.
//
// The If-Modified-Since value is the Last-Modified value, byte for byte,
// not a date the client parsed and printed again: RFC 9110 §13.1.3 asks
// for that, since the server knows best how it writes its own dates.
//
// An entry is a file in DIR, named by the SHA-256 of the URL (a URL may
// have any character in it; a hash is a safe file name of fixed length).
// The file holds the URL, the Last-Modified value and the body:
//
//	http://127.0.0.1:8080/hello.txt LF
//	Tue, 01 Dec 2026 10:00:00 GMT LF
//	the body's bytes...
//
// Neither line can have an LF in it: net/url escapes one in a URL, and
// the response reader refuses one in a field value.
//
// Only the rules above are kept: the client is not a full HTTP cache (RFC
// 9111). It never serves an entry without asking the server first, and it
// ignores Cache-Control, Expires, ETag and Vary.

// A cache is the directory of the entries.
type cache struct {
	dir string
}

// openCache returns the cache in dir, which it creates if need be.
func openCache(dir string) (*cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &cache{dir}, nil
}

// An entry is what the cache holds for one URL.
type entry struct {
	path         string // its file
	lastModified string // the Last-Modified field's value
	offset       int64  // where the body begins in the file
}

// cacheKey returns the URL an entry is kept under: u without its
// fragment, which the server never sees.
func cacheKey(u *url.URL) string {
	v := *u
	v.Fragment, v.RawFragment = "", ""
	return v.String()
}

// path returns the file of u's entry.
func (c *cache) path(u *url.URL) string {
	sum := sha256.Sum256([]byte(cacheKey(u)))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:]))
}

// lookup returns the entry for u, or nil if there is none. A file that
// cannot be read as an entry is no entry: the cache is only ever a saving.
func (c *cache) lookup(u *url.URL) *entry {
	path := c.path(u)
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	br := bufio.NewReader(f)
	key, err1 := br.ReadString('\n')
	lm, err2 := br.ReadString('\n')
	if err1 != nil || err2 != nil || key != cacheKey(u)+"\n" || lm == "\n" {
		return nil
	}
	return &entry{path, strings.TrimSuffix(lm, "\n"), int64(len(key) + len(lm))}
}

// serve writes the body of e to w: the answer to a 304.
func (c *cache) serve(e *entry, w io.Writer) error {
	f, err := os.Open(e.path)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(e.offset, io.SeekStart); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// create starts a new entry for u, whose body is then written to the
// returned cacheWriter. The entry replaces the old one on commit, not
// before: a body that breaks off does not spoil the entry there was.
func (c *cache) create(u *url.URL, lastModified string) (*cacheWriter, error) {
	// A temporary file in the same directory, renamed at the end: the
	// rename is atomic, so the entry's file is always whole, the old one
	// or the new one.
	f, err := os.CreateTemp(c.dir, ".new-*")
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	w := &cacheWriter{f: f, bw: bufio.NewWriter(f), path: c.path(u)}
	w.bw.WriteString(cacheKey(u) + "\n" + lastModified + "\n")
	return w, nil
}

// remove removes the entry for u, if there is one: a 200 without
// Last-Modified makes it useless.
func (c *cache) remove(u *url.URL) error {
	if err := os.Remove(c.path(u)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// A cacheWriter is a new entry, while its body is being written.
type cacheWriter struct {
	f    *os.File
	bw   *bufio.Writer
	path string // the entry's file, once committed
}

func (w *cacheWriter) Write(p []byte) (int, error) {
	n, err := w.bw.Write(p)
	if err != nil {
		err = fmt.Errorf("cache: %w", err)
	}
	return n, err
}

// commit makes the new entry the entry of its URL.
func (w *cacheWriter) commit() error {
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.f.Name(), w.path)
	}
	if err != nil {
		os.Remove(w.f.Name())
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// abort drops the new entry.
func (w *cacheWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}
