package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type serveConfig struct {
	dir, addr, events, hosts string
	codeTTL, offline         time.Duration
	unauthRate, unauthBurst  float64 // per source address
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c serveConfig
	fs.StringVar(&c.dir, "dir", "var/devcloud", "data directory")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8443", "listen address")
	fs.StringVar(&c.events, "events", "", "append published events to this file (default: DIR/events.jsonl)")
	fs.StringVar(&c.hosts, "hosts", "127.0.0.1,localhost", "names in the server certificate")
	fs.DurationVar(&c.codeTTL, "code-ttl", 15*time.Minute, "lifetime of an activation code")
	fs.DurationVar(&c.offline, "offline-after", 90*time.Second, "a reader silent this long is DISCONNECTED")
	fs.Float64Var(&c.unauthBurst, "unauth-burst", unauthBurst, "calls without a valid credential one address may make at once")
	fs.Float64Var(&c.unauthRate, "unauth-rate", unauthRate, "and then per second")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	l, err := net.Listen("tcp", c.addr)
	if err != nil {
		fmt.Fprintln(stderr, "devcloud:", err)
		return 1
	}
	s, closeFn, err := newServer(c, l.Addr().String(), log)
	if err != nil {
		l.Close()
		fmt.Fprintln(stderr, "devcloud:", err)
		return 1
	}
	defer closeFn()
	fmt.Fprintf(stdout, "devcloud serving %s (trust anchor %s, activation key %s)\n", s.url,
		filepath.Join(c.dir, fileCA), filepath.Join(c.dir, fileActivation))
	if err := s.serve(ctx, l); err != nil {
		fmt.Fprintln(stderr, "devcloud:", err)
		return 1
	}
	return 0
}

// Default limits of calls without a valid credential (management calls
// without a known key, activations) from one address: 20 at once, then one
// a second.
const (
	unauthRate  = 1
	unauthBurst = 20
)

// newServer opens (or creates) the data directory and returns a server
// for the given listen address.
func newServer(c serveConfig, listenAddr string, log *slog.Logger) (*server, func(), error) {
	if c.unauthRate <= 0 || c.unauthBurst < 1 {
		return nil, nil, fmt.Errorf("devcloud: unauthenticated calls need a positive rate and a burst of at least 1")
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, nil, err
	}
	ca, err := loadAuthority(c.dir, strings.Split(c.hosts, ","))
	if err != nil {
		return nil, nil, err
	}
	dbPath := filepath.Join(c.dir, "devcloud.db")
	d, err := openDB(dbPath)
	if err != nil {
		return nil, nil, err
	}
	v, err := openVault(c.dir, d.b)
	if err == nil {
		d, err = migrate(dbPath, d, v)
	}
	if err != nil {
		if d != nil {
			d.b.Close()
		}
		return nil, nil, err
	}
	if c.events == "" {
		c.events = filepath.Join(c.dir, "events.jsonl")
	}
	// Fail at start, not at the first event, when the file cannot be opened.
	ev, err := os.OpenFile(c.events, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		d.b.Close()
		return nil, nil, fmt.Errorf("devcloud: events file: %w", err)
	}
	ev.Close()
	s := &server{
		db: d, ca: ca, log: log, url: "https://" + listenAddr, offline: c.offline, now: time.Now, codeTTL: c.codeTTL,
		releases: filepath.Join(c.dir, "releases"), vault: v, limit: newLimiter(c.unauthRate, c.unauthBurst),
		events: &publisher{db: d.b, path: c.events, log: log, account: "000000000000", region: "local"},
	}
	if err := os.WriteFile(filepath.Join(c.dir, "url"), []byte(s.url+"\n"), 0o644); err != nil {
		return nil, nil, err
	}
	if err := s.ensureKeys(c.dir); err != nil {
		return nil, nil, err
	}
	return s, func() { d.b.Close() }, nil
}

// ensureKeys writes one API key per access level on first start.
func (s *server) ensureKeys(dir string) error {
	for _, k := range []struct{ file, name, level string }{
		{"admin.key", "admin", levelFull}, {"readonly.key", "auditor", levelReadOnly}, {"installer.key", "installer", levelInstaller},
	} {
		path := filepath.Join(dir, k.file)
		if _, err := os.Stat(path); err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		key, err := s.newAPIKey(k.name, k.level)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
			return err
		}
	}
	return nil
}
