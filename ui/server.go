package ui

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/palmd/palmd/firmware/appliance"
)

//go:embed assets
var assetFiles embed.FS

// heartbeat keeps an idle event stream open through anything that drops
// silent connections, and lets the server notice a page that has gone.
const heartbeat = 15 * time.Second

// reconnect is how soon a page reconnects after losing palmd: the screen
// is back within it of palmd serving again.
const reconnect = 500 * time.Millisecond

// Server serves the touchscreen's page and is the appliance's Display:
// each screen shown goes to every page connected, and touches on the page
// go to the lifecycle.
type Server struct {
	cat *Catalog
	log *slog.Logger

	mu   sync.Mutex
	cur  View
	seq  int64
	subs map[chan View]struct{}
}

var _ appliance.Display = (*Server)(nil)

// NewServer makes a server with cat's texts.
func NewServer(cat *Catalog, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cat: cat, log: log, subs: map[chan View]struct{}{}}
}

// Show implements appliance.Display: it never blocks the lifecycle; a
// page that is behind gets the newest screen and skips the rest.
func (s *Server) Show(sc appliance.Screen) {
	v, err := Build(s.cat, sc)
	if err != nil {
		// A test keeps this from happening; if it does, the page shows the
		// screen's name rather than nothing or another language.
		s.log.Error("screen", "err", err)
		v = View{Screen: sc.Name, Lang: sc.Language, Tone: "alert", Picture: "none", Title: sc.Name, Labels: Labels{}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	v.Seq, v.At = s.seq, float64(time.Now().UnixMicro())/1000
	s.cur = v
	for ch := range s.subs {
		latest(ch, v)
	}
}

// latest puts v in ch (capacity 1), replacing what the reader has not
// taken yet. Only Show sends, under the server's lock.
func latest(ch chan View, v View) {
	select {
	case ch <- v:
		return
	default:
	}
	select {
	case <-ch:
	default:
	}
	ch <- v
}

// Current is the screen on show.
func (s *Server) Current() View {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Poster is the lifecycle as touches reach it (appliance.Appliance).
type Poster interface {
	Post(ctx context.Context, ev appliance.Event) error
}

// Handler serves the page, its assets, the stream of screens, previews
// and touches.
func (s *Server) Handler(app Poster) http.Handler {
	mux := http.NewServeMux()
	assets, _ := fs.Sub(assetFiles, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store") // a new palmd may bring a new page
		http.ServeFileFS(w, r, assets, "index.html")
	})
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("GET /view", s.view)
	mux.HandleFunc("POST /touch", func(w http.ResponseWriter, r *http.Request) { s.touch(w, r, app) })
	return loopbackOnly(mux)
}

// loopbackOnly refuses a request whose Host is not a loopback name: a web
// page elsewhere that had its name resolve to 127.0.0.1 (DNS rebinding)
// must not read the screen or touch it.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if ip := net.ParseIP(strings.Trim(host, "[]")); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "ui: loopback only", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// events streams the screens as server-sent events, the current one
// first, so a page that (re)connects shows what the reader shows.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "ui: streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := make(chan View, 1)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	if s.cur.Seq > 0 {
		ch <- s.cur
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "retry: %d\n\n", reconnect.Milliseconds())
	fl.Flush()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			fmt.Fprint(w, ": beat\n\n")
		case v := <-ch:
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "data: %s\n\n", b)
		}
		fl.Flush()
	}
}

// view is GET /view: the current screen, or with ?screen=NAME&lang=LANG a
// preview of any screen with sample contents.
func (s *Server) view(w http.ResponseWriter, r *http.Request) {
	v := s.Current()
	if name := r.URL.Query().Get("screen"); name != "" {
		var err error
		if v, err = Build(s.cat, Sample(name, r.URL.Query().Get("lang"))); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

// Touch is what the page posts: a button of the screen on show, and the
// network picked or the passphrase typed.
type Touch struct {
	Button string `json:"button"`
	Value  string `json:"value,omitempty"`
}

// ErrNotOnScreen is a touch on a button the screen on show does not have:
// a page a step behind, or a stale tap.
var ErrNotOnScreen = errors.New("ui: that button is not on the screen")

// touch is POST /touch. The value may be a passphrase: it goes to the
// lifecycle and nowhere else, never to a log.
func (s *Server) touch(w http.ResponseWriter, r *http.Request, app Poster) {
	// JSON only: another site's page cannot send it without the browser
	// asking first (CORS), and nothing here says yes.
	if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); ct != "application/json" {
		http.Error(w, "touch: want application/json", http.StatusUnsupportedMediaType)
		return
	}
	var t Touch
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		http.Error(w, `touch: want {"button":ID,"value":TEXT}`, http.StatusBadRequest)
		return
	}
	if err := offered(s.Current(), t); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	if err := app.Post(r.Context(), appliance.Touched{Button: t.Button, Value: t.Value}); err != nil {
		http.Error(w, "touch: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// offered checks that v has the button t names.
func offered(v View, t Touch) error {
	switch {
	case v.Tap != nil && v.Tap.ID == t.Button,
		v.Keyboard != nil && v.Keyboard.ID == t.Button,
		slices.ContainsFunc(v.Buttons, func(b Button) bool { return b.ID == t.Button }):
		return nil
	case t.Button == appliance.ButtonNetwork &&
		slices.ContainsFunc(v.Networks, func(n NetworkItem) bool { return n.SSID == t.Value }):
		return nil
	}
	return fmt.Errorf("%w: %q on %s", ErrNotOnScreen, t.Button, v.Screen)
}

// Listen opens addr for the page, refusing any address but loopback: the
// screen and its touches are for the kiosk browser on the reader only.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("ui: %s is not a loopback address", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	return l, nil
}

// Serve serves h on l until ctx ends, then closes every connection (the
// pages reconnect to the next palmd) and returns once every request,
// streams included, has ended.
func Serve(ctx context.Context, l net.Listener, h http.Handler) error {
	var fl flights
	srv := &http.Server{
		Handler: fl.track(h), ReadHeaderTimeout: 5 * time.Second,
		// Requests end with ctx: a stream does not outlive palmd's run.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	var err error
	select {
	case <-ctx.Done():
		_ = srv.Close()
		<-done
	case err = <-done:
		err = fmt.Errorf("ui: %w", err)
	}
	fl.land()
	return err
}

// flights counts the requests being served, so that Serve can wait for
// them: a WaitGroup whose Add is refused once Serve waits.
type flights struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	landing bool
}

func (f *flights) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if f.landing {
			f.mu.Unlock()
			http.Error(w, "ui: stopping", http.StatusServiceUnavailable)
			return
		}
		f.wg.Add(1)
		f.mu.Unlock()
		defer f.wg.Done()
		h.ServeHTTP(w, r)
	})
}

// land refuses new requests and waits for those in flight.
func (f *flights) land() {
	f.mu.Lock()
	f.landing = true
	f.mu.Unlock()
	f.wg.Wait()
}
