package udpecho

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The pinger's output, as handout §4 defines it:
//
//	Reply from 127.0.0.1:9000: seq=1 time=0.153 ms
//	Request timed out: seq=2
//	--- 127.0.0.1:9000 ping statistics ---
//	2 packets transmitted, 1 received, 50.0% packet loss
//	rtt min/avg/max = 0.153/0.153/0.153 ms
//
// Matching ignores case and spacing and any other line (debug output is
// fine), so a student loses points for what the program did, not for a
// capital letter.

var (
	replyLine   = regexp.MustCompile(`(?i)^reply from\s+\S+?:?\s+seq\s*=\s*(\d+)\s+time\s*=\s*(\d+(?:\.\d*)?)\s*ms$`)
	timeoutLine = regexp.MustCompile(`(?i)^request timed out:?\s+seq\s*=\s*(\d+)$`)
	statsLine   = regexp.MustCompile(`(?i)^(\d+)\s+packets transmitted,\s*(\d+)\s+(?:packets\s+)?received,\s*(-?\d+(?:\.\d*)?)%\s+packet loss$`)
	rttLine     = regexp.MustCompile(`(?i)^rtt min/avg/max\s*=\s*(\d+(?:\.\d*)?)/(\d+(?:\.\d*)?)/(\d+(?:\.\d*)?)\s*ms$`)
)

// pingLine is one ping's outcome as the pinger printed it.
type pingLine struct {
	seq     int
	replied bool
	rtt     float64 // ms, when replied
	text    string
}

func (l pingLine) String() string {
	if l.replied {
		return fmt.Sprintf("seq=%d reply", l.seq)
	}
	return fmt.Sprintf("seq=%d timed out", l.seq)
}

// pingStats is the statistics block.
type pingStats struct {
	sent, received int
	loss           float64
	hasRTT         bool
	min, avg, max  float64
}

// pingOutput is everything the pinger printed that the grader reads.
type pingOutput struct {
	pings []pingLine
	stats *pingStats
	err   string // the first line that contradicts the format
}

func parsePinger(out []byte) pingOutput {
	var p pingOutput
	for _, raw := range strings.Split(string(out), "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case replyLine.MatchString(line):
			m := replyLine.FindStringSubmatch(line)
			seq, _ := strconv.Atoi(m[1])
			rtt, _ := strconv.ParseFloat(m[2], 64)
			p.pings = append(p.pings, pingLine{seq: seq, replied: true, rtt: rtt, text: line})
		case timeoutLine.MatchString(line):
			m := timeoutLine.FindStringSubmatch(line)
			seq, _ := strconv.Atoi(m[1])
			p.pings = append(p.pings, pingLine{seq: seq, text: line})
		case statsLine.MatchString(line):
			m := statsLine.FindStringSubmatch(line)
			s := &pingStats{}
			s.sent, _ = strconv.Atoi(m[1])
			s.received, _ = strconv.Atoi(m[2])
			s.loss, _ = strconv.ParseFloat(m[3], 64)
			if p.stats != nil && p.err == "" {
				p.err = "the statistics are printed twice"
			}
			p.stats = s
		case rttLine.MatchString(line):
			m := rttLine.FindStringSubmatch(line)
			if p.stats == nil {
				if p.err == "" {
					p.err = "the rtt line comes before the packets line"
				}
				continue
			}
			p.stats.hasRTT = true
			p.stats.min, _ = strconv.ParseFloat(m[1], 64)
			p.stats.avg, _ = strconv.ParseFloat(m[2], 64)
			p.stats.max, _ = strconv.ParseFloat(m[3], 64)
		}
	}
	return p
}

// outcomes renders the per-ping lines compactly for expected-vs-actual.
func outcomes(lines []pingLine) string {
	var parts []string
	for _, l := range lines {
		parts = append(parts, l.String())
	}
	if len(parts) == 0 {
		return "no ping lines"
	}
	return strings.Join(parts, ", ")
}

// checkStats compares the statistics block with the ping lines and with
// what really happened (count pings sent, received of them answered).
func checkStats(p pingOutput, count, received int) error {
	s := p.stats
	if s == nil {
		return fmt.Errorf("there is no line \"N packets transmitted, R received, L%% packet loss\"")
	}
	if s.sent != count || s.received != received {
		return fmt.Errorf("the statistics say %d transmitted, %d received; %d pings were sent and %d answered in time",
			s.sent, s.received, count, received)
	}
	loss := 100 * float64(count-received) / float64(count)
	if abs(s.loss-loss) > 0.51 { // "33%" and "33.3%" both round 33.33
		return fmt.Errorf("the loss is %g%%; it should be %.1f%%", s.loss, loss)
	}
	if received == 0 {
		if s.hasRTT {
			return fmt.Errorf("an rtt line is printed although no reply arrived")
		}
		return nil
	}
	if !s.hasRTT {
		return fmt.Errorf("there is no line \"rtt min/avg/max = MIN/AVG/MAX ms\"")
	}
	var rtts []float64
	for _, l := range p.pings {
		if l.replied {
			rtts = append(rtts, l.rtt)
		}
	}
	if len(rtts) == 0 {
		return fmt.Errorf("the statistics count %d replies, but no reply line was printed", received)
	}
	lo, hi, sum := rtts[0], rtts[0], 0.0
	for _, r := range rtts {
		lo, hi, sum = min(lo, r), max(hi, r), sum+r
	}
	avg := sum / float64(len(rtts))
	// The lines show rounded times; the statistics may come from the
	// unrounded ones.
	const slack = 0.002
	if abs(s.min-lo) > slack || abs(s.max-hi) > slack || abs(s.avg-avg) > slack+0.001*avg {
		return fmt.Errorf("rtt min/avg/max = %g/%g/%g, but the reply lines give %.3f/%.3f/%.3f",
			s.min, s.avg, s.max, lo, avg, hi)
	}
	return nil
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
