package identity

import (
	"bytes"
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
	"strconv"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/atomicfile"
	"github.com/palmd/palmd/firmware/store"
)

// selfCert signs a certificate for the pending key's public half, as a CA
// would for the CSR.
func selfCert(t *testing.T, d *Dir) string {
	t.Helper()
	b, err := d.get(pendingKey)
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

// newDir is a Dir whose keys are sealed in a store in dir.
func newDir(t *testing.T, dir string) (*Dir, *store.DB) {
	t.Helper()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d, err := NewDir(filepath.Join(dir, "identity"), db)
	if err != nil {
		t.Fatal(err)
	}
	return d, db
}

// TestLifecycle: a key made for an activation becomes the device key
// with its certificate; it is sealed, never in a file or the state file
// in the clear, and a wipe destroys it.
func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	d, db := newDir(t, dir)
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
	if fi, err := os.Stat(filepath.Join(d.path, fileIdentity)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, %v", fileIdentity, fi.Mode().Perm(), err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(tlsCert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	db.Close()
	inClear(t, dir, keyDER, keyPEM)
	d, _ = newDir(t, dir)
	if _, _, err := d.Load(); err != nil {
		t.Fatalf("after reopening: %v", err)
	}
	if err := d.Wipe(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Load(); !errors.Is(err, ErrNotActivated) {
		t.Fatalf("after wipe: %v", err)
	}
	if _, err := d.get(deviceKey); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the device key survived the wipe: %v", err)
	}
}

// inClear fails the test if any file under dir holds one of secrets.
func inClear(t *testing.T, dir string, secrets ...[]byte) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		for _, s := range secrets {
			if bytes.Contains(b, s) {
				t.Errorf("%s holds the private key in the clear", path)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestClearKeyFileSealed: a device key an older version kept in a file
// is sealed on first use and the file removed.
func TestClearKeyFileSealed(t *testing.T) {
	dir := t.TempDir()
	d, db := newDir(t, dir)
	k, err := d.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	cert := selfCert(t, d)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	// As an older version left it: the key and identity as files.
	if err := db.DeleteSecret(pendingKey.secret); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.path, deviceKey.file), keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(filepath.Join(d.path, fileIdentity), []byte(`{"instance":"inst-1","certificate":`+strconv.Quote(cert)+`}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if id, _, err := d.Load(); err != nil || id.Instance != "inst-1" {
		t.Fatalf("load: %+v %v", id, err)
	}
	db.Close()
	inClear(t, dir, der, keyPEM)
}
