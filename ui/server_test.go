package ui

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/firmware/appliance"
)

// poster records the touches that reach the lifecycle.
type poster struct {
	mu      sync.Mutex
	touches []appliance.Touched
}

func (p *poster) Post(_ context.Context, ev appliance.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.touches = append(p.touches, ev.(appliance.Touched))
	return nil
}

func newServer(t *testing.T) (*Server, *poster, *httptest.Server) {
	t.Helper()
	s := NewServer(catalog(t), nil)
	p := &poster{}
	hs := httptest.NewServer(s.Handler(p))
	t.Cleanup(hs.Close)
	return s, p, hs
}

// nextView reads the stream until the next screen.
func nextView(t *testing.T, r *bufio.Reader) View {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var v View
			if err := json.Unmarshal([]byte(data), &v); err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
}

// TestStream: a page that connects gets the screen on show, then each new
// one, numbered.
func TestStream(t *testing.T) {
	s, _, hs := newServer(t)
	s.Show(appliance.Screen{Name: appliance.ScreenSetup, Language: "en"})
	resp, err := http.Get(hs.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	if v := nextView(t, r); v.Screen != appliance.ScreenSetup || v.Seq != 1 || v.Title != "Tap to get started" {
		t.Fatalf("first %+v", v)
	}
	s.Show(appliance.Screen{Name: appliance.ScreenChooseNetwork, Language: "de"})
	if v := nextView(t, r); v.Screen != appliance.ScreenChooseNetwork || v.Seq != 2 || v.Title != "Mit dem Internet verbinden" {
		t.Fatalf("second %+v", v)
	}
}

// TestShowNeverBlocks: a page that reads nothing holds neither the
// lifecycle nor the newest screen back.
func TestShowNeverBlocks(t *testing.T) {
	s := NewServer(catalog(t), nil)
	ch := make(chan View, 1)
	s.subs[ch] = struct{}{}
	done := make(chan struct{})
	go func() {
		for range 100 {
			s.Show(appliance.Screen{Name: appliance.ScreenIdle, Language: "en"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Show blocked on a page that reads nothing")
	}
	if v := <-ch; v.Seq != 100 {
		t.Fatalf("the waiting screen is number %d, want the newest (100)", v.Seq)
	}
}

func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url+"/touch", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTouch: a button on the screen reaches the lifecycle with its value;
// one that is not there, or a body of another shape, does not.
func TestTouch(t *testing.T) {
	s, p, hs := newServer(t)
	s.Show(appliance.Screen{Name: appliance.ScreenWiFiList, Language: "en", Networks: []network.Network{{SSID: "Office", Secured: true}}})
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"button":"network","value":"Office"}`, http.StatusAccepted},
		{`{"button":"network","value":"Elsewhere"}`, http.StatusConflict},
		{`{"button":"ethernet"}`, http.StatusConflict},
		{`{"button":"back"}`, http.StatusAccepted},
		{`{"button":"back","extra":1}`, http.StatusBadRequest},
		{`not json`, http.StatusBadRequest},
	} {
		if got := post(t, hs.URL, tc.body); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.body, got, tc.want)
		}
	}
	s.Show(appliance.Screen{Name: appliance.ScreenWiFiPassword, Language: "en", SSID: "Office"})
	if got := post(t, hs.URL, `{"button":"join","value":"correct horse"}`); got != http.StatusAccepted {
		t.Fatalf("join: %d", got)
	}
	want := []appliance.Touched{{Button: "network", Value: "Office"}, {Button: "back"}, {Button: "join", Value: "correct horse"}}
	if len(p.touches) != len(want) {
		t.Fatalf("touches %+v, want %+v", p.touches, want)
	}
	for i := range want {
		if p.touches[i] != want[i] {
			t.Fatalf("touches %+v, want %+v", p.touches, want)
		}
	}
}

// TestPageAndPreview: the page and its assets are served from the binary;
// a preview draws any screen with sample contents.
func TestPageAndPreview(t *testing.T) {
	_, _, hs := newServer(t)
	for _, path := range []string{"/", "/assets/app.js", "/assets/style.css"} {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || b.Len() < 300 {
			t.Fatalf("%s: %s, %d bytes", path, resp.Status, b.Len())
		}
	}
	var v View
	resp, err := http.Get(hs.URL + "/view?screen=enroll-consent&lang=fr")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.Title != "Consentement – vos données biométriques de paume" || len(v.Buttons) != 2 {
		t.Fatalf("preview %+v %v", v, err)
	}
}

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:80"} {
		if l, err := Listen(addr); err == nil {
			l.Close()
			t.Errorf("listened on %s", addr)
		}
	}
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, http.NotFoundHandler()) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + l.Addr().String()); err == nil {
		t.Fatal("still serving after its context ended")
	}
	if !errors.Is(offered(View{Screen: "x"}, Touch{Button: "ok"}), ErrNotOnScreen) {
		t.Fatal("a button on no screen was offered")
	}
}

// TestTouchGuards: a touch that is not JSON (what another site's page
// could send without asking) and a request for another host name (DNS
// rebinding) are refused before anything reaches the lifecycle.
func TestTouchGuards(t *testing.T) {
	s, p, hs := newServer(t)
	s.Show(appliance.Screen{Name: appliance.ScreenSetup, Language: "en"})
	resp, err := http.Post(hs.URL+"/touch", "text/plain", strings.NewReader(`{"button":"start"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("a text/plain touch: %s", resp.Status)
	}
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/touch", strings.NewReader(`{"button":"start"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Host = "rebound.example:8080"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("a touch for another host: %s", resp.Status)
	}
	if len(p.touches) != 0 {
		t.Fatalf("touches reached the lifecycle: %+v", p.touches)
	}
}

// TestServeWaitsForStreams: Serve returns only once a page's open stream
// has ended.
func TestServeWaitsForStreams(t *testing.T) {
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{})
	var ended atomicBool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		close(entered)
		<-r.Context().Done()
		time.Sleep(50 * time.Millisecond) // a handler slow to finish
		ended.set()
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, h) }()
	resp, err := http.Get("http://" + l.Addr().String() + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-entered
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !ended.get() {
		t.Fatal("Serve returned with a stream still being served")
	}
}

type atomicBool struct {
	mu sync.Mutex
	v  bool
}

func (b *atomicBool) set()      { b.mu.Lock(); b.v = true; b.mu.Unlock() }
func (b *atomicBool) get() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.v }
