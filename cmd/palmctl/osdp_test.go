package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/serial/serialtest"
)

// child is palmctl running in its own process.
type child struct {
	t     *testing.T
	stdin io.WriteCloser
	lines chan map[string]any
}

func startPalmctl(t *testing.T, args ...string) *child {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "PALMCTL_AS_MAIN=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	c := &child{t: t, stdin: stdin, lines: make(chan map[string]any, 1024)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("%s printed a line that is not JSON: %q", args[1], sc.Text())
				continue
			}
			c.lines <- m
		}
		close(c.lines)
	}()
	return c
}

func (c *child) say(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

// await returns the first line whose fields include want.
func (c *child) await(want map[string]any) map[string]any {
	c.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case m, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("process exited before printing %v", want)
			}
			if matches(m, want) {
				return m
			}
		case <-timeout:
			c.t.Fatalf("no line with %v", want)
		}
	}
}

func matches(m, want map[string]any) bool {
	for k, v := range want {
		if m[k] != v {
			return false
		}
	}
	return true
}

// TestOSDPTwoProcesses runs `palmctl osdp pd` and `palmctl osdp cp` as two
// processes on the two ends of a pty pair, with Secure Channel.
func TestOSDPTwoProcesses(t *testing.T) {
	a, b := serialtest.Pair(t)
	key := "00112233445566778899aabbccddeeff"
	pd := startPalmctl(t, "osdp", "pd", "--dev", a, "--addr", "4", "--scbk", key)
	pd.await(map[string]any{"kind": "ready"})
	cp := startPalmctl(t, "osdp", "cp", "--dev", b, "--addr", "4", "--scbk", key)
	on := cp.await(map[string]any{"kind": "online"})
	if on["secure"] != true || on["addr"] != 4.0 {
		t.Fatalf("online line %v", on)
	}
	pd.say("card text 1234") // no --fmt: the panel is not known to take FMT
	if e := pd.await(map[string]any{"kind": "error"}); !strings.Contains(e["error"].(string), "osdp_FMT") {
		t.Fatalf("text read without --fmt: %v", e)
	}
	pd.say("card 26 02468ac0")
	card := cp.await(map[string]any{"kind": "card"})
	if card["bits"] != 26.0 || card["data"] != "02468ac0" {
		t.Fatalf("card line %v", card)
	}
	cp.say("led 4 green 2")
	if r := cp.await(map[string]any{"kind": "reply", "command": "LED"}); r["reply"] != "ACK" {
		t.Fatalf("LED reply %v", r)
	}
	led := pd.await(map[string]any{"kind": "led"})
	if rec, _ := led["record"].(map[string]any); rec == nil || rec["Temp"].(map[string]any)["OnColor"] != 2.0 {
		t.Fatalf("PD saw LED %v", led)
	}
	cp.say("text 4 Access granted")
	if txt := pd.await(map[string]any{"kind": "text"}); txt["text"] != "Access granted" {
		t.Fatalf("PD saw text %v", txt)
	}
	pd.say("tamper on")
	if st := cp.await(map[string]any{"kind": "status"}); st["tamper"] != true {
		t.Fatalf("status line %v", st)
	}
	cp.say("out 4 9 on")
	if r := cp.await(map[string]any{"kind": "reply", "command": "OUT"}); !strings.Contains(r["error"].(string), "NAK") {
		t.Fatalf("OUT to a missing output: %v", r)
	}
	cp.say("bogus")
	if e := cp.await(map[string]any{"kind": "error"}); e["input"] != "bogus" {
		t.Fatalf("error line %v", e)
	}
}

func TestOSDPUsage(t *testing.T) {
	for _, args := range [][]string{{"osdp"}, {"osdp", "pd"}, {"osdp", "cp", "--dev", "/dev/null", "--scbk", "zz"}} {
		var out, errb strings.Builder
		if code := dispatch(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	var out, errb strings.Builder
	if code := dispatch(context.Background(), []string{"osdp", "pd", "--dev", "/nonexistent/tty"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "/nonexistent/tty") {
		t.Errorf("missing device: exit %d, stderr %q", code, errb.String())
	}
}
