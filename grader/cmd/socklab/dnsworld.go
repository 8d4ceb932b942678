package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/socklab/socklab/grader/suites/dns"
	"github.com/socklab/socklab/harness/dnstest"
)

// dnsworldKey keys the loss of a hand-run world, as impairKey does the
// proxy's.
const dnsworldKey = "socklab dnsworld"

type dnsworldOptions struct {
	port     int
	seed     uint64
	dir      string
	loss     float64
	dead     string
	quiet    bool
	duration time.Duration
}

// dnsworld is the dns assignment's: a student repository exported for
// another leaves this file, and the command, out (grader/export).
func init() {
	assignmentCommands = append(assignmentCommands, command{"dnsworld", "[-port P] [-seed N] [flags]",
		"run the DNS hierarchy the resolver checks use, to try a resolver by hand", runDNSWorld,
		func() *flag.FlagSet { return dnsworldFlags(new(dnsworldOptions)) }})
}

func dnsworldFlags(o *dnsworldOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("dnsworld", flag.ContinueOnError)
	fs.IntVar(&o.port, "port", 0, "the port of every server, UDP and TCP (default: 53 if the grader may bind it, else 5300)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the hosts' addresses")
	fs.StringVar(&o.dir, "dir", "", "write the world's zone files into this directory")
	fs.Float64Var(&o.loss, "loss", 0, "lose this share of the queries and replies (never two tries of a question in a row)")
	fs.StringVar(&o.dead, "dead", "", "comma-separated names of servers that answer nothing, as in ns1.two.org")
	fs.BoolVar(&o.quiet, "q", false, "do not print each query")
	fs.DurationVar(&o.duration, "for", 0, "stop after this long (default: until interrupted)")
	return fs
}

// runDNSWorld runs the resolver checks' world (handouts/dns.md §12) on
// 127.0.0.0/24, so that a student can run a resolver against it by hand.
func runDNSWorld(args []string, stdout, stderr io.Writer) error {
	var o dnsworldOptions
	pos, err := parse(dnsworldFlags(&o), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if o.port < 0 || o.port > 65535 || o.loss < 0 || o.loss >= 1 {
		return fmt.Errorf("%w: -port is 1..65535 and -loss at least 0 and below 1", errUsage)
	}
	texts, zones, err := dns.WorldZones(o.seed, dns.WorldBlock(0))
	if err != nil {
		return err
	}
	if o.dir != "" {
		if err := writeZones(o.dir, texts); err != nil {
			return err
		}
	}

	ctx, stop := untilInterrupted(o.duration)
	defer stop()

	stdout = &lockedWriter{w: stdout}
	cfg := dnstest.Config{Zones: zones}
	if !o.quiet {
		cfg.OnQuery = func(q dnstest.Query) { fmt.Fprintln(stdout, q) }
	}
	w, err := startDNSWorld(cfg, o.port, stderr)
	if err != nil {
		return err
	}
	defer w.Close()
	if o.loss > 0 {
		w.SetLoss(dnstest.Loss{Seed: o.seed, Key: dnsworldKey, P: o.loss, MaxInARow: 1})
	}
	for _, name := range strings.Split(o.dead, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		s := w.Server(name)
		if s == nil {
			return fmt.Errorf("%w: -dead %s: the world has no server of that name", errUsage, name)
		}
		s.Script(dnstest.Behavior{Silent: true})
	}
	printWorld(stdout, w, o)
	<-ctx.Done()
	return nil
}

// startDNSWorld starts the world on port, or, when none is given, on 53
// if this process may bind it and on 5300 if not.
func startDNSWorld(cfg dnstest.Config, port int, stderr io.Writer) (*dnstest.World, error) {
	cfg.Port = port
	if port == 0 {
		cfg.Port = 53
	}
	w, err := dnstest.Start(cfg)
	if port == 0 && errors.Is(err, syscall.EACCES) {
		fmt.Fprintln(stderr, "socklab dnsworld: port 53 needs root; using port 5300 (give -upstream-port 5300 to your resolver)")
		cfg.Port = 5300
		w, err = dnstest.Start(cfg)
	}
	if errors.Is(err, syscall.EADDRNOTAVAIL) {
		return nil, fmt.Errorf("%v\nthe world needs the loopback addresses 127.0.0.2 to 127.0.0.63; "+
			"on macOS add each with `sudo ifconfig lo0 alias 127.0.0.N up`", err)
	}
	return w, err
}

func writeZones(dir string, texts map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, text := range texts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func printWorld(w io.Writer, dw *dnstest.World, o dnsworldOptions) {
	fmt.Fprintf(w, "socklab dnsworld: the resolver checks' world, seed %d, every server on port %d\n\n", o.seed, dw.Port())
	servers := slices.SortedFunc(slices.Values(dw.Servers()), func(a, b *dnstest.Server) int { return a.Addr().Compare(b.Addr()) })
	for _, s := range servers {
		fmt.Fprintf(w, "  %-15s %-40s %s\n", s.Addr(), strings.Join(s.Names(), " "), strings.Join(s.Zones(), " "))
	}
	var roots []string
	for _, a := range dw.Roots() {
		roots = append(roots, a.String())
	}
	fmt.Fprintf(w, "\nstart your resolver against it with\n\n  bin/resolver -port 5353 -root %s -upstream-port %d\n\n",
		strings.Join(roots, ","), dw.Port())
	fmt.Fprintf(w, "and ask it: dig @127.0.0.1 -p 5353 gaia.cs.umass.edu A\n\n")
}
