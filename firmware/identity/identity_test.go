package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// selfCert signs a certificate for the pending key's public half, as a CA
// would for the CSR.
func selfCert(t *testing.T, d *Dir) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(d.path, filePending))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key := k.(*ecdsa.PrivateKey)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "inst-1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestLifecycle(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Load(); !errors.Is(err, ErrNotActivated) {
		t.Fatalf("fresh dir: %v", err)
	}
	key, err := d.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	csrPEM, err := CSR(key, "PLM-1")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode([]byte(csrPEM))
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil || csr.CheckSignature() != nil || csr.Subject.SerialNumber != "PLM-1" {
		t.Fatalf("CSR: %v", err)
	}
	cert := selfCert(t, d)

	// A certificate for another key is refused and changes nothing.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, other.Public(), other)
	wrong := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	if err := d.Save(Identity{Instance: "inst-1", Certificate: wrong}); err == nil {
		t.Fatal("saved a certificate for another key")
	}
	if err := d.Save(Identity{Instance: "inst-1", Certificate: cert, TrustBundle: cert}); err != nil {
		t.Fatal(err)
	}
	id, tlsCert, err := d.Load()
	if err != nil || id.Instance != "inst-1" || tlsCert.PrivateKey == nil {
		t.Fatalf("load: %+v %v", id, err)
	}
	for _, f := range []string{fileIdentity, fileKey} {
		if fi, err := os.Stat(filepath.Join(d.path, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v", f, fi.Mode().Perm(), err)
		}
	}
	if err := d.Wipe(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Load(); !errors.Is(err, ErrNotActivated) {
		t.Fatalf("after wipe: %v", err)
	}
	if _, err := os.Stat(filepath.Join(d.path, fileKey)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the device key survived the wipe")
	}
}
