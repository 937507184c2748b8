package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/appliance"
)

var palmdBuild struct {
	once sync.Once
	bin  string
	err  error
}

// palmdBinary builds palmd once for the test binary.
func palmdBinary(t *testing.T) string {
	palmdBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "palmd-bin")
		if err != nil {
			palmdBuild.err = err
			return
		}
		palmdBuild.bin = filepath.Join(dir, "palmd")
		if out, err := exec.Command("go", "build", "-o", palmdBuild.bin, ".").CombinedOutput(); err != nil {
			palmdBuild.err = fmt.Errorf("build palmd: %v\n%s", err, out)
		}
	})
	if palmdBuild.err != nil {
		t.Fatal(palmdBuild.err)
	}
	return palmdBuild.bin
}

// process is palmd run as its own process, so that it can be killed.
type process struct {
	t       *testing.T
	cmd     *exec.Cmd
	control string
}

func startProcess(t *testing.T, cfg, control string) *process {
	t.Helper()
	cmd := exec.Command(palmdBinary(t), "-config", cfg)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{t: t, cmd: cmd, control: control}
	t.Cleanup(p.kill)
	return p
}

// kill is a power cut: SIGKILL, nothing flushed, nothing closed.
func (p *process) kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

func (p *process) view() *palmd { return &palmd{t: p.t, control: p.control, logs: &syncBuffer{}} }

// TestPowerCuts: palmd is killed (SIGKILL, as a power cut) at random
// points while people are recognised, and started again, many times.
// Every entry the reader finished (its screen showed the outcome) is
// published by the service exactly once; one cut short may be published
// or not, never twice. PALMD_POWER_CUTS sets the number of cuts (make
// bench: 40).
func TestPowerCuts(t *testing.T) {
	cuts := 4
	if testing.Short() {
		cuts = 3
	}
	if n, err := strconv.Atoi(os.Getenv("PALMD_POWER_CUTS")); err == nil && n > 0 {
		cuts = n // make bench asks for more
	}
	dc := startDevcloud(t)
	_, code := dc.door(t)
	cfg, control := writeConfig(t, dc.serviceSection(""))
	p := startProcess(t, cfg, control)
	p.view().activate(code)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	finished, cutShort := 0, 0
	for range cuts {
		v := p.view()
		v.waitState("entry", func(s appliance.Status) bool { return s.Screen.Name == appliance.ScreenIdle && s.PanelUp })
		for range rng.IntN(4) {
			v.decide(`{"facility":12,"card":3456}`)
			finished++
		}
		v.identify(`{"facility":12,"card":3456}`) // and cut while it is decided
		time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
		p.kill()
		cutShort++
		p = startProcess(t, cfg, control)
	}
	var published map[string]int
	total := func() (n int) {
		for _, c := range published {
			n += c
		}
		return n
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		published = map[string]int{}
		for _, ev := range dc.published() {
			if ev["detail-type"] == api.EventRecognized {
				published[ev["id"].(string)]++
			}
		}
		if total() >= finished {
			break
		}
	}
	for id, n := range published {
		if n != 1 {
			t.Errorf("event %s published %d times", id, n)
		}
	}
	if total() < finished || total() > finished+cutShort {
		t.Fatalf("%d cuts: %d entries finished, %d cut short, %d published", cuts, finished, cutShort, total())
	}
	t.Logf("%d power cuts: %d entries finished, %d cut short; %d published, 0 lost, 0 duplicated", cuts, finished, cutShort, total())
}
