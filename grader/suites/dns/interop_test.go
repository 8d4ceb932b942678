package dns_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
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
	dir := root + "/reference/dns"
	gradertest.Build(t, dir)
	l, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.LocalAddr().(*net.UDPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	srv := exec.CommandContext(ctx, dir+"/bin/server", "-port", fmt.Sprint(port), "-zone", root+"/assignments/dns/example.com.zone")
	stderr, err := srv.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); srv.Wait() })
	// The server says when it serves; until then dig would time out.
	lines := bufio.NewScanner(stderr)
	var said []string
	serving := false
	for !serving && lines.Scan() {
		said = append(said, lines.Text())
		serving = strings.Contains(lines.Text(), "serving")
	}
	if !serving {
		t.Fatalf("the reference never said it was serving:\n%s", strings.Join(said, "\n"))
	}
	go io.Copy(io.Discard, stderr)

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
