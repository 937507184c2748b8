package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// devcloud is the reference service run from its binary, as a person
// would, and driven through its command line.
type devcloud struct {
	t        *testing.T
	bin, dir string
	url      string
}

func startDevcloud(t *testing.T) *devcloud {
	t.Helper()
	d := &devcloud{t: t, bin: filepath.Join(t.TempDir(), "devcloud"), dir: t.TempDir()}
	if out, err := exec.Command("go", "build", "-o", d.bin, "../devcloud").CombinedOutput(); err != nil {
		t.Fatalf("build devcloud: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, d.bin, "serve", "--dir", d.dir, "--addr", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("devcloud said nothing: %v", err)
	}
	if _, err := fmt.Sscanf(line, "devcloud serving %s", &d.url); err != nil {
		t.Fatalf("devcloud: %q", line)
	}
	return d
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

// TestActivationInSimulation: an installer creates a site, a template and
// an instance with the devcloud command line, shows the QR code PNG to the
// simulated camera; palmd activates, syncs, and its recognition events
// reach the service.
func TestActivationInSimulation(t *testing.T) {
	dc := startDevcloud(t)
	inst, pngPath := dc.door(t)
	cfg, control := writeConfigWith(t, dc.serviceSection(""))
	logs := startPalmd(t, cfg)
	waitLog(t, logs, "Scan QR code")
	post(t, "http://"+control+"/camera", "image/png", mustRead(t, filepath.Join("testdata", "no-code.png")))
	waitLog(t, logs, "no activation code in view")
	post(t, "http://"+control+"/camera", "image/png", mustRead(t, pngPath))
	waitLog(t, logs, "Activation complete!")
	waitLog(t, logs, "service: in sync")

	var got struct {
		State    string
		AssetTag string `json:"assetTagId"`
	}
	dc.cli(&got, "GET", "/manage/instances/"+inst)
	if got.State != "ACTIVE" || got.AssetTag != "sim-reader-1" {
		t.Fatalf("instance %+v", got)
	}
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(logs.String(), "installed a secure channel key"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the door panel never adopted the reader")
		}
	}
	post(t, "http://"+control+"/identify", "application/json", []byte(`{"facility":12,"card":3456}`))
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(readFile(t, filepath.Join(dc.dir, "events.jsonl")), `"detail-type":"Successful Recognition"`) {
		if time.Now().After(deadline) {
			t.Fatalf("recognition event never reached the service:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// door creates a site, a template and a configured instance with the
// command line, and writes the instance's activation code as a PNG.
func (d *devcloud) door(t *testing.T) (instance, png string) {
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

// serviceSection is the local configuration's [service] for this
// devcloud, with extra lines.
func (d *devcloud) serviceSection(extra string) string {
	return fmt.Sprintf("[service]\nurl = %q\ntrust_anchor = %q\nactivation_key = %q\n%s",
		d.url, filepath.Join(d.dir, "ca.pem"), filepath.Join(d.dir, "activation.pub"), extra)
}

// TestSoftwareUpdateInSimulation: a release published on devcloud's command
// line reaches an activated palmd, which installs it into
// service.install_to and ends asking to restart into it.
func TestSoftwareUpdateInSimulation(t *testing.T) {
	dc := startDevcloud(t)
	_, pngPath := dc.door(t)
	target := filepath.Join(t.TempDir(), "palmd-installed")
	cfg, control := writeConfigWith(t, dc.serviceSection(fmt.Sprintf("release_key = %q\ninstall_to = %q",
		filepath.Join(dc.dir, "release.pub"), target)))
	t.Setenv("NOTIFY_SOCKET", "")
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-config", cfg}, logs) }()
	waitLog(t, logs, "Scan QR code")
	post(t, "http://"+control+"/camera", "image/png", mustRead(t, pngPath))
	waitLog(t, logs, "service: in sync")

	build := filepath.Join(t.TempDir(), "palmd-9.9.9")
	body := []byte("#!/bin/sh\necho palmd 9.9.9\n")
	if err := os.WriteFile(build, body, 0o755); err != nil {
		t.Fatal(err)
	}
	dc.cli(nil, "release", "publish", build, "--version", "9.9.9", "--arch", runtime.GOARCH)
	select {
	case err := <-done:
		var rb *rebootError
		if !errors.As(err, &rb) || rb.device || rb.program != target {
			t.Fatalf("palmd ended with %v, want a restart into %s", err, target)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("palmd did not install the release:\n%s", logs.String())
	}
	if got := readFile(t, target); got != string(body) {
		t.Fatalf("installed program %q", got)
	}
	if !strings.Contains(logs.String(), "software update installed; restarting") {
		t.Fatalf("no log of the update:\n%s", logs.String())
	}
}

func post(t *testing.T, url, ctype string, body []byte) {
	t.Helper()
	resp, err := http.Post(url, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %s", url, resp.Status)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFile(t *testing.T, path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// TestRefusedCodeLeftAlone: a refused code in view is not sent again on
// every frame, but is after the pause; another code is tried at once.
func TestRefusedCodeLeftAlone(t *testing.T) {
	t0 := time.Unix(1000, 0)
	r := refusal{pause: 5 * time.Second}
	if r.holds("A", t0) {
		t.Fatal("a code never refused is held back")
	}
	r.note("A", t0)
	tests := []struct {
		code  string
		after time.Duration
		held  bool
	}{
		{"A", 0, true},
		{"A", 4 * time.Second, true},
		{"B", time.Second, false},
		{"A", 5 * time.Second, false},
	}
	for _, tc := range tests {
		if got := r.holds(tc.code, t0.Add(tc.after)); got != tc.held {
			t.Errorf("%s after %s: held %v, want %v", tc.code, tc.after, got, tc.held)
		}
	}
}
