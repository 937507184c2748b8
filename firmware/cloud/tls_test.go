package cloud

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestTLSPolicy: the reader talks only HTTPS, TLS 1.2 or newer, to servers
// signed by its anchors.
func TestTLSPolicy(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{}`)) })
	good := httptest.NewTLSServer(ok)
	defer good.Close()
	old := httptest.NewUnstartedServer(ok)
	old.TLS = &tls.Config{MaxVersion: tls.VersionTLS11}
	old.Config.ErrorLog = log.New(io.Discard, "", 0)
	old.StartTLS()
	defer old.Close()
	plain := httptest.NewServer(ok)
	defer plain.Close()
	stranger := httptest.NewUnstartedServer(ok) // its own, unknown CA
	stranger.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	stranger.Config.ErrorLog = log.New(io.Discard, "", 0)
	stranger.StartTLS()
	defer stranger.Close()

	anchors := x509.NewCertPool()
	anchors.AddCert(good.Certificate())
	anchors.AddCert(old.Certificate())
	c := httpClient(tlsPolicy(anchors, nil))
	for _, tc := range []struct {
		name, url, want string
	}{
		{"TLS 1.2+ with a known CA", good.URL, ""},
		{"plain HTTP", plain.URL, "only https"},
		{"TLS 1.1", old.URL, "protocol version"},
		{"unknown CA", stranger.URL, "certificate signed by unknown authority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(context.Background(), c, "GET", tc.url+"/v1/config", nil, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestTLS12OnlyAEADWithForwardSecrecy: over TLS 1.2 the reader offers
// only ECDHE suites with AEAD ciphers; a server that insists on a CBC-SHA1
// suite (or on RSA key exchange) gets no connection.
func TestTLS12OnlyAEADWithForwardSecrecy(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{}`)) })
	for _, tc := range []struct {
		name  string
		suite uint16
		want  bool
	}{
		{"ECDHE-ECDSA-AES128-GCM", tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, true},
		{"ECDHE-ECDSA-CHACHA20-POLY1305", tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, true},
		{"ECDHE-ECDSA-AES128-CBC-SHA", tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, false},
		{"ECDHE-ECDSA-AES256-CBC-SHA", tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, false},
		{"ECDHE-ECDSA-AES128-CBC-SHA256", tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(ok)
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tc.suite}}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			srv.StartTLS()
			defer srv.Close()
			anchors := x509.NewCertPool()
			anchors.AddCert(srv.Certificate())
			_, err := call(context.Background(), httpClient(tlsPolicy(anchors, nil)), "GET", srv.URL+"/v1/config", nil, nil)
			if (err == nil) != tc.want {
				t.Fatalf("suite %s: err %v, want connected %v", tls.CipherSuiteName(tc.suite), err, tc.want)
			}
		})
	}
	for _, id := range tlsPolicy(nil, nil).CipherSuites {
		for _, s := range tls.InsecureCipherSuites() {
			if s.ID == id {
				t.Errorf("offers insecure suite %s", s.Name)
			}
		}
	}
}

// TestNoRedirects: a redirect, even to HTTPS, is not followed.
func TestNoRedirects(t *testing.T) {
	srv := httptest.NewTLSServer(http.RedirectHandler("http://example.invalid/", http.StatusFound))
	defer srv.Close()
	anchors := x509.NewCertPool()
	anchors.AddCert(srv.Certificate())
	_, err := call(context.Background(), httpClient(tlsPolicy(anchors, nil)), "GET", srv.URL, nil, nil)
	if se, ok := err.(*StatusError); !ok || se.Status != http.StatusFound {
		t.Fatalf("redirect: %v", err)
	}
}

// selfSigned makes a certificate for 127.0.0.1 from a CA nobody trusts.
func selfSigned(t *testing.T) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
