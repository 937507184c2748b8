// Package serialtest links two pseudo-terminals through socat so tests can
// drive two real serial ports against each other.
package serialtest

import (
	"bufio"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Pair starts `socat pty,raw,echo=0 pty,raw,echo=0` and returns the two
// slave paths. socat is stopped when the test ends. The test is skipped
// when socat is not installed.
func Pair(t testing.TB) (pathA, pathB string) {
	t.Helper()
	bin, err := exec.LookPath("socat")
	if err != nil {
		t.Skip("serialtest: socat not installed; cannot link two ptys")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		cancel()
		t.Fatalf("serialtest: %v", err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("serialtest: start socat: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })

	paths := make(chan []string, 1)
	go func() {
		var found []string
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.Index(line, "PTY is "); i >= 0 {
				found = append(found, strings.TrimSpace(line[i+len("PTY is "):]))
			}
			if strings.Contains(line, "starting data transfer") && len(found) == 2 {
				paths <- found
				found = nil
			}
		}
	}()
	select {
	case p := <-paths:
		return p[0], p[1]
	case <-time.After(10 * time.Second):
		t.Fatal("serialtest: socat did not report two ptys within 10s")
		return "", ""
	}
}
