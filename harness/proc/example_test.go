package proc_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/socklab/socklab/harness/proc"
)

// writeSubmission makes a submission as a student hands it in: a directory
// with bin/server, here a script that execs the real program, as a Python
// student's `exec python3 server.py "$@"` does. The real program is this
// test binary, run as a UDP server that answers in upper case.
func writeSubmission(server string) string {
	dir, err := os.MkdirTemp("", "submission")
	if err != nil {
		panic(err)
	}
	os.Mkdir(filepath.Join(dir, "bin"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "bin", "server"), []byte(server), 0o755); err != nil {
		panic(err)
	}
	return dir
}

func upperServer() string {
	exe, _ := os.Executable()
	return "#!/bin/sh\n" +
		"PROC_TEST_HELPER=udp-upper GORACE=atexit_sleep_ms=0 exec '" + exe + "' -test.run='^TestHelperProcess$' -- \"$@\"\n"
}

func ExampleStart() {
	dir := writeSubmission(upperServer())
	defer os.RemoveAll(dir)
	// (A submission with a Makefile is built first: proc.Build.)

	port, err := proc.ReservePort()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer port.Release()

	server, err := proc.Start(proc.Spec{
		Role: "server",
		Path: "bin/server", // in Dir
		Args: []string{"-port", strconv.Itoa(port.N)},
		Dir:  dir,
	})
	if err != nil {
		fmt.Println(err) // proc.ErrNoProgram: `make build` did not make it
		return
	}
	defer server.Stop() // whatever happens, nothing is left running

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.WaitListening(ctx, "udp", port.N); err != nil {
		// proc.ErrExited or proc.ErrNotReady, saying what the server did
		// instead: a check reports it to the student as it is.
		fmt.Println(err)
		return
	}

	conn, err := net.Dial("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port.N)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	conn.Write([]byte("hello"))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply := make([]byte, 512)
	n, err := conn.Read(reply)
	if err != nil {
		// A failed check quotes what became of the server.
		fmt.Println(err, server.Describe())
		return
	}
	fmt.Printf("%s\n", reply[:n])

	exit := server.Stop()
	fmt.Println("stopped by the grader:", exit.Stopped)
	fmt.Printf("report: %q\n", server.Describe()) // nothing to say: the check ended it
	// Output:
	// HELLO
	// stopped by the grader: true
	// report: ""
}

func ExampleProcess_Describe() {
	dir := writeSubmission("#!/bin/sh\necho starting\necho \"server: cannot open zone file $2\" >&2\nexit 2\n")
	defer os.RemoveAll(dir)

	server, err := proc.Start(proc.Spec{Role: "server", Path: "bin/server", Args: []string{"-zone", "example.zone"}, Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer server.Stop()
	<-server.Done()

	// The time it ran varies; the rest is what the student reads.
	fmt.Println(regexp.MustCompile(`after [0-9.]+ s`).ReplaceAllString(server.Describe(), "after 0.0 s"))
	// Output:
	// your server exited with status 2 after 0.0 s; its last output:
	//     server: cannot open zone file example.zone
}
