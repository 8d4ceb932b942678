package udpecho

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Real output of the reference pinger (reference/udp-echo/client) through
// `socklab impair -loss 0.3 -seed 7`: pings 2 and 3 and reply 5 lost.
const referenceOutput = `Reply from 127.0.0.1:29124: seq=1 time=0.459 ms
Request timed out: seq=2
Request timed out: seq=3
Reply from 127.0.0.1:29124: seq=4 time=0.298 ms
Request timed out: seq=5
Reply from 127.0.0.1:29124: seq=6 time=0.323 ms
--- 127.0.0.1:29124 ping statistics ---
6 packets transmitted, 3 received, 50.0% packet loss
rtt min/avg/max = 0.298/0.360/0.459 ms
`

// The reference pinger with nothing listening at the port.
const referenceServerDown = `Request timed out: seq=1
Request timed out: seq=2
--- 127.0.0.1:29999 ping statistics ---
2 packets transmitted, 0 received, 100.0% packet loss
`

func reply(seq int, rtt float64) pingLine { return pingLine{seq: seq, replied: true, rtt: rtt} }
func timedOut(seq int) pingLine           { return pingLine{seq: seq} }
func stats(sent, received int, loss float64) *pingStats {
	return &pingStats{sent: sent, received: received, loss: loss}
}
func withRTT(s *pingStats, lo, avg, hi float64) *pingStats {
	s.hasRTT, s.min, s.avg, s.max = true, lo, avg, hi
	return s
}

func TestParsePinger(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want pingOutput
	}{
		{
			name: "reference",
			in:   referenceOutput,
			want: pingOutput{
				pings: []pingLine{reply(1, 0.459), timedOut(2), timedOut(3), reply(4, 0.298), timedOut(5), reply(6, 0.323)},
				stats: withRTT(stats(6, 3, 50), 0.298, 0.360, 0.459),
			},
		},
		{
			name: "reference, server down",
			in:   referenceServerDown,
			want: pingOutput{pings: []pingLine{timedOut(1), timedOut(2)}, stats: stats(2, 0, 100)},
		},
		{
			name: "case and spacing",
			in: "REPLY FROM 127.0.0.1:9000: SEQ=1 TIME=0.153 MS\n" +
				"  reply from 127.0.0.1:9000:   seq = 2   time = 1.5ms  \n" +
				"Reply from 127.0.0.1:9000 seq=3 time=2 ms\n" +
				"request timed out seq = 4\n" +
				"\tRequest Timed Out: seq=5\t\n" +
				"4 Packets Transmitted,3 received,  25% Packet Loss\n" +
				"RTT min/avg/max=0.153/1.218/2.000ms\n",
			want: pingOutput{
				pings: []pingLine{reply(1, 0.153), reply(2, 1.5), reply(3, 2), timedOut(4), timedOut(5)},
				stats: withRTT(stats(4, 3, 25), 0.153, 1.218, 2),
			},
		},
		{
			name: "Windows line endings",
			in:   strings.ReplaceAll(referenceServerDown, "\n", "\r\n"),
			want: pingOutput{pings: []pingLine{timedOut(1), timedOut(2)}, stats: stats(2, 0, 100)},
		},
		{
			name: "packets received, as ping(8) says it",
			in:   "1 packets transmitted, 1 packets received, 0% packet loss\n",
			want: pingOutput{stats: stats(1, 1, 0)},
		},
		{
			name: "debug lines are ignored",
			in: "sending PING 1 1700000000.123 to 127.0.0.1:9000\n" +
				"got b'PING 1 1700000000.123' from ('127.0.0.1', 9000)\n" +
				"Reply from 127.0.0.1:9000: seq=1 time=0.200 ms\n" +
				"DEBUG: seq=2 time=0.5\n" +
				"timeout!\n" +
				"Request timed out: seq=2\n" +
				"\n" +
				"--- 127.0.0.1:9000 ping statistics ---\n" +
				"2 packets transmitted, 1 received, 50.0% packet loss\n" +
				"rtt min/avg/max = 0.200/0.200/0.200 ms\n" +
				"bye",
			want: pingOutput{
				pings: []pingLine{reply(1, 0.2), timedOut(2)},
				stats: withRTT(stats(2, 1, 50), 0.2, 0.2, 0.2),
			},
		},
		{
			name: "incomplete lines are not pings",
			in: "Reply from 127.0.0.1:9000: seq=1\n" + // no time
				"Reply from 127.0.0.1:9000: seq=2 time=0.2\n" + // no unit
				"Reply from 127.0.0.1:9000: seq=3 time=fast ms\n" +
				"Request timed out\n" + // no seq
				"Request timed out: seq=\n",
			want: pingOutput{},
		},
		{
			name: "no statistics",
			in:   "Reply from 127.0.0.1:9000: seq=1 time=0.200 ms\n",
			want: pingOutput{pings: []pingLine{reply(1, 0.2)}},
		},
		{
			name: "no rtt line",
			in:   "Reply from 127.0.0.1:9000: seq=1 time=0.200 ms\n1 packets transmitted, 1 received, 0% packet loss\n",
			want: pingOutput{pings: []pingLine{reply(1, 0.2)}, stats: stats(1, 1, 0)},
		},
		{
			// The parser reads each line on its own: order is the
			// checks' business, and expectLines judges the pings'.
			name: "statistics before the ping lines",
			in: "1 packets transmitted, 1 received, 0.0% packet loss\n" +
				"rtt min/avg/max = 0.200/0.200/0.200 ms\n" +
				"Reply from 127.0.0.1:9000: seq=1 time=0.200 ms\n",
			want: pingOutput{pings: []pingLine{reply(1, 0.2)}, stats: withRTT(stats(1, 1, 0), 0.2, 0.2, 0.2)},
		},
		{
			name: "statistics printed twice: the last counts",
			in: "2 packets transmitted, 2 received, 0% packet loss\n" +
				"2 packets transmitted, 1 received, 50% packet loss\n",
			want: pingOutput{stats: stats(2, 1, 50), err: "the statistics are printed twice"},
		},
		{
			name: "rtt line before the packets line",
			in: "rtt min/avg/max = 0.200/0.200/0.200 ms\n" +
				"1 packets transmitted, 1 received, 0% packet loss\n",
			want: pingOutput{stats: stats(1, 1, 0), err: "the rtt line comes before the packets line"},
		},
		{
			// A client that counts duplicate replies can print more
			// received than sent, and so a negative loss; the check
			// must see its count to say what is wrong.
			name: "negative loss",
			in:   "5 packets transmitted, 6 received, -20.0% packet loss\n",
			want: pingOutput{stats: stats(5, 6, -20)},
		},
	}
	opts := cmp.Options{
		cmp.AllowUnexported(pingOutput{}, pingLine{}, pingStats{}),
		cmpopts.IgnoreFields(pingLine{}, "text"),
		cmpopts.EquateEmpty(),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parsePinger([]byte(tt.in))
			if diff := cmp.Diff(tt.want, got, opts); diff != "" {
				t.Errorf("parsePinger(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// pingerOutput renders what a pinger prints for the given round-trip times
// (ms; a negative one is a timeout), with the statistics line and rtt line
// given as text so that rows can get them wrong.
func pingerOutput(rtts []float64, statsLine, rttLine string) string {
	var b strings.Builder
	for i, r := range rtts {
		if r < 0 {
			fmt.Fprintf(&b, "Request timed out: seq=%d\n", i+1)
		} else {
			fmt.Fprintf(&b, "Reply from 127.0.0.1:9000: seq=%d time=%.3f ms\n", i+1, r)
		}
	}
	b.WriteString("--- 127.0.0.1:9000 ping statistics ---\n")
	if statsLine != "" {
		b.WriteString(statsLine + "\n")
	}
	if rttLine != "" {
		b.WriteString(rttLine + "\n")
	}
	return b.String()
}

func TestCheckStats(t *testing.T) {
	const lost = -1
	tests := []struct {
		name      string
		out       string
		count     int    // pings sent
		received  int    // pings answered in time
		wantError string // "" for none, else a part of the message
	}{
		{"reference", referenceOutput, 6, 3, ""},
		{"reference, server down", referenceServerDown, 2, 0, ""},

		// The loss percentage, rounded as the student likes.
		{"one in three lost, 33.3%", pingerOutput([]float64{0.2, lost, 0.4},
			"3 packets transmitted, 2 received, 33.3% packet loss", "rtt min/avg/max = 0.200/0.300/0.400 ms"), 3, 2, ""},
		{"one in three lost, 33%", pingerOutput([]float64{0.2, lost, 0.4},
			"3 packets transmitted, 2 received, 33% packet loss", "rtt min/avg/max = 0.200/0.300/0.400 ms"), 3, 2, ""},
		{"one in three lost, 33.33333%", pingerOutput([]float64{0.2, lost, 0.4},
			"3 packets transmitted, 2 received, 33.33333% packet loss", "rtt min/avg/max = 0.200/0.300/0.400 ms"), 3, 2, ""},
		{"two in three lost, 67%", pingerOutput([]float64{lost, lost, 0.4},
			"3 packets transmitted, 1 received, 67% packet loss", "rtt min/avg/max = 0.400/0.400/0.400 ms"), 3, 1, ""},
		{"two in three lost, 66.7%", pingerOutput([]float64{lost, lost, 0.4},
			"3 packets transmitted, 1 received, 66.7% packet loss", "rtt min/avg/max = 0.400/0.400/0.400 ms"), 3, 1, ""},
		{"one in three lost, 34% is not a rounding", pingerOutput([]float64{0.2, lost, 0.4},
			"3 packets transmitted, 2 received, 34% packet loss", "rtt min/avg/max = 0.200/0.300/0.400 ms"), 3, 2, "the loss is 34%"},
		{"nothing lost, 0%", pingerOutput([]float64{0.2},
			"1 packets transmitted, 1 received, 0% packet loss", "rtt min/avg/max = 0.200/0.200/0.200 ms"), 1, 1, ""},
		{"success rate printed as the loss", pingerOutput([]float64{0.2, 0.2, 0.2, lost},
			"4 packets transmitted, 3 received, 75.0% packet loss", "rtt min/avg/max = 0.200/0.200/0.200 ms"), 4, 3, "the loss is 75%"},

		// The counts.
		{"no statistics", pingerOutput([]float64{0.2}, "", ""), 1, 1, "no line \"N packets transmitted"},
		{"duplicates counted", pingerOutput([]float64{0.2, 0.2},
			"2 packets transmitted, 3 received, -50.0% packet loss", "rtt min/avg/max = 0.200/0.200/0.200 ms"), 2, 2,
			"the statistics say 2 transmitted, 3 received; 2 pings were sent and 2 answered"},
		{"pings sent miscounted", pingerOutput([]float64{0.2, 0.2},
			"3 packets transmitted, 2 received, 33.3% packet loss", "rtt min/avg/max = 0.200/0.200/0.200 ms"), 2, 2,
			"the statistics say 3 transmitted"},

		// The rtt line.
		{"no rtt line although replies came", pingerOutput([]float64{0.2},
			"1 packets transmitted, 1 received, 0% packet loss", ""), 1, 1, "no line \"rtt min/avg/max"},
		{"an rtt line although no reply came", pingerOutput([]float64{lost},
			"1 packets transmitted, 0 received, 100% packet loss", "rtt min/avg/max = 0.000/0.000/0.000 ms"), 1, 0,
			"an rtt line is printed although no reply arrived"},
		{"average over the pings sent", pingerOutput([]float64{0.2, lost, 0.4, 0.6},
			"4 packets transmitted, 3 received, 25.0% packet loss", "rtt min/avg/max = 0.200/0.300/0.600 ms"), 4, 3,
			"rtt min/avg/max = 0.2/0.3/0.6, but the reply lines give 0.200/0.400/0.600"},
		{"min and max swapped", pingerOutput([]float64{0.2, 0.6},
			"2 packets transmitted, 2 received, 0.0% packet loss", "rtt min/avg/max = 0.600/0.400/0.200 ms"), 2, 2,
			"but the reply lines give"},
		{"times in seconds in the rtt line only", pingerOutput([]float64{100.5, 120.5},
			"2 packets transmitted, 2 received, 0.0% packet loss", "rtt min/avg/max = 0.100/0.110/0.120 ms"), 2, 2,
			"but the reply lines give"},

		// Rounding of the times: the lines show them rounded to the
		// microsecond, the statistics may come from the unrounded ones.
		{"statistics from unrounded times", pingerOutput([]float64{0.2, 0.4},
			"2 packets transmitted, 2 received, 0.0% packet loss", "rtt min/avg/max = 0.2004/0.3001/0.3996 ms"), 2, 2, ""},
		{"long times, average rounded", pingerOutput([]float64{100.123, 200.456, 300.789},
			"3 packets transmitted, 3 received, 0.0% packet loss", "rtt min/avg/max = 100.123/200.456/300.789 ms"), 3, 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkStats(parsePinger([]byte(tt.out)), tt.count, tt.received)
			switch {
			case tt.wantError == "" && err != nil:
				t.Errorf("checkStats: %v; want no error, for\n%s", err, tt.out)
			case tt.wantError != "" && err == nil:
				t.Errorf("checkStats: no error; want one with %q, for\n%s", tt.wantError, tt.out)
			case tt.wantError != "" && !strings.Contains(err.Error(), tt.wantError):
				t.Errorf("checkStats: %v; want an error with %q", err, tt.wantError)
			}
		})
	}
}

// TestCheckStatsNoPanic: checkStats judges any output, as the checks call
// it (received: the reply lines), without panicking; a panic would make
// the check an error, which costs the student nothing.
func TestCheckStatsNoPanic(t *testing.T) {
	outs := []string{
		// ping(8)'s reply lines, which the parser does not read.
		"26 bytes from 127.0.0.1:9000: icmp_seq=1 time=0.200 ms\n" +
			"1 packets transmitted, 1 received, 0.0% packet loss\n" +
			"rtt min/avg/max = 0.200/0.200/0.200 ms\n",
		"1 packets transmitted, 1 received, 0% packet loss\nrtt min/avg/max = 1/1/1 ms\n",
		"0 packets transmitted, 0 received, 0% packet loss\n",
		"",
	}
	for _, out := range outs {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("checkStats panicked: %v, on\n%s", p, out)
				}
			}()
			p := parsePinger([]byte(out))
			checkStats(p, 1, replyLines(p))
		}()
	}
}

// FuzzParsePinger: whatever a student's program prints, the parser and the
// statistics check do not panic, and each ping the parser reads is one
// whole line of the output.
func FuzzParsePinger(f *testing.F) {
	f.Add(referenceOutput)
	f.Add(referenceServerDown)
	f.Add("rtt min/avg/max = 1/2/3 ms\n9 packets transmitted, 99 received, -1000% packet loss\n")
	f.Add("Reply from x: seq=99999999999999999999 time=1e400 ms\n")
	f.Fuzz(func(t *testing.T, out string) {
		p := parsePinger([]byte(out))
		lines := map[string]bool{}
		for _, l := range strings.Split(out, "\n") {
			lines[strings.TrimSpace(l)] = true
		}
		for _, l := range p.pings {
			if !lines[l.text] {
				t.Errorf("ping %v read from %q, which is not a line of the output", l, l.text)
			}
		}
		if p.stats != nil {
			checkStats(p, p.stats.sent, replyLines(p)) // must not panic
		}
	})
}
