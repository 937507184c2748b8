package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palmd/palmd/cmd/internal/loopback"
	"github.com/palmd/palmd/firmware/appliance"
)

// syncBuffer is a log sink safe to read while palmd writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// writeConfig copies the simulator config with a private state dir, a
// free loopback port for the control endpoint and service (a [service]
// table, or "" for none) in place of the simulator's.
func writeConfig(t testing.TB, service string) (path, control string) {
	t.Helper()
	b, err := os.ReadFile("../../configs/simulator.toml")
	if err != nil {
		t.Fatal(err)
	}
	control = freeAddr(t)
	dir := t.TempDir()
	s := strings.Replace(string(b), `state_dir = "var/palmd"`, `state_dir = "`+filepath.Join(dir, "state")+`"`, 1)
	s = strings.Replace(s, `control = "127.0.0.1:7070"`, `control = "`+control+`"`, 1)
	s = strings.Replace(s, `address = "127.0.0.1:8080"`, `address = ""`, 1) // a page only with -ui, on a port of the test's own
	start := strings.Index(s, "[service]")
	end := start + strings.Index(s[start:], "\n\n")
	s = s[:start] + service + s[end:]
	path = filepath.Join(dir, "palmd.toml")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, control
}

// freeAddr is a loopback address nothing listens on now, which no
// outgoing connection can take before palmd binds it (see loopback).
func freeAddr(t testing.TB) string {
	t.Helper()
	return loopback.Addr(t)
}

// palmd is a palmd running in this test process.
type palmd struct {
	t       testing.TB
	control string
	logs    *syncBuffer
	done    chan result
	cancel  context.CancelFunc
}

type result struct {
	restart appliance.Restart
	err     error
}

// startPalmd runs palmd on cfg, with extra flags, until stop or the end
// of the test.
func startPalmd(t testing.TB, cfg, control string, flags ...string) *palmd {
	t.Helper()
	t.Setenv("NOTIFY_SOCKET", "")
	ctx, cancel := context.WithCancel(context.Background())
	p := &palmd{t: t, control: control, logs: &syncBuffer{}, done: make(chan result, 1), cancel: cancel}
	go func() {
		r, _, err := run(ctx, append([]string{"-config", cfg}, flags...), p.logs)
		p.done <- result{r, err}
	}()
	t.Cleanup(func() { p.stop() })
	p.waitState("the control endpoint", func(appliance.Status) bool { return true })
	return p
}

// stop ends palmd and returns what run returned; stopping twice is fine.
func (p *palmd) stop() result {
	p.cancel()
	r, ok := <-p.done
	if ok {
		close(p.done)
		if r.err != nil {
			p.t.Errorf("run: %v", r.err)
		}
	}
	return r
}

// state is the appliance's status from the simulator's endpoint.
func (p *palmd) state() (appliance.Status, error) {
	var st appliance.Status
	resp, err := http.Get("http://" + p.control + "/state")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("GET /state: %s", resp.Status)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// waitState polls the state until ok, for up to 20 s.
func (p *palmd) waitState(what string, ok func(appliance.Status) bool) appliance.Status {
	p.t.Helper()
	var st appliance.Status
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, err = p.state(); err == nil && ok(st) {
			return st
		}
	}
	p.t.Fatalf("waiting for %s: last state %+v (%v)\nlog:\n%s", what, st, err, p.logs.String())
	return st
}

// post sends a request to the simulator's endpoint.
func (p *palmd) post(path, ctype string, body []byte) {
	p.t.Helper()
	resp, err := http.Post("http://"+p.control+path, ctype, bytes.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		p.t.Fatalf("POST %s: %s", path, resp.Status)
	}
}

func (p *palmd) identify(body string) { p.post("/identify", "application/json", []byte(body)) }

// decide presents a recognised person and waits for the outcome.
func (p *palmd) decide(body string) appliance.Status {
	p.t.Helper()
	p.waitState("the entry idle", func(s appliance.Status) bool { return s.Screen.Name == appliance.ScreenIdle })
	p.identify(body)
	return p.waitState("an outcome of "+body, func(s appliance.Status) bool { return s.Entry == appliance.StepResult })
}

// devcloud is the reference service run from its binary, as a person
// would, and driven through its command line.
type devcloud struct {
	t        testing.TB
	bin, dir string
	url      string
	cmd      *exec.Cmd
	addr     string
}

var devcloudBuild struct {
	once sync.Once
	bin  string
	err  error
}

// devcloudBinary builds devcloud once for the test binary.
func devcloudBinary(t testing.TB) string {
	devcloudBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "palmd-devcloud")
		if err != nil {
			devcloudBuild.err = err
			return
		}
		devcloudBuild.bin = filepath.Join(dir, "devcloud")
		if out, err := exec.Command("go", "build", "-o", devcloudBuild.bin, "../devcloud").CombinedOutput(); err != nil {
			devcloudBuild.err = fmt.Errorf("build devcloud: %v\n%s", err, out)
		}
	})
	if devcloudBuild.err != nil {
		t.Fatal(devcloudBuild.err)
	}
	return devcloudBuild.bin
}

func startDevcloud(t testing.TB) *devcloud {
	t.Helper()
	d := &devcloud{t: t, bin: devcloudBinary(t), dir: t.TempDir(), addr: "127.0.0.1:0"}
	d.start()
	t.Cleanup(d.stop)
	return d
}

// start serves; after a stop it serves again on the same address.
func (d *devcloud) start() {
	d.t.Helper()
	d.cmd = exec.Command(d.bin, "serve", "--dir", d.dir, "--addr", d.addr)
	stdout, _ := d.cmd.StdoutPipe()
	d.cmd.Stderr = os.Stderr
	if err := d.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		d.t.Fatalf("devcloud said nothing: %v", err)
	}
	if _, err := fmt.Sscanf(line, "devcloud serving %s", &d.url); err != nil {
		d.t.Fatalf("devcloud: %q", line)
	}
	d.addr = strings.TrimPrefix(d.url, "https://")
}

// stop kills the service, as a pulled network cable would look.
func (d *devcloud) stop() {
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
		d.cmd = nil
	}
}

// cli runs a devcloud command and decodes its JSON output.
func (d *devcloud) cli(out any, args ...string) {
	d.t.Helper()
	b, err := exec.Command(d.bin, append([]string{"--dir", d.dir}, args...)...).Output()
	if err != nil {
		d.t.Fatalf("devcloud %v: %v", args, err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			d.t.Fatalf("devcloud %v: %v: %s", args, err, b)
		}
	}
}

// door creates a site, a template and a configured instance with the
// command line, and writes the instance's activation code as a PNG.
func (d *devcloud) door(t testing.TB) (instance, png string) {
	var site struct{ SiteID string }
	d.cli(&site, "site", "create", "HQ", "--line1", "1 Main St", "--city", "Springfield", "--country", "US")
	var tmpl struct{ TemplateID string }
	d.cli(&tmpl, "template", "create", "entry")
	var inst struct{ DeviceInstanceID string }
	d.cli(&inst, "instance", "create", "Front door", "--site", site.SiteID)
	d.cli(nil, "instance", "configure", inst.DeviceInstanceID, "--template", tmpl.TemplateID)
	png = filepath.Join(t.TempDir(), "code.png")
	d.cli(nil, "qr", inst.DeviceInstanceID, "--png", png)
	return inst.DeviceInstanceID, png
}

// configure gives the instance a whole configuration.
func (d *devcloud) configure(instance string, cfg any) {
	d.t.Helper()
	body, err := json.Marshal(map[string]any{"configuration": cfg})
	if err != nil {
		d.t.Fatal(err)
	}
	d.cli(nil, "PUT", "/manage/instances/"+instance+"/configuration", string(body))
}

// serviceSection is the local configuration's [service] for this
// devcloud, with extra lines.
func (d *devcloud) serviceSection(extra string) string {
	return fmt.Sprintf("[service]\nurl = %q\ntrust_anchor = %q\nactivation_key = %q\n%s",
		d.url, filepath.Join(d.dir, "ca.pem"), filepath.Join(d.dir, "activation.pub"), extra)
}

// published returns the events devcloud published, decoded.
func (d *devcloud) published() []map[string]any {
	b, _ := os.ReadFile(filepath.Join(d.dir, "events.jsonl"))
	var evs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(line), &ev) == nil {
			evs = append(evs, ev)
		}
	}
	return evs
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// activate takes a palmd through first boot and activation with the
// instance's code.
func (p *palmd) activate(png string) appliance.Status {
	p.t.Helper()
	p.firstBoot()
	p.post("/camera", "image/png", mustRead(p.t, png))
	st := p.waitState("activation", func(s appliance.Status) bool { return s.Phase == appliance.PhaseActive && s.Config > 0 })
	p.post("/camera", "image/png", nil) // the installer puts the phone away
	return st
}

// firstBoot taps through the first boot over the simulated Ethernet
// cable to "Scan QR code".
func (p *palmd) firstBoot() {
	p.t.Helper()
	p.waitState("first boot", func(s appliance.Status) bool { return s.Phase == appliance.PhaseSetup })
	for _, step := range []struct{ button, next string }{
		{appliance.ButtonStart, appliance.ScreenChooseNetwork},
		{appliance.ButtonEthernet, appliance.ScreenConnected},
		{appliance.ButtonOK, appliance.ScreenScanCode},
	} {
		p.post("/touch", "application/json", []byte(`{"button":"`+step.button+`"}`))
		p.waitState(step.next, func(s appliance.Status) bool { return s.Screen.Name == step.next })
	}
}

// httpGetJSON decodes a GET's JSON answer.
func httpGetJSON(url string, v any) (*http.Response, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp, json.NewDecoder(resp.Body).Decode(v)
}
