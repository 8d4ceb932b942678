package netem

import (
	"errors"
	"fmt"
)

// Errors returned by this package. Test with errors.Is: most are wrapped with
// details.
var (
	// ErrClosed is returned by a proxy or writer used after Close or Reset.
	ErrClosed = errors.New("netem: closed")
	// ErrNotRead means a paced writer gave up waiting for the peer
	// application to read a segment; the message says how many bytes were
	// left unread.
	ErrNotRead = errors.New("netem: peer did not read")
	// ErrNoPeer means a paced writer could not find the peer's socket: the
	// peer closed it, or lives on another host or in another network
	// namespace (see WriterOptions.ProcNet).
	ErrNoPeer = errors.New("netem: peer socket not found")
	// ErrReset is returned by writes through a Reset toxic after it fired.
	ErrReset = errors.New("netem: connection reset by toxic")
	// ErrLimit is returned by writes through a Limit toxic after its budget
	// was spent; the proxy then closes the other direction too.
	ErrLimit = errors.New("netem: byte limit reached")
)

// A ParseError reports the item of a script, impairment chain or toxic chain
// that could not be parsed:
//
//	netem: script: "hold 7" at item 2: want "hold N for K"
type ParseError struct {
	What string // "script", "impairments" or "toxics"
	Item int    // 1-based position in the comma-separated list
	Text string // the item as written
	Err  error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("netem: %s: %q at item %d: %v", e.What, e.Text, e.Item, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
