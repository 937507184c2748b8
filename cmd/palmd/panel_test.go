package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEntryOverOSDPInSimulation plays recognised people through the
// simulator endpoint: palmd sends each badge over OSDP (a pty, through the
// real serial driver) to the simulated door panel, which adopts the reader
// with a fresh Secure Channel key first, and palmd logs the panel's answer.
func TestEntryOverOSDPInSimulation(t *testing.T) {
	cfg, control := writeConfig(t)
	logs := startPalmd(t, cfg)
	waitLog(t, logs, "installed a secure channel key")
	for _, tc := range []struct{ body, want string }{
		{`{"facility":12,"card":3456}`, "access granted"},
		{`{"facility":12,"card":7}`, "access denied"},
	} {
		resp, err := http.Post("http://"+control+"/identify", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("identify %s: HTTP %d", tc.body, resp.StatusCode)
		}
		waitLog(t, logs, tc.want)
	}
	resp, err := http.Post("http://"+control+"/identify", "application/json", strings.NewReader(`{"facility":1000,"card":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("badge outside the format: HTTP %d, want 422", resp.StatusCode)
	}
}

// startPalmd runs palmd on cfg until the test ends and returns its log.
func startPalmd(t *testing.T, cfg string) *syncBuffer {
	t.Helper()
	t.Setenv("NOTIFY_SOCKET", "")
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-config", cfg}, logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return logs
}

// waitLog waits until the log contains want, and consumes it so a second
// wait for the same text needs a second occurrence.
func waitLog(t *testing.T, logs *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if logs.consume(want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("log never said %q:\n%s", want, logs.String())
}
