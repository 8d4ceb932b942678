package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

// parse parses args with fs, accepting flags both before and after the
// positional arguments, as people type them (`socklab grade udp-echo
// -seed 3`). A lone "--" ends the flags. It returns the positionals.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard) // errors are reported once, by run
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first positional, or just after "--".
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// roleCommands is the repeatable -cmd role='command line' flag.
type roleCommands map[string]string

func (r roleCommands) String() string {
	var parts []string
	for k, v := range r {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func (r roleCommands) Set(s string) error {
	role, cmd, ok := strings.Cut(s, "=")
	if !ok || role == "" || strings.TrimSpace(cmd) == "" {
		return fmt.Errorf("want ROLE='command line', as in server='python3 server.py'")
	}
	r[role] = cmd
	return nil
}

// untilInterrupted is the context of a command that runs until ^C or
// SIGTERM, or for d when d is not 0 (a -for flag).
func untilInterrupted(d time.Duration) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if d <= 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, func() { cancel(); stop() }
}
