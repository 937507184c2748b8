package ui

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/palmd/palmd/firmware/appliance"
)

// BenchmarkPageWeight: the bytes a kiosk loads to show its first screen:
// the page, its script and its style sheet, and the first screen's event
// (uncompressed: it is served on loopback).
func BenchmarkPageWeight(b *testing.B) {
	s := NewServer(catalog(b), nil)
	s.Show(appliance.Screen{Name: appliance.ScreenSetup, Language: "en"})
	hs := httptest.NewServer(s.Handler(&poster{}))
	defer hs.Close()
	var total int
	for b.Loop() {
		total = 0
		for _, path := range []string{"/", "/assets/app.js", "/assets/style.css"} {
			resp, err := http.Get(hs.URL + path)
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			total += int(n)
		}
		total += firstEvent(b, hs.URL)
	}
	b.ReportMetric(float64(total), "bytes-first-screen")
}

// firstEvent is the size of the first screen's event on the stream.
func firstEvent(b *testing.B, url string) int {
	resp, err := http.Get(url + "/events")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasPrefix(line, "data: ") {
			return len(line)
		}
	}
}
