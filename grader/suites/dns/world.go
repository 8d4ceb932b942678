package dns

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/netip"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/template"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/dnstest"
	"github.com/socklab/socklab/harness/zone"
)

// The world: the DNS hierarchy that the resolver checks run the student's
// resolver against (handout §7). Its zones are the templates in
// testdata/world, one zone file each: the root, the TLDs edu, com, net
// and org, and the zones below them. Every name server is a server of
// harness/dnstest at its own loopback address; the templates say which
// by host number in the world's /24 block ({{addr 10}} is 127.B.C.10),
// and the seed decides the addresses of the hosts the checks ask for.

//go:embed testdata/world/*.zone.tmpl
var worldFiles embed.FS

// poison is the address every forged or out-of-bailiwick record carries:
// an attacker's, from TEST-NET-3 (RFC 5737), which no zone of the world
// has.
var poison = netip.MustParseAddr("203.0.113.66")

// worldValues are the parts of the world that the seed decides.
type worldValues struct {
	Serial                                  uint32
	Gaia, WWW, Mail, Brief, CDN, Slow, Evil netip.Addr
	Dead                                    netip.Addr
	Files                                   [3]netip.Addr
	Hosts                                   [20]netip.Addr
	Bank                                    [5]netip.Addr
	Two                                     [2]netip.Addr
	block                                   netip.Prefix // the servers' /24 in 127.0.0.0/8
}

// newWorldValues draws distinct addresses for the world's hosts from r,
// in the documentation ranges 192.0.2.0/24 and 198.51.100.0/24 (RFC 5737).
func newWorldValues(r *rand.Rand, block netip.Prefix) worldValues {
	used := map[netip.Addr]bool{}
	addr := func() netip.Addr {
		for {
			a := netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + r.IntN(254))})
			if r.IntN(2) == 1 {
				a = netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + r.IntN(254))})
			}
			if !used[a] {
				used[a] = true
				return a
			}
		}
	}
	v := worldValues{Serial: uint32(2026000000 + r.IntN(1000000)), block: block}
	for _, a := range []*netip.Addr{&v.Gaia, &v.WWW, &v.Mail, &v.Brief, &v.CDN, &v.Slow, &v.Evil, &v.Dead} {
		*a = addr()
	}
	for _, set := range [][]netip.Addr{v.Files[:], v.Hosts[:], v.Bank[:], v.Two[:]} {
		for i := range set {
			set[i] = addr()
		}
	}
	return v
}

// serverAddr is the address of host number n of the world's block.
func (v worldValues) serverAddr(n int) netip.Addr {
	b := v.block.Addr().As4()
	b[3] = byte(n)
	return netip.AddrFrom4(b)
}

// WorldBlock is the /24 of loopback addresses that a world whose
// grader holds port n uses: 127.(n>>8).(n&255).0/24. Ports come from a
// range that the graders of one machine share without clashes (package
// proc), so blocks made from them do not clash either; n = 0 gives
// 127.0.0.0/24, the block of the handout's examples.
func WorldBlock(n int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{127, byte(n >> 8), byte(n)}), 24)
}

// WorldZones renders the world's zone files for the values drawn from
// seed and the block's addresses: name → text, and the parsed zones in
// the order of their names.
func WorldZones(seed uint64, block netip.Prefix) (map[string]string, []*zone.Zone, error) {
	return renderWorld(newWorldValues(rand.New(rand.NewPCG(seed, 0x776f726c64)), block))
}

func renderWorld(v worldValues) (map[string]string, []*zone.Zone, error) {
	funcs := template.FuncMap{
		"addr": func(n int) string { return v.serverAddr(n).String() },
		"inc":  func(i int) int { return i + 1 },
	}
	names, err := fs.Glob(worldFiles, "testdata/world/*.zone.tmpl")
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(names)
	texts := map[string]string{}
	var zones []*zone.Zone
	for _, n := range names {
		src, err := worldFiles.ReadFile(n)
		if err != nil {
			return nil, nil, err
		}
		tmpl, err := template.New(path.Base(n)).Funcs(funcs).Parse(string(src))
		if err != nil {
			return nil, nil, err
		}
		var b bytes.Buffer
		if err := tmpl.Execute(&b, v); err != nil {
			return nil, nil, err
		}
		file := strings.TrimSuffix(path.Base(n), ".tmpl")
		z, err := zone.ParseString(b.String(), file)
		if err != nil {
			return nil, nil, err
		}
		texts[file] = b.String()
		zones = append(zones, z)
	}
	return texts, zones, nil
}

// worldPortEnv names the variable that puts every world on one port (see
// startWorld).
const worldPortEnv = "SOCKLAB_DNS_WORLD_PORT"

// A world is one check's DNS hierarchy and the student's resolver,
// started against it, with the grader's stub socket to the resolver.
type world struct {
	*dnstest.World
	t    *grader.T
	v    worldValues
	res  *grader.Role
	stub *grader.UDPConn
}

// startWorld starts the check's world on a block and port of its own,
// and then the student's `bin/resolver -port P -root IP,IP
// -upstream-port Q`. script, if not nil, scripts the world's servers
// before the resolver starts.
//
// The world's port is a fresh one, never 53, even where the grader could
// bind 53: a grade must not depend on whether the grader ran as root
// (a resolver that ignores -upstream-port would pass there only). The
// kit's own interop test, which grades unbound, a resolver that asks
// name servers on port 53 only, sets $SOCKLAB_DNS_WORLD_PORT to 53.
func startWorld(t *grader.T, script func(w *world)) *world {
	block := t.Port() // the block's number, and the world's port
	port := block
	if p, err := strconv.Atoi(os.Getenv(worldPortEnv)); err == nil && p > 0 && p < 65536 {
		port = p
	}
	v := newWorldValues(t.Rand(), WorldBlock(block))
	_, zones, err := renderWorld(v)
	if err != nil {
		t.GraderErrorf("the grader's world does not load: %v", err)
	}
	dw, err := dnstest.Start(dnstest.Config{Zones: zones, Port: port, Transcript: t.Transcript()})
	if err != nil {
		if errors.Is(err, syscall.EADDRNOTAVAIL) {
			t.GraderErrorf("the grader cannot bind loopback addresses other than 127.0.0.1 (%v): "+
				"grading the resolver needs Linux, where all of 127.0.0.0/8 is local", err)
		}
		t.GraderErrorf("starting the grader's DNS world: %v", err)
	}
	t.Cleanup(func() { dw.Close() })
	w := &world{World: dw, t: t, v: v}
	if script != nil {
		script(w)
	}
	roots := make([]string, 0, 2)
	for _, a := range dw.Roots() {
		roots = append(roots, a.String())
	}
	w.res = t.StartServer("resolver", "udp", "-root", strings.Join(roots, ","), "-upstream-port", fmt.Sprint(port))
	w.stub = t.DialUDP(w.res)
	return w
}

// server is the world's server of that name; a missing one is the
// grader's own mistake.
func (w *world) server(host string) *dnstest.Server {
	s := w.Server(host)
	if s == nil {
		w.t.GraderErrorf("the grader's world has no server %s", host)
	}
	return s
}
