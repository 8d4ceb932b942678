package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/trace"
)

// impairKey keys the random streams of a hand-run proxy, so that the same
// seed gives the same fates every time a student reruns it.
const impairKey = "socklab impair"

type impairOptions struct {
	listen, to    string
	tcp           bool
	seed          uint64
	loss, dup     float64
	reorder       float64
	delay         time.Duration
	corrupt       float64
	chain, script string
	toxics        string
	dir           string
	quiet         bool
	duration      time.Duration
}

func impairFlags(o *impairOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("impair", flag.ContinueOnError)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "address the proxy listens on; point your client here")
	fs.StringVar(&o.to, "to", "", "address of your server (required)")
	fs.BoolVar(&o.tcp, "tcp", false, "proxy TCP instead of UDP (with -toxics)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the fates; the same seed gives the same fates")
	fs.Float64Var(&o.loss, "loss", 0, "UDP: drop each datagram with this probability")
	fs.Float64Var(&o.dup, "dup", 0, "UDP: duplicate each datagram with this probability")
	fs.Float64Var(&o.reorder, "reorder", 0, "UDP: hold a datagram back behind the next one with this probability")
	fs.DurationVar(&o.delay, "delay", 0, "UDP: delay every datagram this long")
	fs.Float64Var(&o.corrupt, "corrupt", 0, "UDP: flip one bit of a datagram with this probability")
	fs.StringVar(&o.chain, "impair", "", `UDP: an impairment chain, as in "loss=0.3, dup=0.1, reorder=0.2/1, delay=20ms~5ms"`)
	fs.StringVar(&o.script, "script", "", `UDP: exact fates by datagram number, as in "drop 3, dup 5, swap 7"`)
	fs.StringVar(&o.toxics, "toxics", "", `TCP: toxics, as in "slice=1, latency=20ms"`)
	fs.StringVar(&o.dir, "dir", "both", "which way to impair: up (to the server), down (back), or both")
	fs.BoolVar(&o.quiet, "q", false, "do not print each packet's fate")
	fs.DurationVar(&o.duration, "for", 0, "stop after this long (default: until interrupted)")
	return fs
}

func runImpair(args []string, stdout, stderr io.Writer) error {
	var o impairOptions
	pos, err := parse(impairFlags(&o), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if o.to == "" {
		return fmt.Errorf("%w: -to ADDR is required: the address of your server", errUsage)
	}
	for _, a := range []string{o.listen, o.to} {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("%w: %q is not HOST:PORT", errUsage, a)
		}
	}
	if o.dir != "up" && o.dir != "down" && o.dir != "both" {
		return fmt.Errorf("%w: -dir must be up, down or both", errUsage)
	}

	ctx, stop := untilInterrupted(o.duration)
	defer stop()

	// Fates are printed from the proxy's goroutines, the banner from this
	// one: every write goes through one lock.
	stdout = &lockedWriter{w: stdout}
	onEvent := func(e netem.Event) {
		if o.quiet {
			return
		}
		fmt.Fprintf(stdout, "%s  %s\n", e, trace.Quote(e.Data, 60))
	}
	if o.tcp {
		return impairTCP(ctx, o, onEvent, stdout)
	}
	return impairUDP(ctx, o, onEvent, stdout)
}

func impairUDP(ctx context.Context, o impairOptions, onEvent func(netem.Event), stdout io.Writer) error {
	if o.toxics != "" {
		return fmt.Errorf("%w: -toxics is for -tcp", errUsage)
	}
	chain, err := udpChain(o)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg := netem.UDPConfig{Listen: o.listen, Target: o.to, Seed: o.seed, Key: impairKey, OnEvent: onEvent}
	if o.dir != "down" {
		cfg.Up = chain
	}
	if o.dir != "up" {
		cfg.Down = chain
	}
	p, err := netem.NewUDPProxy(cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprintf(stdout, "socklab impair: UDP %s -> %s, seed %d, %s: %s\n", p.Addr(), o.to, o.seed, o.dir, describeChain(netem.FormatImpairments(chain)))
	<-ctx.Done()
	return nil
}

func udpChain(o impairOptions) ([]netem.Impairment, error) {
	var chain []netem.Impairment
	if o.script != "" {
		s, err := netem.ParseScript(o.script)
		if err != nil {
			return nil, err
		}
		chain = append(chain, s)
	}
	if o.chain != "" {
		c, err := netem.ParseImpairments(o.chain)
		if err != nil {
			return nil, err
		}
		chain = append(chain, c...)
	}
	for _, p := range []float64{o.loss, o.dup, o.reorder, o.corrupt} {
		if p < 0 || p > 1 {
			return nil, fmt.Errorf("probabilities are between 0 and 1, not %g", p)
		}
	}
	if o.loss > 0 {
		chain = append(chain, netem.Loss{P: o.loss})
	}
	if o.dup > 0 {
		chain = append(chain, netem.Duplicate{P: o.dup})
	}
	if o.reorder > 0 {
		chain = append(chain, netem.Reorder{P: o.reorder, Gap: 1})
	}
	if o.delay > 0 {
		chain = append(chain, netem.Delay{Delay: o.delay})
	}
	if o.corrupt > 0 {
		chain = append(chain, netem.Corrupt{P: o.corrupt, Bits: 1})
	}
	return chain, nil
}

func impairTCP(ctx context.Context, o impairOptions, onEvent func(netem.Event), stdout io.Writer) error {
	if o.chain != "" || o.script != "" || o.loss+o.dup+o.reorder+o.corrupt > 0 || o.delay > 0 {
		return fmt.Errorf("%w: with -tcp, give -toxics; loss, duplication and reordering are UDP's", errUsage)
	}
	toxics, err := netem.ParseToxics(o.toxics)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg := netem.TCPConfig{Listen: o.listen, Target: o.to, Seed: o.seed, Key: impairKey, OnEvent: onEvent}
	if o.dir != "down" {
		cfg.Up = toxics
	}
	if o.dir != "up" {
		cfg.Down = toxics
	}
	p, err := netem.NewTCPProxy(cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprintf(stdout, "socklab impair: TCP %s -> %s, seed %d, %s: %s\n", p.Addr(), o.to, o.seed, o.dir, describeChain(netem.FormatToxics(toxics)))
	<-ctx.Done()
	return nil
}

func describeChain(s string) string {
	if strings.TrimSpace(s) == "" {
		return "no impairment"
	}
	return s
}

// lockedWriter serializes writes, so that lines from several goroutines
// do not interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
