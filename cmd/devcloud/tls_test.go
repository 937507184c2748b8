package main

import (
	"crypto/tls"
	"testing"
)

// TestServerTLSPolicy: the service speaks TLS 1.2 only with ECDHE and
// AEAD suites, and nothing older than TLS 1.2.
func TestServerTLSPolicy(t *testing.T) {
	svc := startService(t, "", "")
	anchors, _ := trust(t, svc.dir)
	for _, tc := range []struct {
		name     string
		min, max uint16
		suite    uint16
		want     bool
	}{
		{"TLS 1.3", tls.VersionTLS13, tls.VersionTLS13, 0, true},
		{"TLS 1.2 ECDHE-ECDSA-AES128-GCM", tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, true},
		{"TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305", tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, true},
		{"TLS 1.2 ECDHE-ECDSA-AES128-CBC-SHA", tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, false},
		{"TLS 1.2 ECDHE-ECDSA-AES256-CBC-SHA", tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, false},
		{"TLS 1.2 ECDHE-ECDSA-AES128-CBC-SHA256", tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, false},
		{"TLS 1.1", tls.VersionTLS10, tls.VersionTLS11, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &tls.Config{RootCAs: anchors, MinVersion: tc.min, MaxVersion: tc.max}
			if tc.suite != 0 {
				cfg.CipherSuites = []uint16{tc.suite}
			}
			c, err := tls.Dial("tcp", svc.addr, cfg)
			if err == nil {
				c.Close()
			}
			if (err == nil) != tc.want {
				t.Fatalf("err %v, want connected %v", err, tc.want)
			}
		})
	}
}
