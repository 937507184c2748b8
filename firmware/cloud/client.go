// Package cloud is the reader's side of the wire API: activation from a
// scanned code, then staying in sync with the service over mutual TLS
// (configuration, health, commands, gallery changes, and the event outbox).
package cloud

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/palmd/palmd/firmware/api"
)

// ErrStatus is wrapped by errors for non-2xx answers.
var ErrStatus = errors.New("cloud: service refused")

// StatusError is a non-2xx answer with the service's explanation.
type StatusError struct {
	Status int
	Body   api.Error
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("cloud: service answered %d %s: %s", e.Status, e.Body.Code, e.Body.Message)
}

func (e *StatusError) Unwrap() error { return ErrStatus }

// tlsPolicy is the reader's TLS: only the given anchors, TLS 1.2 at least
// (1.3 preferred by Go's negotiation) with forward-secret AEAD suites only,
// and the device certificate when it has one.
func tlsPolicy(anchors *x509.CertPool, cert *tls.Certificate) *tls.Config {
	c := &tls.Config{RootCAs: anchors, MinVersion: tls.VersionTLS12, CipherSuites: api.TLS12Suites}
	if cert != nil {
		c.Certificates = []tls.Certificate{*cert}
	}
	return c
}

// httpClient makes a client that speaks only HTTPS under the policy.
func httpClient(cfg *tls.Config) *http.Client {
	return &http.Client{
		Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true, TLSHandshakeTimeout: 10 * time.Second},
		Timeout:   30 * time.Second,
		// A redirect could leave HTTPS or the service: none is followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// call does one JSON request; out may be nil. A 304 returns (false, nil).
func call(ctx context.Context, c *http.Client, method, url string, in, out any) (bool, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return false, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return false, err
	}
	if req.URL.Scheme != "https" {
		return false, fmt.Errorf("cloud: refusing %s: only https is allowed", url)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return false, fmt.Errorf("cloud: %s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return false, fmt.Errorf("cloud: %s %s: %w", method, req.URL.Path, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return false, nil
	case resp.StatusCode/100 != 2:
		se := &StatusError{Status: resp.StatusCode}
		_ = json.Unmarshal(raw, &se.Body)
		return false, se
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return false, fmt.Errorf("cloud: %s %s: bad answer: %w", method, req.URL.Path, err)
		}
	}
	return true, nil
}

// stream starts a GET of url from byte offset on. It returns the body and
// the offset it really starts at: 0 when the service sent everything.
func stream(ctx context.Context, c *http.Client, url string, offset int64) (io.ReadCloser, int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, 0, err
	}
	if req.URL.Scheme != "https" {
		return nil, 0, fmt.Errorf("cloud: refusing %s: only https is allowed", url)
	}
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("cloud: GET %s: %w", req.URL.Path, err)
	}
	switch {
	case resp.StatusCode == http.StatusPartialContent && offset > 0:
		return resp.Body, offset, nil
	case resp.StatusCode == http.StatusOK:
		return resp.Body, 0, nil
	}
	defer resp.Body.Close()
	se := &StatusError{Status: resp.StatusCode}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(raw, &se.Body)
	return nil, 0, se
}
