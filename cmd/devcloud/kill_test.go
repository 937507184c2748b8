package main

import (
	"bufio"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palmd/palmd/cmd/internal/loopback"
	"github.com/palmd/palmd/firmware/api"
)

// childEnv makes the test binary run devcloud with the arguments it holds
// (separated by newlines) instead of the tests, so a test can kill -9 a real
// devcloud process.
const childEnv = "DEVCLOUD_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		os.Exit(run(context.Background(), strings.Split(args, "\n"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// child is a devcloud process serving dir on addr.
type child struct {
	t   *testing.T
	cmd *exec.Cmd
}

func startChild(t *testing.T, dir, addr string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join([]string{"serve", "--dir", dir, "--addr", addr, "--hosts", "127.0.0.1"}, "\n"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd}
	t.Cleanup(c.kill)
	line, err := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "devcloud serving") {
		t.Fatalf("devcloud did not start: %q %v", line, err)
	}
	return c
}

func (c *child) kill() {
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
}

// TestKill9LosesNoAcknowledgedEvent: devcloud is killed with SIGKILL at
// random moments while a reader delivers events; after the last restart
// every event is published exactly once.
func TestKill9LosesNoAcknowledgedEvent(t *testing.T) {
	kills, perRound := 30, 200
	if testing.Short() {
		kills, perRound = 8, 100
	}
	dir := t.TempDir()
	addr := loopback.Addr(t) // bound again by every restart
	c := startChild(t, dir, addr)
	m, err := newManager(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	svc := &service{t: t, dir: dir, addr: addr, admin: m}
	_, inst := svc.door("", "Loading bay")
	r := newReader(t, svc, "")
	r.activate(svc.qrToken(inst))
	rng := rand.New(rand.NewPCG(15, 2))
	var ids []string
	for range kills {
		for range perRound {
			ids = append(ids, r.recordAt(api.EventRecognized, api.Recognition{Profile: "p", Badge: "1:2", Decision: api.DecisionGranted}, time.Now()).ID)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = r.syncr.Flush(ctx); close(done) }()
		// Fault injection, not synchronisation: the kill lands anywhere
		// in the delivery of the batch.
		time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
		c.kill()
		cancel()
		<-done
		c = startChild(t, dir, addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.syncr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c.kill() // everything acknowledged is published before its answer
	svc = startService(t, dir, addr)
	if err := svc.srv.events.flush(); err != nil {
		t.Fatal(err)
	}
	seen := svc.countIDs()
	published, lost, dup := 0, 0, 0
	for _, id := range ids {
		switch n := seen[id]; {
		case n == 0:
			lost++
		case n > 1:
			dup += n - 1
		}
		published += min(seen[id], 1)
	}
	t.Logf("kills %d, events emitted %d, published %d, lost %d, duplicated %d", kills, len(ids), published, lost, dup)
	if lost != 0 || dup != 0 {
		t.Fatalf("%d events lost and %d duplicated", lost, dup)
	}
}
