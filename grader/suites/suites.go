// Package suites registers every assignment's checks with the grader;
// import it for its side effect.
package suites

import (
	_ "github.com/socklab/socklab/grader/suites/dns"
	_ "github.com/socklab/socklab/grader/suites/httpclient"
	_ "github.com/socklab/socklab/grader/suites/smtpclient"
	_ "github.com/socklab/socklab/grader/suites/tcpecho"
	_ "github.com/socklab/socklab/grader/suites/udpecho"
)
