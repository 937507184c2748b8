package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/palmd/palmd/firmware/appliance"
)

// BenchmarkPanelAnswerToScreen: from the simulated OSDP door controller
// beginning its answer (LED and buzzer commands on the line) to the page
// in Chromium drawing "Access granted", per presentation: median and
// p99 in ms. Both times come from the one machine's clock: the panel's
// own record of its answer, and the page's stamp when it drew the screen.
func BenchmarkPanelAnswerToScreen(b *testing.B) {
	dc := startDevcloud(b)
	_, code := dc.door(b)
	cfg, control := writeConfig(b, dc.serviceSection(""))
	screen := freeAddr(b)
	p := startPalmd(b, cfg, control, "-ui", screen)
	p.activate(code)
	p.waitState("the panel link", func(s appliance.Status) bool { return s.PanelUp })
	pg := openPage(b, "http://"+screen+"/")
	pg.do(chromedp.WaitVisible(chromedp.CSS(`body[data-screen="entry-idle"]`)))
	var ms, page []float64
	for b.Loop() {
		before, _ := panelReads(b, control)
		seq := get(pg, chromedp.Evaluate[float64](`+document.body.dataset.seq`))
		p.identify(`{"facility":12,"card":3456}`)
		shown := get(pg, chromedp.Poll[float64](fmt.Sprintf(
			`document.body.dataset.screen === "access-granted" && +document.body.dataset.seq > %v && +document.body.dataset.shownAt`, seq),
			chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(20*time.Second)))
		var answered time.Time
		for deadline := time.Now().Add(5 * time.Second); answered.IsZero() && time.Now().Before(deadline); {
			if n, r := panelReads(b, control); n > before {
				answered = r[len(r)-1].Answered
			}
		}
		if answered.IsZero() {
			b.Fatal("the panel did not answer")
		}
		ms = append(ms, shown-float64(answered.UnixMicro())/1000)
		page = append(page, shown-get(pg, chromedp.Evaluate[float64](`+document.body.dataset.servedAt`)))
	}
	slices.Sort(ms)
	slices.Sort(page)
	b.ReportMetric(ms[len(ms)/2], "ms-median")
	b.ReportMetric(ms[min(len(ms)-1, len(ms)*99/100)], "ms-p99")
	// The part from palmd putting the screen up to the page drawing it.
	b.ReportMetric(page[len(page)/2], "ms-page-median")
}

// panelReads is how many badges the simulated door controllers received,
// and the latest.
func panelReads(tb testing.TB, control string) (int, []panelRead) {
	tb.Helper()
	var v struct {
		Received int
		Reads    []panelRead
	}
	if _, err := httpGetJSON("http://"+control+"/panel", &v); err != nil {
		tb.Fatal(err)
	}
	return v.Received, v.Reads
}

// BenchmarkTimeToFirstScreen: from palmd starting (a simulated reader
// with a state directory of its own, as after a power cut) to the kiosk's
// page drawing its first screen, the browser loading the page once palmd
// says it is ready, as the kiosk unit starts after palmd's.
func BenchmarkTimeToFirstScreen(b *testing.B) {
	cfg, control := writeConfig(b, "")
	screen := freeAddr(b)
	pg := openPage(b, "about:blank")
	var ms []float64
	for b.Loop() {
		start := time.Now()
		p := startPalmd(b, cfg, control, "-ui", screen)
		pg.do(chromedp.Navigate("http://" + screen + "/"))
		shown := get(pg, chromedp.Poll[float64](`+document.body.dataset.seq >= 1 && +document.body.dataset.shownAt`,
			chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(20*time.Second)))
		ms = append(ms, shown-float64(start.UnixMicro())/1000)
		p.stop()
	}
	slices.Sort(ms)
	b.ReportMetric(ms[len(ms)/2], "ms-median")
}
