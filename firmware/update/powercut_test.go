package update

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperEnv names the slots directory a re-executed test binary works on
// as the reader would, until it is killed.
const helperEnv = "PALMD_SLOTS_HELPER"

// TestPowerCutHelper is the reader side of TestPowerCutsLeaveABootableReader:
// started, switched to, installing, confirming and rejecting releases in
// a loop, saying before each step what it does. It does nothing in a
// normal run.
func TestPowerCutHelper(t *testing.T) {
	root := os.Getenv(helperEnv)
	if root == "" {
		t.Skip("run by TestPowerCutsLeaveABootableReader")
	}
	d := Dir{Root: root}
	stageDir := filepath.Join(filepath.Dir(root), "stage")
	if err := os.MkdirAll(stageDir, 0o700); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	for i := 0; ; i++ {
		say("boot")
		if _, err := d.Boot(); err != nil {
			t.Fatal(err)
		}
		switch rng.IntN(4) {
		case 0, 1:
			version := fmt.Sprintf("%d.%d.0", os.Getpid(), i)
			path, m := stage(t, stageDir, version, 1<<20+rng.IntN(1<<20))
			say("install " + version)
			if err := d.Install(path, m); err != nil && err != ErrTrying {
				t.Fatal(err)
			}
		case 2:
			say("confirm")
			if err := d.Confirm(); err != nil {
				t.Fatal(err)
			}
		case 3:
			say("reject")
			if err := d.Reject(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func say(step string) { fmt.Fprintln(os.Stdout, "step", step) }

// TestPowerCutsLeaveABootableReader kills (SIGKILL, as a power cut) a
// process that boots, installs, confirms and rejects releases on an A/B
// pair, at random instants, many times; after each cut the bootloader
// must pick a slot whose program is whole and starts, saying the version
// its slot records. PALMD_SLOT_CUTS sets the number of cuts.
func TestPowerCutsLeaveABootableReader(t *testing.T) {
	cuts := 60
	if testing.Short() {
		cuts = 20
	}
	if n, err := strconv.Atoi(os.Getenv("PALMD_SLOT_CUTS")); err == nil && n > 0 {
		cuts = n
	}
	root := filepath.Join(t.TempDir(), "slots")
	d := Dir{Root: root}
	first, _ := stage(t, t.TempDir(), "1.0.0", 1<<20)
	if err := d.Init(first, "1.0.0"); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	during := map[string]int{}
	versions := map[string]bool{}
	installWithin := 40 // ms after an install starts that a cut aimed at it may come
	for i := range cuts {
		// Every third cut aims at an install, the step that writes a
		// slot: with -race most of the time goes to hashing at boot.
		from, within := "any", 150
		if i%3 == 0 {
			from, within = "install", installWithin
		}
		step := cutDuring(t, root, from, time.Duration(rng.IntN(within))*time.Millisecond)
		during[step]++
		if from == "install" && step != "install" && installWithin > 1 {
			// The install was over before the cut: on a fast machine it
			// takes a few milliseconds, and a fixed 40 ms window missed
			// it in all seven aimed cuts of a short run now and then.
			installWithin /= 2
		}
		s, err := d.Boot()
		if err != nil {
			t.Fatalf("cut %d: the bootloader found nothing to start: %v", i+1, err)
		}
		if err := d.Whole(s.Name); err != nil {
			t.Fatalf("cut %d: slot %s is not whole: %v", i+1, s.Name, err)
		}
		out, err := exec.Command(s.Program).Output()
		if err != nil || strings.TrimSpace(string(out)) != s.Version {
			t.Fatalf("cut %d: slot %s (%s) started with %q, %v", i+1, s.Name, s.Version, out, err)
		}
		versions[s.Version] = true
	}
	if during["install"] == 0 || len(versions) < 2 {
		t.Fatalf("the cuts missed what they test: cut during %v, started %d versions", during, len(versions))
	}
	t.Logf("%d power cuts (during %v): %d bootable, %d versions started", cuts, during, cuts, len(versions))
}

// cutDuring runs the helper on root, kills it wait after its first step
// named from ("any": its first step at all), and says in which step it
// was.
func cutDuring(t *testing.T, root, from string, wait time.Duration) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPowerCutHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+root)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	steps := make(chan string, 1)
	working := make(chan struct{})
	go func() {
		last := "start"
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "step" {
				if from != "" && (from == "any" || from == f[1]) {
					close(working)
					from = ""
				}
				last = f[1]
			}
		}
		steps <- last
	}()
	// The instant is counted from the helper's first step (or its first
	// step from): a test binary built with -race takes longer to start
	// than the longest wait, and cuts before it works test nothing.
	select {
	case <-working:
	case <-time.After(30 * time.Second):
	}
	time.Sleep(wait)
	_ = cmd.Process.Kill()
	last := <-steps // the pipe closes when the process is gone
	state := cmd.Wait()
	if state == nil {
		t.Fatalf("the helper ended by itself before the cut")
	}
	return last
}
