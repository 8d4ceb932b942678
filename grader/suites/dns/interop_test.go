package dns_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/grader/suites/dns"
)

// The checks follow the RFCs, not our reference: NSD, an authoritative
// server written by others, must pass every check of part 1.
func TestNSDScoresFull(t *testing.T) {
	if _, err := exec.LookPath("nsd"); err != nil {
		t.Skip("nsd not installed (apt-get install nsd)")
	}
	t.Parallel()
	gradertest.ExpectLostIn(t, dns.Suite, partOne, "testdata/nsd")
}

// The reference answers dig, the tool students test with, as the
// handout's §6 says it does.
func TestDigAsksTheReference(t *testing.T) {
	if _, err := exec.LookPath("dig"); err != nil {
		t.Skip("dig not installed (apt-get install dnsutils)")
	}
	t.Parallel()
	port := startReference(t, "server", "-zone", root+"/assignments/dns/example.com.zone")

	for _, tt := range []struct {
		args []string
		want []string // lines or parts of lines of dig's output
	}{
		{[]string{"www.example.com", "A"}, []string{"status: NOERROR", "flags: qr aa;", "www.example.com.\t300\tIN\tA\t192.0.2.10", "www.example.com.\t300\tIN\tA\t192.0.2.11"}},
		{[]string{"example.com", "MX"}, []string{"example.com.\t\t3600\tIN\tMX\t10 mail.example.com.", "mail.example.com.\t3600\tIN\tA\t192.0.2.25"}},
		{[]string{"ftp.example.com", "A"}, []string{"ftp.example.com.\t3600\tIN\tCNAME\twww.example.com.", "www.example.com.\t300\tIN\tA\t192.0.2.10"}},
		{[]string{"nothing.example.com", "A"}, []string{"status: NXDOMAIN", "flags: qr aa;", "example.com.\t\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2026112101 7200 3600 1209600 300"}},
		{[]string{"host.sub.example.com", "A"}, []string{"status: NOERROR", "flags: qr;", "sub.example.com.\t3600\tIN\tNS\tns.sub.example.com.", "ns.sub.example.com.\t3600\tIN\tA\t192.0.2.53"}},
		{[]string{"www.example.org", "A"}, []string{"status: REFUSED"}},
		{[]string{"+noedns", "+ignore", "big.example.com", "TXT"}, []string{"flags: qr aa tc;"}},
		{[]string{"+noedns", "big.example.com", "TXT"}, []string{"Truncated, retrying in TCP mode", "ANSWER: 5", "(TCP)"}},
		{[]string{"+tcp", "www.example.com", "AAAA"}, []string{"www.example.com.\t300\tIN\tAAAA\t2001:db8::10", "(TCP)"}},
		{[]string{"+edns=1", "+noednsnegotiation", "www.example.com", "A"}, []string{"status: BADVERS"}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"@127.0.0.1", "-p", fmt.Sprint(port), "+norecurse", "+time=2", "+tries=1"}, tt.args...)
			out, err := exec.Command("dig", args...).CombinedOutput()
			if err != nil {
				t.Fatalf("dig %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("dig %s: no %q in\n%s", strings.Join(args, " "), w, out)
				}
			}
		})
	}
}

// startReference builds the reference and starts its bin/<program> on a
// free port with args, and returns the port once the program says it
// serves (until then a query would time out). It stops with the test.
func startReference(t *testing.T, program string, args ...string) int {
	t.Helper()
	dir := root + "/reference/dns"
	gradertest.Build(t, dir)
	l, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.LocalAddr().(*net.UDPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, dir+"/bin/"+program, append([]string{"-port", fmt.Sprint(port)}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	lines := bufio.NewScanner(stderr)
	var said []string
	serving := false
	for !serving && lines.Scan() {
		said = append(said, lines.Text())
		serving = strings.Contains(lines.Text(), "serving")
	}
	if !serving {
		t.Fatalf("the reference %s never said it was serving:\n%s", program, strings.Join(said, "\n"))
	}
	go io.Copy(io.Discard, stderr)
	return port
}

// ask runs a query tool (dig or kdig) and requires each of want, a regular
// expression, to match a line of its output.
func ask(t *testing.T, tool string, args []string, want []string) {
	t.Helper()
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	for _, w := range want {
		if !regexp.MustCompile(`(?m)` + w).Match(out) {
			t.Errorf("%s %s: nothing matches %s in\n%s", tool, strings.Join(args, " "), w, out)
		}
	}
}

// kdig, Knot's query tool, which parses and prints replies its own way,
// reads the reference's replies as dig does.
func TestKdigAsksTheReference(t *testing.T) {
	if _, err := exec.LookPath("kdig"); err != nil {
		t.Skip("kdig not installed (apt-get install knot-dnsutils)")
	}
	t.Parallel()
	port := startReference(t, "server", "-zone", root+"/assignments/dns/example.com.zone")
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"www.example.com", "A"}, []string{`status: NOERROR`, `Flags: qr aa;`, `^www\.example\.com\.\s+300\s+IN\s+A\s+192\.0\.2\.10$`, `^www\.example\.com\.\s+300\s+IN\s+A\s+192\.0\.2\.11$`}},
		{[]string{"ftp.example.com", "A"}, []string{`^ftp\.example\.com\.\s+3600\s+IN\s+CNAME\s+www\.example\.com\.$`, `^www\.example\.com\.\s+300\s+IN\s+A\s+192\.0\.2\.10$`}},
		{[]string{"nothing.example.com", "A"}, []string{`status: NXDOMAIN`, `Flags: qr aa;`, `^example\.com\.\s+300\s+IN\s+SOA\s+ns1\.example\.com\. hostmaster\.example\.com\. 2026112101 `}},
		{[]string{"host.sub.example.com", "A"}, []string{`status: NOERROR`, `Flags: qr;`, `^sub\.example\.com\.\s+3600\s+IN\s+NS\s+ns\.sub\.example\.com\.$`, `^ns\.sub\.example\.com\.\s+3600\s+IN\s+A\s+192\.0\.2\.53$`}},
		{[]string{"www.example.org", "A"}, []string{`status: REFUSED`}},
		{[]string{"+notcp", "+ignore", "+noedns", "big.example.com", "TXT"}, []string{`Flags: qr aa tc;`}},
		{[]string{"+tcp", "www.example.com", "AAAA"}, []string{`^www\.example\.com\.\s+300\s+IN\s+AAAA\s+2001:db8::10$`, `\(TCP\)`}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ask(t, "kdig", append([]string{"@127.0.0.1", "-p", fmt.Sprint(port), "+norecurse", "+timeout=2", "+retry=0"}, tt.args...), tt.want)
		})
	}
}

// The two references together, as the handout's §10 runs them by hand:
// the reference resolver, asked by dig and by kdig, resolves through the
// reference server, which it takes for the only root server. The server
// answers what is in its zone with authority; a delegation away
// (sub.example.com, to 192.0.2.53, off this machine) cannot be followed,
// and the resolver says SERVFAIL.
func TestResolverOverTheReferenceServer(t *testing.T) {
	t.Parallel()
	tools := []string{"dig", "kdig"}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install dnsutils knot-dnsutils)", tool)
		}
	}
	upstream := startReference(t, "server", "-zone", root+"/assignments/dns/example.com.zone")
	port := startReference(t, "resolver", "-root", "127.0.0.1", "-upstream-port", fmt.Sprint(upstream))
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"www.example.com", "A"}, []string{`status: NOERROR`, `(flags|Flags): qr rd ra;`, `^www\.example\.com\.\s+\d+\s+IN\s+A\s+192\.0\.2\.10$`, `^www\.example\.com\.\s+\d+\s+IN\s+A\s+192\.0\.2\.11$`}},
		{[]string{"ftp.example.com", "A"}, []string{`status: NOERROR`, `^ftp\.example\.com\.\s+\d+\s+IN\s+CNAME\s+www\.example\.com\.$`, `^www\.example\.com\.\s+\d+\s+IN\s+A\s+192\.0\.2\.10$`}},
		{[]string{"example.com", "MX"}, []string{`status: NOERROR`, `^example\.com\.\s+\d+\s+IN\s+MX\s+10 mail\.example\.com\.$`}},
		{[]string{"nothing.example.com", "A"}, []string{`status: NXDOMAIN`, `(flags|Flags): qr rd ra;`}},
		{[]string{"host.sub.example.com", "A"}, []string{`status: SERVFAIL`}},
	} {
		for _, tool := range tools {
			t.Run(tool+" "+strings.Join(tt.args, " "), func(t *testing.T) {
				opts := map[string][]string{"dig": {"+time=5", "+tries=1"}, "kdig": {"+timeout=5", "+retry=0"}}[tool]
				ask(t, tool, append(append([]string{"@127.0.0.1", "-p", fmt.Sprint(port)}, opts...), tt.args...), tt.want)
			})
		}
	}
}

// The checks of part 2 follow the RFCs too: unbound, NLnet Labs'
// resolver, passes them, but for two whose time bounds are the handout's
// contract, which unbound was not written for: it backs off a silent
// server with growing timeouts (0.4, 0.75, 1.5 s...) before it tries the
// zone's other server, and its SERVFAIL for a zone of silent servers
// comes later than 5 s (unbound 1.17).
var unboundExcused = []string{"dns/resolver/dead-server", "dns/resolver/servfail"}

// TestUnboundScoresFull grades unbound on part 2. unbound asks name
// servers on port 53 only, so the worlds must be there: the test runs
// itself again, as root, with $SOCKLAB_DNS_WORLD_PORT=53, which no other
// test of this binary then sees.
func TestUnboundScoresFull(t *testing.T) {
	if _, err := exec.LookPath("unbound"); err != nil {
		t.Skip("unbound not installed (apt-get install unbound)")
	}
	if os.Getenv("SOCKLAB_DNS_WORLD_PORT") != "53" {
		if os.Geteuid() != 0 {
			t.Skip("the worlds must be on port 53 for unbound, which needs root")
		}
		t.Parallel()
		cmd := exec.Command(os.Args[0], "-test.run=^TestUnboundScoresFull$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SOCKLAB_DNS_WORLD_PORT=53")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("unbound, graded with the worlds on port 53: %v\n%s", err, out)
		}
		return
	}
	var ids []string
	for _, c := range dns.Suite.Checks {
		if strings.HasPrefix(c.ID, "dns/resolver/") && !slices.Contains(unboundExcused, c.ID) {
			ids = append(ids, regexp.QuoteMeta(c.ID))
		}
	}
	gradertest.ExpectLostIn(t, dns.Suite, "^("+strings.Join(ids, "|")+")$", "testdata/unbound")
}
