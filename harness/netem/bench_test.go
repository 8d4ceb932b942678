package netem_test

import (
	"net"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/netem"
)

// BenchmarkUDPProxy measures what the impairment proxy costs: a round
// trip to an echo server straight and through the proxy (no impairment:
// the proxy's own latency, both directions), and datagrams per second
// through it with 64 in flight. Run it with
//
//	go test -run '^$' -bench UDPProxy ./harness/netem/
//
// and read ns/op (a round trip) and datagrams/s; BENCHMARKS.md has them.
func BenchmarkUDPProxy(b *testing.B) {
	echo, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer echo.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := echo.ReadFromUDP(buf)
			if err != nil {
				return
			}
			echo.WriteToUDP(buf[:n], from)
		}
	}()
	proxy, err := netem.NewUDPProxy(netem.UDPConfig{Target: echo.LocalAddr().String(), Seed: 1, Key: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer proxy.Close()

	roundTrips := func(b *testing.B, to string) {
		c, err := net.Dial("udp", to)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		msg, buf := make([]byte, 64), make([]byte, 2048)
		b.ResetTimer()
		for b.Loop() {
			c.Write(msg)
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := c.Read(buf); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("direct", func(b *testing.B) { roundTrips(b, echo.LocalAddr().String()) })
	b.Run("proxy", func(b *testing.B) { roundTrips(b, proxy.Addr().String()) })
	b.Run("throughput", func(b *testing.B) {
		const window = 64
		c, err := net.Dial("udp", proxy.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		msg, buf := make([]byte, 64), make([]byte, 2048)
		for range window {
			c.Write(msg)
		}
		start := time.Now()
		got := 0
		b.ResetTimer()
		for b.Loop() {
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := c.Read(buf); err != nil {
				// A datagram lost by the kernel under load: send another.
				c.Write(msg)
				continue
			}
			got++
			c.Write(msg)
		}
		b.ReportMetric(float64(got)/time.Since(start).Seconds(), "datagrams/s")
	})
}
