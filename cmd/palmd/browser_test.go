package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The touchscreen in a real browser: headless Chromium (scripts/deps.sh
// installs it) driven through the DevTools protocol by chromedp, on the
// page palmd serves. Each test saves a screenshot of every screen it
// reaches in its artifact directory (go test -artifacts -outputdir DIR
// keeps them); the README's come from there.

// chromium finds the browser: PALMD_CHROMIUM, or Debian's.
func chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("PALMD_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("no Chromium: run scripts/deps.sh (or set PALMD_CHROMIUM)")
	return ""
}

// browserContext starts a fresh headless Chromium for the test. The
// flags keep it off the network: this machine has none, and a test must
// not wait on one.
func browserContext(t testing.TB) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(720, 1280), chromedp.CombinedOutput(&browserLog{t: t}),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The browser belongs to the context of the first call: start it on
	// this one, or the first step's timeout would end it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return ctx
}

// browserLog keeps Chromium's own output for a failure, leaving out the
// complaints of a machine without D-Bus.
type browserLog struct {
	t  testing.TB
	mu sync.Mutex
}

func (l *browserLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line != "" && !strings.Contains(line, "dbus") && !strings.Contains(line, "DBus") {
			l.t.Logf("chromium: %s", line)
		}
	}
	return len(b), nil
}

// page is the reader's screen in the browser.
type page struct {
	t   testing.TB
	ctx context.Context
	dir string // where screenshots go
	n   int    // screenshots taken, for their order
}

// openPage shows the touchscreen page at url at the screen's size.
func openPage(t *testing.T, url string) *page {
	t.Helper()
	if testing.Short() {
		t.Skip("the browser tests run without -short")
	}
	p := &page{t: t, ctx: browserContext(t), dir: t.ArtifactDir()}
	p.do(chromedp.EmulateViewport(720, 1280), chromedp.Navigate(url))
	return p
}

// browserTimeout bounds each step in the browser.
const browserTimeout = 30 * time.Second

// do runs browser steps, failing the test after browserTimeout.
func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("browser: %v; the page: %s", err, p.describe())
	}
}

// get runs one browser action that gives a value.
func get[T any](p *page, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("browser: %v; the page: %s", err, p.describe())
	}
	return v
}

// describe is what the page reports and shows, for a failure.
func (p *page) describe() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(document.body.dataset)+" "+document.body.innerText`))
	return s
}

// reach waits until the page shows screen, connected to palmd, checks
// its title when one is given, and saves a screenshot.
func (p *page) reach(screen, title string) {
	p.t.Helper()
	p.do(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`body[data-screen=%q][data-connected="true"]`, screen))))
	if h1 := get(p, chromedp.Text(chromedp.CSS("h1"))); title != "" && h1 != title {
		p.t.Fatalf("screen %s says %q, want %q", screen, h1, title)
	}
	p.shot(screen)
}

// shot saves the screen as NN-name.png.
func (p *page) shot(name string) {
	p.t.Helper()
	png := get(p, chromedp.CaptureScreenshot())
	p.n++
	if err := os.WriteFile(filepath.Join(p.dir, fmt.Sprintf("%02d-%s.png", p.n, name)), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// tap touches a button of the screen; a network row is tapped by its
// SSID.
func (p *page) tap(button string, value ...string) {
	p.t.Helper()
	sel := fmt.Sprintf(`button[data-button=%q]`, button)
	if len(value) > 0 {
		sel = fmt.Sprintf(`button[data-button=%q][data-value=%q]`, button, value[0])
	}
	p.do(chromedp.Click(chromedp.CSS(sel)))
}

// typeOnKeyboard types s on the on-screen keyboard: lower-case letters on
// its first page, anything else on its symbols page.
func (p *page) typeOnKeyboard(s string) {
	p.t.Helper()
	letters := true
	for _, r := range s {
		isLetter := r >= 'a' && r <= 'z'
		if isLetter != letters {
			flip := "?123"
			if isLetter {
				flip = "ABC"
			}
			p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-key=%q]`, flip))))
			letters = isLetter
		}
		p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-key=%q]`, string(r)))))
	}
}

// text is the page's visible text.
func (p *page) text() string {
	p.t.Helper()
	return get(p, chromedp.Text(chromedp.CSS("main")))
}

// TestBrowserFirstBoot: the guide's first boot on the page, by touch:
// tap, Wi-Fi, the networks in range, a wrong password typed on the
// on-screen keyboard and said to be wrong, the right one, connected, OK,
// "Scan QR code"; the network's credentials reached the (simulated)
// NetworkManager.
func TestBrowserFirstBoot(t *testing.T) {
	cfg, control := writeConfig(t, "")
	screen := freeAddr(t)
	p := startPalmd(t, cfg, control, "-ui", screen)
	b := openPage(t, "http://"+screen+"/")
	b.reach("setup", "Tap to get started")
	b.tap("start")
	b.reach("choose-network", "Connect to the internet")
	b.tap("wifi")
	b.reach("wifi-list", "Choose a Wi-Fi network")
	if txt := b.text(); !strings.Contains(txt, "Headquarters") || !strings.Contains(txt, "Visitors") || !strings.Contains(txt, "Lab 5 GHz") {
		t.Fatalf("the list shows %q", txt)
	}
	b.tap("network", "Headquarters")
	b.reach("wifi-password", "Password for Headquarters")
	b.typeOnKeyboard("wrongpassword")
	b.shot("wifi-password-typed")
	b.tap("join")
	b.reach("not-connected", "Not connected")
	if txt := b.text(); !strings.Contains(txt, "The Wi-Fi password is wrong.") {
		t.Fatalf("a wrong password: %q", txt)
	}
	b.tap("retry")
	b.reach("wifi-list", "")
	b.tap("network", "Headquarters")
	b.reach("wifi-password", "")
	b.typeOnKeyboard("palm-reader-1")
	b.tap("join")
	b.reach("connected", "Connected")
	b.tap("ok")
	b.reach("scan-code", "Scan QR code")
	var net struct {
		SSID    string
		Applied int
	}
	if _, err := httpGetJSON("http://"+control+"/network", &net); err != nil || net.SSID != "Headquarters" || net.Applied != 1 {
		t.Fatalf("the network applied: %+v %v", net, err)
	}
	if strings.Contains(p.logs.String(), "palm-reader-1") {
		t.Fatal("the Wi-Fi password reached the log")
	}
}
