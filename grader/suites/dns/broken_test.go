package dns_test

import (
	"testing"

	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/grader/suites/dns"
)

// The checks, by ID, as `socklab list dns` prints them: those that some
// broken server loses.
const (
	headerID         = "dns/header/id"
	headerAA         = "dns/header/aa"
	pointerLoop      = "dns/malformed/pointer-loop"
	answerTXT        = "dns/answer/txt"
	answerTTL        = "dns/answer/ttl"
	answerCase       = "dns/answer/case-insensitive"
	nxdomain         = "dns/negative/nxdomain"
	soaTTL           = "dns/negative/soa-ttl"
	emptyNonTerminal = "dns/negative/empty-non-terminal"
	cnameFollow      = "dns/cname/follow"
	additionalMX     = "dns/additional/mx"
	additionalNS     = "dns/additional/ns"
	belowCut         = "dns/referral/below-cut"
	atCut            = "dns/referral/at-cut"
	compressionUsed  = "dns/compression/used"
	truncationTC     = "dns/truncation/tc"
	tcpRetry         = "dns/truncation/tcp-retry"
	tcpQuery         = "dns/tcp/query"
	tcpSeveral       = "dns/tcp/several"
	tcpSliced        = "dns/tcp/sliced"
	ednsOPT          = "dns/edns/opt"
	ednsPayload      = "dns/edns/payload"
	ednsBadVers      = "dns/edns/badvers"

	resolverRDClear        = "dns/resolver/rd-clear"
	resolverCNAMELoop      = "dns/resolver/cname-loop"
	resolverCacheHit       = "dns/resolver/cache-hit"
	resolverCacheExpiry    = "dns/resolver/cache-expiry"
	resolverDelegation     = "dns/resolver/cache-delegation"
	resolverNegativeCache  = "dns/resolver/negative-cache"
	resolverNegativeExpiry = "dns/resolver/negative-expiry"
	resolverForgedID       = "dns/resolver/forged-id"
	resolverForgedQuestion = "dns/resolver/forged-question"
	resolverForgedSource   = "dns/resolver/forged-source"
	resolverBailiwick      = "dns/resolver/bailiwick"
	resolverUnpredictable  = "dns/resolver/unpredictable"
	resolverLoss           = "dns/resolver/loss"
	resolverDeadServer     = "dns/resolver/dead-server"
	resolverLameServer     = "dns/resolver/lame-server"
	resolverTCPFallback    = "dns/resolver/tcp-fallback"
	resolverManyClients    = "dns/resolver/many-clients"
)

// The two parts of the assignment, as -run selects them: a broken server
// is graded on part 1, a broken resolver on part 2.
const (
	partOne = "^dns/(header|malformed|answer|negative|cname|additional|referral|compression|truncation|tcp|edns|load)/"
	partTwo = "^dns/resolver/"
)

// TestBroken grades each broken server in testdata/broken on part 1: the
// reference with one realistic mistake, made at build time by the
// bug.patch in its directory (see testdata/broken/broken.mk). Each must
// lose exactly the checks its patch's header lists, and pass every other.
func TestBroken(t *testing.T) {
	tests := []struct {
		name string
		lose []string // the checks it must fail; it must pass all others
	}{
		// §2 The message format.
		{"id-not-echoed", []string{headerID}},
		{"aa-missing", []string{headerAA, cnameFollow}},
		{"no-compression", []string{compressionUsed}},
		{"pointer-loop", []string{pointerLoop}},
		{"txt-joined", []string{answerTXT}},

		// §3 How the server answers, and §4 Zone files.
		{"case-sensitive", []string{answerCase}},
		{"ttl-3600", []string{answerTTL}},
		{"nxdomain-no-soa", []string{nxdomain, soaTTL}},
		{"negative-ttl-soa", []string{soaTTL}},
		{"ent-nxdomain", []string{emptyNonTerminal}},
		{"cname-not-followed", []string{cnameFollow}},
		{"no-additional", []string{additionalMX, additionalNS, belowCut, atCut}},
		{"referral-as-answer", []string{belowCut, atCut}},

		// §5 UDP, TCP and EDNS.
		{"no-truncation", []string{truncationTC, ednsPayload}},
		{"udp-only", []string{tcpRetry, tcpQuery, tcpSeveral, tcpSliced}},
		{"tcp-one-recv", []string{tcpSeveral, tcpSliced}},
		{"no-edns", []string{ednsOPT, ednsPayload, ednsBadVers}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gradertest.ExpectLostIn(t, dns.Suite, partOne, "testdata/broken/"+tt.name, tt.lose...)
		})
	}
}

// TestBrokenResolvers grades each broken resolver in testdata/broken on
// part 2, as TestBroken does the servers.
func TestBrokenResolvers(t *testing.T) {
	tests := []struct {
		name string
		lose []string
	}{
		// §8 Iterated queries.
		{"resolver-rd-upstream", []string{resolverRDClear}},
		{"resolver-cname-loop", []string{resolverCNAMELoop}},

		// §9 Caching.
		{"resolver-no-cache", []string{resolverCacheHit, resolverDelegation, resolverNegativeCache}},
		{"resolver-never-expires", []string{resolverCacheExpiry, resolverNegativeExpiry}},

		// §10 Trust.
		{"resolver-accepts-any", []string{resolverForgedID, resolverForgedQuestion, resolverForgedSource}},
		{"resolver-fixed-id", []string{resolverUnpredictable}},
		{"resolver-no-bailiwick", []string{resolverBailiwick}},

		// §11 When servers fail.
		{"resolver-no-retry", []string{resolverLoss, resolverDeadServer, resolverLameServer}},
		{"resolver-no-tcp", []string{resolverTCPFallback}},
		{"resolver-serial", []string{resolverManyClients}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gradertest.ExpectLostIn(t, dns.Suite, partTwo, "testdata/broken/"+tt.name, tt.lose...)
		})
	}
}
