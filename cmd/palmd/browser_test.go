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
	"github.com/skip2/go-qrcode"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/ui"
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
// complaints of a machine without D-Bus and of Debian's wrapper script
// (its memory test trips over dash on a large machine; harmless).
type browserLog struct {
	t  testing.TB
	mu sync.Mutex
}

func (l *browserLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line != "" && !strings.Contains(line, "dbus") && !strings.Contains(line, "DBus") &&
			!strings.Contains(line, "unexpected operator") && !strings.HasSuffix(line, ": 9: [:") {
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
func openPage(t testing.TB, url string) *page {
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
	p.reachIn(screen, "", title)
}

// reachIn is reach in a language ("" for any). The title is awaited too:
// a screen's title can change while its name stays (guidance hints).
func (p *page) reachIn(screen, lang, title string) {
	p.t.Helper()
	sel := fmt.Sprintf(`body[data-screen=%q][data-connected="true"]`, screen)
	if lang != "" {
		sel += fmt.Sprintf(`[data-lang=%q]`, lang)
	}
	p.do(chromedp.WaitVisible(chromedp.CSS(sel)))
	if title != "" {
		cond := fmt.Sprintf(`document.querySelector(%q) !== null && document.querySelector("h1").textContent === %q`, sel, title)
		ctx, cancel := context.WithTimeout(p.ctx, browserTimeout)
		defer cancel()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingMutation())); err != nil {
			p.t.Fatalf("screen %s never said %q: %v; the page: %s", screen, title, err, p.describe())
		}
	}
	p.shot(screen + map[bool]string{true: "-" + lang}[lang != ""])
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

// TestBrowserActivationAndEntry: on the page, a new reader goes online
// over Ethernet, refuses a QR code that is no activation code and says
// why, activates with the console's code, and then shows what the door
// controller answers: granted, denied, a palm that matched nobody, no
// answer; the tamper alarm over it all; and every screen in German once
// the service's configuration says so.
func TestBrowserActivationAndEntry(t *testing.T) {
	dc := startDevcloud(t)
	inst, code := dc.door(t)
	cfg, control := writeConfig(t, dc.serviceSection(""))
	screen := freeAddr(t)
	p := startPalmd(t, cfg, control, "-ui", screen)
	b := openPage(t, "http://"+screen+"/")
	b.reach("setup", "Tap to get started")
	b.tap("start")
	b.reach("choose-network", "")
	b.tap("ethernet")
	b.reach("connected", "Connected")
	b.tap("ok")
	b.reach("scan-code", "Scan QR code")

	p.post("/camera", "image/png", qrPNG(t, "this is no activation code"))
	b.reach("code-refused", "This code cannot be used")
	if txt := b.text(); !strings.Contains(txt, "This is not an activation code.") {
		t.Fatalf("a code that is none: %q", txt)
	}
	p.post("/camera", "image/png", mustRead(t, code))
	b.reach("activation-complete", "Activation complete!")
	p.post("/camera", "image/png", nil)
	b.reach("entry-idle", "Hover your palm")

	c := api.DefaultConfig()
	c.Decision = api.Duration{Duration: 2 * time.Second}
	st := p.waitState("the first configuration", func(s appliance.Status) bool { return s.Config > 0 })
	dc.configure(inst, c)
	p.waitState("the panel link on the new configuration", func(s appliance.Status) bool { return s.Config > st.Config && s.PanelUp })

	for _, tc := range []struct{ body, screen, title string }{
		{`{"facility":12,"card":3456}`, "access-granted", "Access granted"},
		{`{"facility":12,"card":7}`, "access-denied", "Access denied"},
		{`{"nobody":true}`, "not-recognised", "Not recognised"},
	} {
		p.identify(tc.body)
		b.reach(tc.screen, tc.title)
	}
	p.post("/panel", "application/json", []byte(`{"answer":false}`))
	p.identify(`{"facility":12,"card":3456}`)
	b.reach("no-answer", "No answer from the door controller")
	p.post("/panel", "application/json", []byte(`{"answer":true}`))

	p.post("/pins/TAMPER", "application/json", []byte(`{"level":"high"}`))
	b.reach("tamper-alarm", "Tamper alarm")
	p.post("/pins/TAMPER", "application/json", []byte(`{"level":"low"}`))
	b.reach("entry-idle", "")

	// A synthetic stranger's hand through the real pipeline: guided, then
	// not recognised.
	p.post("/hand", "application/json", []byte(`{"person":7,"pose":"too-far"}`))
	b.reach("entry-guidance", "Move your hand closer")
	p.post("/hand", "application/json", []byte(`{"person":7,"pose":"held-right"}`))
	b.reach("not-recognised", "Not recognised")
	p.post("/hand", "application/json", []byte(`{"away":true}`))
	b.reach("entry-idle", "")

	c.Language = "de"
	dc.configure(inst, c)
	b.reachIn("entry-idle", "de", "Handfläche über das Gerät halten")
	p.identify(`{"facility":12,"card":3456}`)
	b.reachIn("access-granted", "de", "Zutritt gewährt")
}

// qrPNG is a QR code of text, as a phone would show it.
func qrPNG(t *testing.T, text string) []byte {
	t.Helper()
	png, err := qrcode.Encode(text, qrcode.Medium, 480)
	if err != nil {
		t.Fatal(err)
	}
	return png
}

// TestBrowserSurvivesRestart: the kiosk's page outlives palmd: when palmd
// stops the page says it has lost it, and when palmd is back the page
// shows the new process's screen and its touches work.
func TestBrowserSurvivesRestart(t *testing.T) {
	cfg, control := writeConfig(t, "")
	screen := freeAddr(t)
	p := startPalmd(t, cfg, control, "-ui", screen)
	b := openPage(t, "http://"+screen+"/")
	b.reach("setup", "")
	b.tap("start")
	b.reach("choose-network", "")
	p.stop()
	b.do(chromedp.WaitVisible(chromedp.CSS(`body[data-connected="false"]`)))
	b.shot("palmd-gone")
	p = startPalmd(t, cfg, control, "-ui", screen)
	b.reach("setup", "Tap to get started")
	if seq := get(b, chromedp.Evaluate[string](`document.body.dataset.seq`)); seq != "1" {
		t.Fatalf("the page shows screen %s of the new palmd, want its first", seq)
	}
	b.tap("start")
	b.reach("choose-network", "")
}

// TestBrowserPreviews: every screen the page draws, enrollment's too, as
// the simulator's preview shows it, in English and in Japanese (the
// script furthest from the Latin one, so that missing glyphs show).
func TestBrowserPreviews(t *testing.T) {
	cfg, control := writeConfig(t, "")
	screen := freeAddr(t)
	startPalmd(t, cfg, control, "-ui", screen)
	b := openPage(t, "http://"+screen+"/")
	for _, lang := range []string{"en", "ja"} {
		for _, name := range ui.Screens() {
			b.do(chromedp.Navigate(fmt.Sprintf("http://%s/?screen=%s&lang=%s", screen, name, lang)))
			b.do(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`body[data-screen=%q][data-lang=%q]`, name, lang))))
			if h1 := get(b, chromedp.Text(chromedp.CSS("h1"))); h1 == "" {
				t.Fatalf("%s in %s has no title", name, lang)
			}
			b.shot("preview-" + lang + "-" + name)
		}
	}
	if !get(b, chromedp.Evaluate[bool](glyphsDiffer)) {
		t.Fatal("two different Japanese characters draw the same: the screen font has no Japanese glyphs (scripts/deps.sh installs them)")
	}
}

// glyphsDiffer draws two katakana in the page's font and compares the
// pixels: a font without them draws the same empty box for both.
const glyphsDiffer = `(() => {
	const c = document.createElement("canvas");
	c.width = c.height = 64;
	const g = c.getContext("2d");
	const draw = (ch) => {
		g.clearRect(0, 0, 64, 64);
		g.font = "48px " + getComputedStyle(document.body).fontFamily;
		g.fillText(ch, 4, 52);
		return g.getImageData(0, 0, 64, 64).data.join();
	};
	return draw("タ") !== draw("ッ");
})()`

// TestBrowserSimulatorPage: the simulator's page shows the reader's
// screen beside its controls, and its buttons play the hardware through
// the control endpoint: the case opened is the tamper alarm on the
// reader's screen and on the light ring, closed it clears; the Ethernet
// cable pulled fails the first boot's join with its reason.
func TestBrowserSimulatorPage(t *testing.T) {
	cfg, control := writeConfig(t, "")
	screen := freeAddr(t)
	p := startPalmd(t, cfg, control, "-ui", screen)
	b := openPage(t, "http://"+control+"/")
	b.do(chromedp.EmulateViewport(1600, 1400), chromedp.WaitVisible(chromedp.CSS(`#palms button`)))
	if src := get(b, chromedp.Evaluate[string](`document.getElementById("screen").src`)); src != "http://"+screen+"/" {
		t.Fatalf("the page shows the screen %q", src)
	}
	click := func(action string) { b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-do=%q]`, action)))) }

	click("tamper-open")
	p.waitState("the tamper alarm", func(s appliance.Status) bool { return s.Tamper && s.Screen.Name == appliance.ScreenTamper })
	get(b, chromedp.Poll[bool](`document.getElementById("status").textContent.includes("tamper OPEN")`, chromedp.WithPollingInterval(50*time.Millisecond)))
	if l := lastLight(t, control); l != "tamper" {
		t.Fatalf("the light ring shows %q with the case open", l)
	}
	b.shot("simulator-tamper")
	click("tamper-close")
	p.waitState("the alarm cleared", func(s appliance.Status) bool { return !s.Tamper })

	click("cable-out")
	waitCable(t, control, false)
	for _, button := range []string{appliance.ButtonStart, appliance.ButtonEthernet} {
		p.post("/touch", "application/json", []byte(`{"button":"`+button+`"}`))
	}
	st := p.waitState("the join failing", func(s appliance.Status) bool { return s.Screen.Name == appliance.ScreenNotConnected })
	if st.Screen.Cause != appliance.CauseNoCable {
		t.Fatalf("no cable: %+v", st.Screen)
	}
	click("cable-in")
	waitCable(t, control, true)
	p.post("/touch", "application/json", []byte(`{"button":"retry"}`))
	p.waitState("connected", func(s appliance.Status) bool { return s.Screen.Name == appliance.ScreenConnected })
}

// waitCable waits until the simulated Ethernet cable is in, or out: the
// page's buttons call the endpoint on their own time.
func waitCable(t *testing.T, control string, in bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var n struct{ Cable bool }
		if _, err := httpGetJSON("http://"+control+"/network", &n); err == nil && n.Cable == in {
			return
		}
	}
	t.Fatalf("the cable is not %v", map[bool]string{true: "in", false: "out"}[in])
}

// lastLight is the light ring's pattern now.
func lastLight(t *testing.T, control string) string {
	t.Helper()
	var shown []struct{ Name string }
	if _, err := httpGetJSON("http://"+control+"/lights", &shown); err != nil || len(shown) == 0 {
		t.Fatalf("lights: %v %v", shown, err)
	}
	return shown[len(shown)-1].Name
}
