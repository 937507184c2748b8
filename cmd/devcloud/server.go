package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/palmd/palmd/firmware/api"
)

// server is the reference service: management API for people and tools,
// device API for readers, one TLS listener.
type server struct {
	db        *db
	ca        *authority
	log       *slog.Logger
	events    *publisher
	vault     *vault
	limit     *limiter      // calls without a valid credential, per source
	url       string        // base URL put into activation codes
	offline   time.Duration // a reader silent this long is DISCONNECTED
	now       func() time.Time
	codeTTL   time.Duration
	releases  string     // directory of published software files
	publishMu sync.Mutex // one software publication at a time
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	s.manageRoutes(mux)
	s.deviceRoutes(mux)
	return mux
}

// tlsConfig serves the CA-issued certificate, asks for (but does not
// require) client certificates: activation has none yet.
func (s *server) tlsConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(s.ca.caCert)
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: api.TLS12Suites,
		Certificates: []tls.Certificate{s.ca.serverTLS},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    pool,
	}
}

// serve runs the HTTPS server on l until ctx ends.
func (s *server) serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: s.routes(), TLSConfig: s.tlsConfig(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	var wg sync.WaitGroup
	defer wg.Wait() // the caller closes the database once serve returns
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // also when ServeTLS fails at once
	wg.Go(func() { s.watchConnectivity(ctx) })
	wg.Go(func() { s.events.run(ctx) })
	wg.Go(func() { <-ctx.Done(); _ = srv.Close() })
	err := srv.ServeTLS(l, "", "")
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// publish tries to publish what the last transaction queued before the
// caller answers; run retries whatever it could not.
func (s *server) publish() { s.events.flushLogged() }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, short, msg string) {
	writeJSON(w, code, api.Error{Code: short, Message: msg})
}
