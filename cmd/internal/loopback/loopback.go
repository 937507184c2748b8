// Package loopback gives tests a loopback address that nothing else will
// take between the moment it is chosen and the moment a server binds it.
//
// A port the kernel hands out for "127.0.0.1:0" lies in the ephemeral
// range, the same range it draws the source port of every outgoing
// connection from. A test that closes such a port and lets a server bind
// it later (or binds it again after a restart) can lose it to any
// client on the machine, a browser or another test package, and fail
// with "address already in use". Ports below the ephemeral range are
// never handed out that way.
package loopback

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// fallbackLow is IANA's first dynamic port, for kernels without Linux's
// /proc setting.
const fallbackLow = 49152

// lowest is the first port tried: below it sit the well-known ports and
// most of the registered ones a developer's machine may be running.
const lowest = 20000

// Addr returns "127.0.0.1:port" for a port below the kernel's ephemeral
// range that no one listens on now. Parallel callers draw ports at
// random, so two of them rarely meet.
func Addr(t testing.TB) string {
	t.Helper()
	addr, err := pick(ephemeralLow(), rand.IntN)
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// pick tries random ports in [lowest, high) until one can be bound.
func pick(high int, intn func(int) int) (string, error) {
	if high <= lowest {
		return "", fmt.Errorf("loopback: the ephemeral range starts at %d, leaving no port in [%d, %d)", high, lowest, high)
	}
	var err error
	for range 100 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(lowest+intn(high-lowest)))
		var l net.Listener
		if l, err = net.Listen("tcp", addr); err == nil {
			l.Close()
			return addr, nil
		}
	}
	return "", fmt.Errorf("loopback: no free port below %d after 100 tries: %w", high, err)
}

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return fallbackLow
	}
	fields := strings.Fields(string(b)) // "32768	60999"
	if len(fields) == 0 {
		return fallbackLow
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low <= 0 {
		return fallbackLow
	}
	return low
}
