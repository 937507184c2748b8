package loopback

import (
	"net"
	"strconv"
	"testing"
)

func TestAddrIsBelowTheEphemeralRange(t *testing.T) {
	low := ephemeralLow()
	for range 20 {
		addr := Addr(t)
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := strconv.Atoi(port)
		if host != "127.0.0.1" || p < lowest || p >= low {
			t.Fatalf("Addr = %s, want 127.0.0.1 with a port in [%d, %d)", addr, lowest, low)
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("Addr's %s cannot be bound: %v", addr, err)
		}
		l.Close()
	}
}

// TestPickSkipsABoundPort: a port someone listens on is not returned.
func TestPickSkipsABoundPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(lowest))
	if err != nil {
		t.Skipf("port %d is not free here: %v", lowest, err)
	}
	defer busy.Close()
	draws := []int{0, 0, 1}
	addr, err := pick(lowest+2, func(int) int { d := draws[0]; draws = draws[1:]; return d })
	if err != nil {
		t.Fatal(err)
	}
	if want := "127.0.0.1:" + strconv.Itoa(lowest+1); addr != want {
		t.Fatalf("pick = %s, want %s (the first free port drawn)", addr, want)
	}
}

func TestPickWithNoRoom(t *testing.T) {
	if _, err := pick(lowest, func(int) int { return 0 }); err == nil {
		t.Fatal("pick found a port in an empty range")
	}
}
