package netem_test

import (
	"fmt"
	"log"
	"net"
	"time"

	"github.com/socklab/socklab/harness/netem"
)

func ExampleParseScript() {
	s, err := netem.ParseScript("drop 3, dup 5, swap 7")
	if err != nil {
		log.Fatal(err)
	}
	link := netem.NewLink(1, "udp-echo/reorder", netem.Up, []netem.Impairment{s})
	for n := uint64(1); n <= 8; n++ {
		fmt.Printf("#%d %v\n", n, link.Decide(n, 10))
	}

	_, err = netem.ParseScript("drop 3, hold 7")
	fmt.Println(err)
	// Output:
	// #1 delivered
	// #2 delivered
	// #3 dropped (script: drop)
	// #4 delivered
	// #5 duplicated x2 (script: dup x2)
	// #6 delivered
	// #7 held for 1 (script: hold for 1)
	// #8 delivered
	// netem: script: "hold 7" at item 2: want "hold N for K"
}

func ExampleParseImpairments() {
	chain, err := netem.ParseImpairments("loss=30%, delay=20ms~5ms, swap 2")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(netem.FormatImpairments(chain))

	// The same seed, check and direction give the same fates on every run.
	link := netem.NewLink(36, "udp-echo/ping", netem.Up, chain)
	for n := uint64(1); n <= 5; n++ {
		fmt.Printf("#%d %v\n", n, link.Decide(n, 64))
	}
	// Output:
	// loss=0.3, delay=20ms~5ms, swap 2
	// #1 delayed 20.663ms (delay 20ms~5ms)
	// #2 held for 1, delayed 17.694ms (delay 20ms~5ms; script: hold for 1)
	// #3 delayed 16.502ms (delay 20ms~5ms)
	// #4 dropped (loss p=0.30)
	// #5 delayed 24.283ms (delay 20ms~5ms)
}

func ExampleNewUDPProxy() {
	// An echo server stands for the student's program.
	echo, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		log.Fatal(err)
	}
	defer echo.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := echo.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			echo.WriteToUDPAddrPort(buf[:n], from)
		}
	}()

	up, err := netem.ParseImpairments("drop 2, dup 3")
	if err != nil {
		log.Fatal(err)
	}
	proxy, err := netem.NewUDPProxy(netem.UDPConfig{
		Target: echo.LocalAddr().String(),
		Seed:   1,
		Key:    "udp-echo/example",
		Up:     up,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer proxy.Close()

	client, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(proxy.Addr()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	for _, msg := range []string{"one", "two", "three", "end"} {
		client.Write([]byte(msg))
	}
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	for {
		n, err := client.Read(buf)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("echo:", string(buf[:n]))
		if string(buf[:n]) == "end" {
			break
		}
	}
	for _, ev := range proxy.Events() {
		if ev.Dir == netem.Up {
			fmt.Printf("up #%d %q: %v\n", ev.N, ev.Data, ev.Fate)
		}
	}
	// Output:
	// echo: one
	// echo: three
	// echo: three
	// echo: end
	// up #1 "one": delivered
	// up #2 "two": dropped (script: drop)
	// up #3 "three": duplicated x2 (script: dup x2)
	// up #4 "end": delivered
}

func ExampleChain() {
	// A server that pauses before each read: without pacing, "hel" and
	// "lo\n" would usually reach it together.
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	reads := make(chan string)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 100)
		for {
			time.Sleep(5 * time.Millisecond)
			n, err := c.Read(buf)
			if err != nil {
				close(reads)
				return
			}
			reads <- string(buf[:n])
		}
	}()

	conn, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		log.Fatal(err)
	}
	w := netem.Chain(netem.NewSegmentWriter(conn, netem.WriterOptions{Paced: true}), nil)
	go func() {
		w.WriteSegment([]byte("hel"))
		w.WriteSegment([]byte("lo\n"))
		w.CloseWrite()
	}()
	for r := range reads {
		fmt.Printf("recv %q\n", r)
	}
	// Output:
	// recv "hel"
	// recv "lo\n"
}
