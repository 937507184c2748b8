// Package identity keeps a reader's identity after activation: the private
// key made on the reader (it never leaves), the device certificate, the
// trust bundle and the device instance it is bound to. Dir keeps the
// certificate and instance as a file readable by the owner only and the
// private keys sealed in the reader's store (Keys); a secure element can
// implement the same methods later.
package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/palmd/palmd/drivers/atomicfile"
	"github.com/palmd/palmd/firmware/store"
)

// ErrNotActivated means there is no identity: the reader must be activated.
var ErrNotActivated = errors.New("identity: this reader is not activated")

// Identity is what activation gives a reader.
type Identity struct {
	Instance    string `json:"instance"`
	Certificate string `json:"certificate"`  // PEM
	TrustBundle string `json:"trust_bundle"` // PEM
}

// Keys seals the private keys: firmware/store's secrets, each under a
// data key of its own wrapped by the device key.
type Keys interface {
	PutSecret(name string, value []byte) error
	// GetSecret returns store.ErrNotFound for a name never put.
	GetSecret(name string) ([]byte, error)
	DeleteSecret(name string) error
}

// Dir stores the identity in a directory and its keys in Keys.
type Dir struct {
	path string
	keys Keys
}

// NewDir uses path (created 0700 when missing) and keys.
func NewDir(path string, keys Keys) (*Dir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	return &Dir{path: path, keys: keys}, nil
}

const fileIdentity = "identity.json"

// key is a private key in the store, and the file an older version kept
// it in, in the clear.
type key struct{ secret, file string }

var (
	deviceKey  = key{"identity/device-key", "device-key.pem"}
	pendingKey = key{"identity/pending-key", "device-key.pending.pem"}
)

// NewKey makes a fresh P-256 key for the next activation and returns it.
// It becomes the device key only when Save succeeds.
func (d *Dir) NewKey() (crypto.Signer, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("identity: key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	if err := d.put(pendingKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		return nil, err
	}
	return k, nil
}

// CSR makes a certificate signing request for key, naming the serial.
func CSR(key crypto.Signer, serial string) (string, error) {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{SerialNumber: serial}}, key)
	if err != nil {
		return "", fmt.Errorf("identity: csr: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), nil
}

// Save makes the pending key the device key and stores id; the certificate
// must be for that key.
func (d *Dir) Save(id Identity) error {
	keyPEM, err := d.get(pendingKey)
	if err != nil {
		return fmt.Errorf("identity: no pending key: %w", err)
	}
	if _, err := tls.X509KeyPair([]byte(id.Certificate), keyPEM); err != nil {
		return fmt.Errorf("identity: certificate does not match the key: %w", err)
	}
	b, err := json.Marshal(id)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(d.path, fileIdentity), b, 0o600); err != nil {
		return err
	}
	if err := d.put(deviceKey, keyPEM); err != nil {
		return err
	}
	return d.delete(pendingKey)
}

// Load returns the stored identity and its TLS certificate.
func (d *Dir) Load() (Identity, tls.Certificate, error) {
	var id Identity
	b, err := os.ReadFile(filepath.Join(d.path, fileIdentity))
	if errors.Is(err, os.ErrNotExist) {
		return id, tls.Certificate{}, ErrNotActivated
	}
	if err != nil {
		return id, tls.Certificate{}, fmt.Errorf("identity: %w", err)
	}
	if err := json.Unmarshal(b, &id); err != nil {
		return id, tls.Certificate{}, fmt.Errorf("identity: corrupt: %w", err)
	}
	keyPEM, err := d.get(deviceKey)
	if err != nil {
		return id, tls.Certificate{}, fmt.Errorf("identity: key: %w", err)
	}
	cert, err := tls.X509KeyPair([]byte(id.Certificate), keyPEM)
	if err != nil {
		return id, tls.Certificate{}, fmt.Errorf("identity: %w", err)
	}
	return id, cert, nil
}

// Wipe forgets the identity and destroys the keys (deactivation).
func (d *Dir) Wipe() error {
	var errs []error
	if err := os.Remove(filepath.Join(d.path, fileIdentity)); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	for _, k := range []key{deviceKey, pendingKey} {
		errs = append(errs, d.delete(k))
	}
	return errors.Join(errs...)
}

func (d *Dir) put(k key, pemBytes []byte) error {
	if err := d.keys.PutSecret(k.secret, pemBytes); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	return nil
}

// get opens a key; one an older version kept in a file in the clear is
// sealed on this first read and the file removed.
func (d *Dir) get(k key) ([]byte, error) {
	b, err := d.keys.GetSecret(k.secret)
	if !errors.Is(err, store.ErrNotFound) {
		return b, err
	}
	clear := filepath.Join(d.path, k.file)
	b, ferr := os.ReadFile(clear)
	if ferr != nil {
		return nil, err
	}
	if err := d.put(k, b); err != nil {
		return nil, err
	}
	return b, removeSynced(clear)
}

// delete destroys a key, sealed or left in the clear by an older version.
func (d *Dir) delete(k key) error {
	if err := d.keys.DeleteSecret(k.secret); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	return removeSynced(filepath.Join(d.path, k.file))
}

// removeSynced removes a file, if there, and syncs its directory.
func removeSynced(path string) error {
	if err := os.Remove(path); errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	return atomicfile.SyncDir(filepath.Dir(path))
}
